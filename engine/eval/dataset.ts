// The cases of an eval: inline, or read from a .jsonl, .csv or .json file. Files are streamed one
// record at a time (a 100,000-row dataset is never held whole); a record that cannot be read stops
// the read with its line number.
import { createReadStream, closeSync, openSync, readSync, statSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { caseOf, isMapping, type CasesSource, type EvalCase } from './evalFile';
import { confinedPath, WorkspacePathError, type WorkspaceRule } from '../toolkit/workspacePath';

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

async function* jsonlRows(file: string, display: string, signal?: AbortSignal): AsyncGenerator<{ row: Record<string, unknown>; line: number }> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (signal?.aborted) return;
      const t = line === 1 ? text.replace(/^\uFEFF/, '') : text;
      if (!t.trim()) continue;
      let row: unknown;
      try {
        row = JSON.parse(t);
      } catch (e) {
        throw new DatasetError(display, line, `not JSON (${(e as Error).message})`);
      }
      if (!isMapping(row)) throw new DatasetError(display, line, 'a case is a JSON object ({"topic": "...", ...})');
      yield { row, line };
    }
  } finally {
    rl.close();
  }
}

async function* csvRows(file: string, display: string, signal?: AbortSignal): AsyncGenerator<{ row: Record<string, unknown>; line: number }> {
  const parser = createReadStream(file).pipe(parseCsv({ columns: true, bom: true, skip_empty_lines: true, info: true, relax_column_count: false }));
  try {
    for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (signal?.aborted) return;
      const row: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(rec.record)) row[k] = cell(v);
      yield { row, line: rec.info.lines };
    }
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    const err = e as Error & { lines?: number };
    throw new DatasetError(display, err.lines ?? 0, err.message.replace(/^Invalid Record Length: /, ''));
  } finally {
    parser.destroy();
  }
}

function jsonRows(file: string, display: string): { row: Record<string, unknown>; line: number }[] {
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
  if (source.kind === 'inline') {
    yield* source.cases;
    return;
  }
  if (options.workspace !== undefined) confinedDataset(source, options.workspace);
  const display = options.display ?? source.written;
  try {
    statSync(source.file);
  } catch {
    throw new DatasetError(display, 0, 'no such file');
  }
  const rows = source.format === 'jsonl' ? jsonlRows(source.file, display, options.signal) : source.format === 'csv' ? csvRows(source.file, display, options.signal) : jsonRows(source.file, display);
  let index = 0;
  for await (const { row, line } of rows) yield caseOf(row, index++, line, []);
}

/** The keys of a dataset file's first record (read from its first 1 MiB), for the analysis; null when unreadable. */
export function firstRecordKeys(file: string, format: 'jsonl' | 'csv' | 'json'): string[] | null {
  if (format === 'json') {
    try {
      if (statSync(file).size > MAX_JSON_DATASET_BYTES) return null;
      const doc = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
      return Array.isArray(doc) && isMapping(doc[0]) ? Object.keys(doc[0]) : null;
    } catch {
      return null;
    }
  }
  const fd = openSync(file, 'r');
  let head: string;
  try {
    const buf = Buffer.alloc(1024 * 1024);
    head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
  const first = head.split(/\r?\n/).find((l) => l.trim());
  if (first === undefined) return null;
  if (format === 'csv') {
    // the header line: names separated by commas, quoted or not
    return [...first.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]).trim());
  }
  try {
    const row = JSON.parse(first);
    return isMapping(row) ? Object.keys(row) : null;
  } catch {
    return null;
  }
}
