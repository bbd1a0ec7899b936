// The cases of an eval: inline, or read from a .jsonl, .csv or .json file. Files are streamed a
// chunk of records at a time (a 100,000-row dataset is never held whole); a record that cannot be
// read stops the read with its line number, after the records before it.
import { createReadStream, closeSync, openSync, readSync, statSync, readFileSync, type Stats } from 'node:fs';
import { parse as parseCsv } from 'csv-parse';
import { caseOf, isMapping, type CasesSource, type EvalCase } from './evalFile';
import { confinedPath, WorkspacePathError, type WorkspaceRule } from '../toolkit/workspacePath';
import { boundedLineBatches, LineTooLongError } from './lineReader';

export class DatasetError extends Error {
  constructor(
    readonly file: string,
    /** 1-based line of the record (0 when the file itself is the problem). */
    readonly line: number,
    message: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${message}`);
    this.name = 'DatasetError';
  }
}

/** A .json dataset is one array, parsed whole: above this size, write it as .jsonl. */
export const MAX_JSON_DATASET_BYTES = 64 * 1024 * 1024;

/** The most one record (a .jsonl line, a CSV record) may hold: a longer one stops the read before it is held whole. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
export const RECORD_TOO_LONG = `this record is over ${MAX_RECORD_BYTES / 1024 / 1024} MiB, the most one case may hold`;

/** What a path that is not a regular file is (a named pipe is never read: it would wait for a writer, or fail with ESPIPE), or null for a file. */
export function notAFile(st: Stats): string | null {
  if (st.isFile()) return null;
  return st.isFIFO() ? 'a named pipe' : st.isDirectory() ? 'a folder' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a file';
}
const NOT_A_FILE = (what: string) => `not a regular file (${what}): a dataset is a .jsonl, .csv or .json file`;

/** A CSV cell as a value: JSON when it reads as JSON (numbers, booleans, lists), else the text. */
function cell(text: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  if (/^[-\d[{"tfn]/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      /* text */
    }
  }
  return text;
}

type Row = { row: Record<string, unknown>; line: number };

/** The rows of a .jsonl file, a list per chunk read (engine/eval/lineReader.ts); a line that is not a
 * case throws after the rows before it are given. */
async function* jsonlRows(file: string, display: string, signal?: AbortSignal): AsyncGenerator<Row[]> {
  const input = createReadStream(file);
  try {
    for await (const lines of boundedLineBatches(input, MAX_RECORD_BYTES)) {
      if (signal?.aborted) return;
      const rows: Row[] = [];
      let bad: DatasetError | null = null;
      for (const { text, line } of lines) {
        const t = line === 1 ? text.replace(/^\uFEFF/, '') : text;
        if (!t.trim()) continue;
        let row: unknown;
        try {
          row = JSON.parse(t);
        } catch (e) {
          bad = new DatasetError(display, line, `not JSON (${(e as Error).message})`);
          break;
        }
        if (!isMapping(row)) {
          bad = new DatasetError(display, line, 'a case is a JSON object ({"topic": "...", ...})');
          break;
        }
        rows.push({ row, line });
      }
      if (rows.length) yield rows;
      if (bad) throw bad;
    }
  } catch (e) {
    if (e instanceof LineTooLongError) throw new DatasetError(display, e.line, RECORD_TOO_LONG);
    throw e;
  } finally {
    input.destroy();
  }
}

async function* csvRows(file: string, display: string, signal?: AbortSignal): AsyncGenerator<Row[]> {
  const parser = createReadStream(file).pipe(parseCsv({ columns: true, bom: true, skip_empty_lines: true, info: true, relax_column_count: false, max_record_size: MAX_RECORD_BYTES }));
  try {
    for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (signal?.aborted) return;
      const row: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(rec.record)) row[k] = cell(v);
      yield [{ row, line: rec.info.lines }];
    }
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    const err = e as Error & { lines?: number; code?: string };
    if (err.code === 'CSV_MAX_RECORD_SIZE') throw new DatasetError(display, err.lines ?? 0, RECORD_TOO_LONG);
    throw new DatasetError(display, err.lines ?? 0, err.message.replace(/^Invalid Record Length: /, ''));
  } finally {
    parser.destroy();
  }
}

function jsonRows(file: string, display: string): Row[] {
  if (statSync(file).size > MAX_JSON_DATASET_BYTES) throw new DatasetError(display, 0, `a .json dataset is read whole and this one is over ${MAX_JSON_DATASET_BYTES / 1024 / 1024} MiB: write it as .jsonl (one case a line), which is streamed`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new DatasetError(display, 0, `not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(doc)) throw new DatasetError(display, 0, 'a .json dataset is an array of cases');
  return doc.map((row, i) => {
    if (!isMapping(row)) throw new DatasetError(display, 0, `case ${i + 1} is not a JSON object`);
    return { row, line: i + 1 };
  });
}

/** Every case in order, streamed. Rows' own `assert` lists are not read from files (they hold data only). */
const DATASET_REFUSALS: Record<WorkspaceRule, string> = {
  outside: 'the dataset is outside the workspace (its links followed)',
  state: "the dataset is inside .orchestrator/, the runs' own state",
  'holds-workspace': 'the dataset holds the workspace',
  'dangling-link': 'the dataset is a link to a missing file',
};

