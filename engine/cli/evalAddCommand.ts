// `orc eval add FILE.eval.yaml RUN_ID [--expect]`: a real run becomes a case. Its inputs are
// appended to the eval's cases (the inline list, or the .jsonl / .json / .csv dataset file); with
// --expect, its outputs too, as the values the case expects (inline: an `equals` assertion per
// output; a dataset file: an `expected` column).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify as yamlStringify } from 'yaml';
import { stringify as csvStringify } from 'csv-stringify/sync';
import { CheckpointError, loadCheckpoint } from '../run/checkpointStore';
import type { ResultDocument } from '../run/events';
import { exactSpan, parseYaml } from '../parse/yamlDocument';
import { firstRecordKeys } from '../eval/dataset';
import type { EvalSpec } from '../eval/evalFile';
import { UsageError } from './input';
import { findRunsRoot } from '../run/runsRoot';
import { compileEval, type EvalIO } from './evalCommand';

/** The text of the eval file with `item` appended to its block list of cases. */
export function appendInlineCase(text: string, item: Record<string, unknown>): string {
  const parsed = parseYaml(text);
  const list = exactSpan(parsed, ['cases']);
  const first = exactSpan(parsed, ['cases', 0]);
  if (!list || !first || text[list.start] === '[') throw new UsageError("the eval's cases are a flow list ([...]): write them as a block list (one '- ' item a line) to add to them");
  const lineStart = text.lastIndexOf('\n', first.start - 1) + 1;
  const indent = /^ */.exec(text.slice(lineStart))![0].length;
  let end = list.end;
  while (end > list.start && /\s/.test(text[end - 1])) end--;
  const eol = text.indexOf('\n', end);
  const at = eol < 0 ? text.length : eol;
  const body = yamlStringify([item], { lineWidth: 0 }).trimEnd().split('\n').map((l) => ' '.repeat(indent) + l).join('\n');
  return `${text.slice(0, at)}\n${body}${text.slice(at)}${eol < 0 ? '\n' : ''}`;
}

function appendToFile(spec: EvalSpec, row: Record<string, unknown>): void {
  const src = spec.cases;
  if (src.kind !== 'file') return;
  if (src.format === 'jsonl') {
    const text = existsSync(src.file) ? readFileSync(src.file, 'utf8') : '';
    appendFileSync(src.file, `${text && !text.endsWith('\n') ? '\n' : ''}${JSON.stringify(row)}\n`);
  } else if (src.format === 'json') {
    const doc = JSON.parse(readFileSync(src.file, 'utf8')) as unknown[];
    doc.push(row);
    writeFileSync(src.file, JSON.stringify(doc, null, 2) + '\n');
  } else {
    const columns = firstRecordKeys(src.file, 'csv') ?? [];
    const extra = Object.keys(row).filter((k) => !columns.includes(k));
    if (extra.length) throw new UsageError(`${src.written} has no column ${extra.map((k) => `'${k}'`).join(', ')}: add ${extra.length === 1 ? 'it' : 'them'} to its header first`);
    const text = readFileSync(src.file, 'utf8');
    const cells = columns.map((c) => (row[c] === undefined || row[c] === null ? '' : typeof row[c] === 'string' ? row[c] : JSON.stringify(row[c])));
    appendFileSync(src.file, `${text && !text.endsWith('\n') ? '\n' : ''}${csvStringify([cells])}`);
  }
}

export async function evalAddCommand(argv: string[], io: EvalIO): Promise<number> {
  const positional = argv.filter((x) => !x.startsWith('--'));
  for (const f of argv.filter((x) => x.startsWith('--'))) if (f !== '--expect') throw new UsageError(`unknown option ${f} for 'orc eval add'`);
  if (positional.length !== 2) throw new UsageError("'orc eval add' takes an eval file and a run id: orc eval add NAME.eval.yaml RUN_ID");
  const [file, runId] = positional;
  const expect = argv.includes('--expect');
  const compiled = compileEval(file, { color: false }, io.err);
  if (!compiled) return 2;
  const spec = compiled.analysis.eval!;
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  let checkpoint;
  try {
    checkpoint = loadCheckpoint(root, runId, { journal: false });
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
  if (path.resolve(root, checkpoint.pipeline_file) !== spec.pipeline) throw new UsageError(`run ${runId} ran ${checkpoint.pipeline_file || 'a pipeline from standard input'}, not ${spec.pipelineWritten}, the eval's pipeline`);
  const row: Record<string, unknown> = { id: runId };
  for (const [k, v] of Object.entries(checkpoint.inputs)) if (v !== null && v !== undefined) row[k] = v;
  if (expect) {
    const resultFile = path.join(root, '.orchestrator', 'runs', runId, 'result.json');
    const doc = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as ResultDocument) : null;
    if (!doc || doc.status !== 'completed') throw new UsageError(`run ${runId} did not complete (${doc?.status ?? checkpoint.status}): it has no outputs to expect`);
    if (spec.cases.kind === 'inline') row.assert = Object.entries(doc.outputs).map(([output, equals]) => ({ output, equals }));
    else row.expected = doc.outputs;
  }
  if (spec.cases.kind === 'inline') {
    if (spec.cases.cases.some((c) => c.id === runId)) throw new UsageError(`the eval already has a case '${runId}'`);
    writeFileSync(path.resolve(file), appendInlineCase(compiled.text, row));
  } else appendToFile(spec, row);
  io.out(`added case '${runId}' to ${spec.cases.kind === 'inline' ? file : spec.cases.written}${expect ? ' with its outputs as expected values' : ''}`);
  return 0;
}
