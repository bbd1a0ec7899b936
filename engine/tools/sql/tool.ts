// The `sql` tool: checks a step's parameters, opens the connection through the run's session and
// runs the action. A run gives each of its steps the same session (closed at its end); the built-in
// instance outside a run opens and closes a session per call.
import * as path from 'node:path';
import { ToolError, type ToolContext, type ToolDefinition, type ToolOutcome } from '../../toolkit/runtime';
import { sqlSpec } from '../../toolkit/specs/sql';
import type { CallOptions, Statement } from './driver';
import { BoundedRows, FileRows, type RowSink } from './rows';
import { SqlSession } from './session';
import { confinedPath } from '../../toolkit/workspacePath';
import { checkSqliteStatement } from './sqliteGuard';

export const DEFAULT_MAX_ROWS = 10_000;

function str(params: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) {
    if (required) throw new ToolError(`sql needs '${name}'`, 'ValueError');
    return undefined;
  }
  if (typeof v !== 'string' || (required && !v.trim())) throw new ToolError(`'${name}' must be ${required ? 'a non-empty' : 'a'} string`, 'ValueError');
  return v;
}

function callOptions(params: Record<string, unknown>, ctx: ToolContext): CallOptions {
  const t = params.timeout;
  if (t !== undefined && t !== null && !(typeof t === 'number' && t > 0)) throw new ToolError("'timeout' must be a positive number of seconds", 'ValueError');
  return { signal: ctx.signal, timeoutMs: typeof t === 'number' ? Math.ceil(t * 1000) : null };
}

function paramsOf(v: unknown, where: string): unknown {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object') throw new ToolError(`${where} must be a mapping (for :name) or a list (for $1 or ?)`, 'ValueError');
  return v;
}

function sinkFor(params: Record<string, unknown>, ctx: ToolContext): RowSink {
  const toFile = str(params, 'to_file', false);
  if (toFile !== undefined) {
    return new FileRows(confinedPath(toFile, ctx, 'modify', 'to_file').abs, toFile);
  }
  const m = params.max_rows ?? DEFAULT_MAX_ROWS;
  if (!(typeof m === 'number' && Number.isInteger(m) && m >= 0)) throw new ToolError("'max_rows' must be a whole number, 0 or more", 'ValueError');
  return new BoundedRows(m);
}

/** The statements of a `transaction`: `statements`, then `sql` once per entry of `batch`. */
function transactionStatements(params: Record<string, unknown>): Statement[] {
  const out: Statement[] = [];
  const list = params.statements;
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) throw new ToolError("'statements' must be a list of {sql, params} or SQL strings", 'ValueError');
    list.forEach((s, i) => {
      if (typeof s === 'string') out.push({ sql: s });
      else if (s && typeof s === 'object' && typeof (s as Statement).sql === 'string') out.push({ sql: (s as Statement).sql, params: paramsOf((s as Statement).params, `statements[${i}].params`) });
      else throw new ToolError(`statements[${i}] must be {sql, params} or a string of SQL`, 'ValueError');
    });
  }
  const sql = str(params, 'sql', false);
  const batch = params.batch;
  if (sql !== undefined) {
    if (batch === undefined || batch === null) out.push({ sql });
    else if (!Array.isArray(batch)) throw new ToolError("'batch' must be a list: the params of `sql` for each run", 'ValueError');
    else batch.forEach((b, i) => out.push({ sql, params: paramsOf(b, `batch[${i}]`) }));
  } else if (batch !== undefined && batch !== null) throw new ToolError("'batch' needs 'sql': the statement run once per entry", 'ValueError');
  // an empty batch is nothing to write (a loop that found no work), not a mistake
  if ((list === undefined || list === null) && sql === undefined) throw new ToolError("A transaction needs 'statements', or 'sql' with 'batch'", 'ValueError');
  return out;
}

async function runAction(session: SqlSession, action: string, params: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (!Object.prototype.hasOwnProperty.call(sqlSpec.actions, action)) throw new ToolError(`sql has no action '${action}' (query, execute, transaction)`, 'ValueError');
  const connection = str(params, 'connection', true)!;
  const options = callOptions(params, ctx);
  // everything about the step is checked before the database is opened
  const statement = action === 'transaction' ? null : { sql: str(params, 'sql', true)!, params: paramsOf(params.params, 'params') };
  const statements = action === 'transaction' ? transactionStatements(params) : null;
  const sink = action === 'query' ? sinkFor(params, ctx) : null;
  const target = session.resolve(connection, ctx);
  // an ATTACH or VACUUM INTO opens a file of its own: inside the workspace only
  if (target.kind === 'sqlite') for (const st of statements ?? [statement!]) checkSqliteStatement(st.sql, ctx);
  const driver = await session.driver(target);
  if (action === 'query') return { success: true, result: await driver.query(statement!, sink!, options) };
  if (action === 'execute') return { success: true, result: await driver.execute(statement!, options) };
  const results = await driver.transaction(statements!, options);
  return { success: true, result: { rows_affected: results.reduce((a, r) => a + r.rows_affected, 0), statements: results.length, results } };
}

/** The `sql` tool over a run's session. */
export function createSqlTool(session: SqlSession): ToolDefinition {
  return { spec: sqlSpec, run: (action, params, ctx) => runAction(session, action, params, ctx) };
}

/** The `sql` tool outside a run: URLs and the user's connections, closed after each call. */
export const sqlTool: ToolDefinition = {
  spec: sqlSpec,
  run: async (action, params, ctx) => {
    const session = new SqlSession({ connections: {} });
    try {
      return await runAction(session, action, params, ctx);
    } finally {
      await session.close();
    }
  },
};