/** The dataset file, refused when its real path (links followed) leaves `workspace`, or is in `.orchestrator/` and `access` writes it. */
export function confinedDataset(source: Extract<CasesSource, { kind: 'file' }>, workspace: string, access: 'read' | 'modify' = 'read'): string {
  try {
    return confinedPath(source.file, { cwd: workspace, workspace, allowOutsideWorkspace: false }, access, 'The dataset').abs;
  } catch (e) {
    if (e instanceof WorkspacePathError) throw new DatasetError(source.written, 0, DATASET_REFUSALS[e.rule]);
    throw e;
  }
}

/** The eval's cases; a dataset file must be inside `options.workspace` when it is given (the eval runner's root). */
export async function* readCases(source: CasesSource, options: { signal?: AbortSignal; display?: string; workspace?: string } = {}): AsyncGenerator<EvalCase> {
  for await (const batch of readCaseBatches(source, options)) yield* batch;
}

/** The same cases, a list at a time (a chunk of the file read): what the eval's runner reads, one
 * turn of the generators per chunk rather than per case. A record that cannot be read throws after
 * the cases before it are given. */
export async function* readCaseBatches(source: CasesSource, options: { signal?: AbortSignal; display?: string; workspace?: string } = {}): AsyncGenerator<EvalCase[]> {
  if (source.kind === 'inline') {
    yield source.cases;
    return;
  }
  if (options.workspace !== undefined) confinedDataset(source, options.workspace);
  const display = options.display ?? source.written;
  let st: Stats;
  try {
    st = statSync(source.file);
  } catch {
    throw new DatasetError(display, 0, 'no such file');
  }
  const what = notAFile(st);
  if (what) throw new DatasetError(display, 0, NOT_A_FILE(what));
  let index = 0;
  if (source.format === 'json') {
    const rows = jsonRows(source.file, display);
    for (let i = 0; i < rows.length; i += JSON_BATCH) yield rows.slice(i, i + JSON_BATCH).map(({ row, line }) => caseOf(row, index++, line, []));
    return;
  }
  const batches = source.format === 'jsonl' ? jsonlRows(source.file, display, options.signal) : csvRows(source.file, display, options.signal);
  for await (const rows of batches) yield rows.map(({ row, line }) => caseOf(row, index++, line, []));
}

/** The cases of a .json dataset are given this many at a time. */
const JSON_BATCH = 1000;

/** The first non-empty line of a file (its first MAX_RECORD_BYTES and a little more read at most), or 'too long'. */
function firstLine(file: string): string | null | 'too long' {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(1024 * 1024);
    let parts: Buffer[] = [];
    let held = 0;
    for (let at = 0; ; ) {
      const n = readSync(fd, chunk, 0, chunk.length, at);
      at += n;
      let data = chunk.subarray(0, n);
      for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a)) {
        if (held + nl > MAX_RECORD_BYTES + 1) return 'too long';
        const text = Buffer.concat([...parts, data.subarray(0, nl)]).toString('utf8').replace(/^\uFEFF/, '');
        if (text.trim()) return text.replace(/\r$/, '');
        parts = [];
        held = 0;
        data = data.subarray(nl + 1);
      }
      if (n === 0) {
        if (held > MAX_RECORD_BYTES + 1) return 'too long';
        const text = Buffer.concat(parts).toString('utf8').replace(/^\uFEFF/, '');
        return text.trim() ? text : null;
      }
      parts.push(Buffer.from(data));
      held += data.length;
      if (held > MAX_RECORD_BYTES + 1) return 'too long';
    }
  } finally {
    closeSync(fd);
  }
}

export type FirstRecord = { keys: string[] } | { problem: 'unreadable' | 'too long' } | { problem: 'not a file'; what: string };

/** The keys of a dataset file's first record, or why they cannot be read (for the analysis). */
export function firstRecord(file: string, format: 'jsonl' | 'csv' | 'json'): FirstRecord {
  let what: string | null;
  try {
    what = notAFile(statSync(file));
  } catch {
    return { problem: 'unreadable' };
  }
  if (what) return { problem: 'not a file', what };
  if (format === 'json') {
    try {
      if (statSync(file).size > MAX_JSON_DATASET_BYTES) return { problem: 'unreadable' };
      const doc = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
      return Array.isArray(doc) && isMapping(doc[0]) ? { keys: Object.keys(doc[0]) } : { problem: 'unreadable' };
    } catch {
      return { problem: 'unreadable' };
    }
  }
  let first: string | null | 'too long';
  try {
    first = firstLine(file);
  } catch {
    return { problem: 'unreadable' };
  }
  if (first === 'too long') return { problem: 'too long' };
  if (first === null) return { problem: 'unreadable' };
  if (format === 'csv') {
    // the header line: names separated by commas, quoted or not
    return { keys: [...first.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]).trim()) };
  }
  try {
    const row = JSON.parse(first);
    return isMapping(row) ? { keys: Object.keys(row) } : { problem: 'unreadable' };
  } catch {
    return { problem: 'unreadable' };
  }
}

/** The keys of a dataset file's first record; null when they cannot be read. */
export function firstRecordKeys(file: string, format: 'jsonl' | 'csv' | 'json'): string[] | null {
  const r = firstRecord(file, format);
  return 'keys' in r ? r.keys : null;
}
