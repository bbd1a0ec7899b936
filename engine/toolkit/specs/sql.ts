// The `sql` tool's contract: queries, statements and transactions on an embedded SQLite file or a
// PostgreSQL server, with parameters always bound. Pure data: the language server bundles it.
import type { ParamSpec, ToolSpec } from '../toolSpec';

const connection: ParamSpec = {
  type: 'string',
  required: true,
  description: 'A name from `connections:` (the pipeline\'s, else the user\'s settings), or a URL that holds no secret: `sqlite:data/app.db` (a file inside the workspace), `sqlite::memory:`, `postgres://user@host:5432/db`.',
};
const sql: ParamSpec = { type: 'string', required: true, description: 'One SQL statement. Values go in `params`, never in the text: `:name` placeholders with a mapping, `$1` or `?` with a list.' };
const params: ParamSpec = { type: ['object', 'array'], description: 'The values bound to the placeholders: a mapping for `:name`, a list for `$1`/`?`.' };
const timeout: ParamSpec = { type: 'number', description: 'Seconds before the statement is cancelled on the server (default: the step\'s `timeout`).' };

export const sqlSpec: ToolSpec = {
  name: 'sql',
  description: 'Runs SQL on an embedded SQLite file or a PostgreSQL server: queries with bounded results, statements, and transactions that apply all or nothing. Values are always bound, never spliced into the SQL.',
  actions: {
    query: {
      description: 'Runs a query and returns its rows (at most `max_rows`), or streams every row into a CSV or JSONL file.',
      parameters: {
        connection,
        sql,
        params,
        max_rows: { type: 'integer', description: 'Most rows kept in the result (default 10,000); more set `truncated: true`. Ignored with `to_file`, which takes every row.', default: 10000 },
        to_file: { type: 'string', description: 'Write every row to this file inside the workspace instead (`.csv` or `.jsonl`), streamed: the result then holds no rows.' },
        timeout,
      },
      result: {
        rows: 'List of rows, one mapping of column name to value per row (none with `to_file`).',
        columns: 'List of `{name, type}`: the result\'s columns and their database types.',
        row_count: 'Rows returned (in `rows`, or written to the file).',
        truncated: 'true when the query had more rows than `max_rows`.',
        file: 'The file written with `to_file` (as given), else null.',
      },
    },
    execute: {
      description: 'Runs one statement that changes data or schema (INSERT, UPDATE, DELETE, CREATE ...).',
      parameters: { connection, sql, params, timeout },
      result: { rows_affected: 'Rows the statement inserted, updated or deleted.' },
    },
    transaction: {
      description: 'Runs statements in one transaction: all of them, or none when one fails (rolled back).',
      parameters: {
        connection,
        statements: { type: 'array', description: 'The statements in order: each `{sql, params}`, or a string of SQL without parameters.' },
        sql: { type: 'string', description: 'One statement run once for each entry of `batch` (after `statements`).' },
        batch: { type: 'array', description: 'The parameters of `sql` for each run: a list of mappings (`:name`) or lists (`$1`/`?`).' },
        timeout,
      },
      result: { rows_affected: 'Rows changed by all the statements together.', statements: 'How many statements ran.', results: 'List of `{rows_affected}`, one per statement in order.' },
    },
  },
};
