// A run becomes a case of an eval, for `orc eval add FILE RUN_ID [--expect]` and the Runs view's
// Add to Eval: the run's inputs appended to the eval's cases (the inline list, or the .jsonl /
// .json / .csv dataset), and with `expect` its outputs as the values the case expects (inline: an
// `equals` assertion per output; a dataset file: an `expected` column).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify as yamlStringify } from 'yaml';
import { stringify as csvStringify } from 'csv-stringify/sync';
import { loadCheckpoint } from '../run/checkpointStore';
import { readRunResult } from '../run/runPacks';
import { exactSpan, parseYaml } from '../parse/yamlDocument';
import { confinedDataset, firstRecordKeys } from './dataset';
import { analyzeEval, evalHasErrors } from './evalAnalysis';
import { withoutBom } from '../util/text';
import type { EvalSpec } from './evalFile';
import { frozenExpectation, frozenStep } from './freezeStep';

/** The run cannot be added (a message a person reads). */
export class EvalAddError extends Error {}

function appendInline(text: string, item: Record<string, unknown>): string {
  const parsed = parseYaml(text);
  const list = exactSpan(parsed, ['cases']);
  const first = exactSpan(parsed, ['cases', 0]);
  // a fresh eval's empty flow list (`cases: []`) becomes a block list holding the case
  if (list && !first && /^\[\s*\]$/.test(text.slice(list.start, list.end))) {
    const keyLine = text.lastIndexOf('\n', list.start - 1) + 1;
    const keyIndent = /^ */.exec(text.slice(keyLine))![0].length;
    const body = yamlStringify([item], { lineWidth: 0 }).trimEnd().split('\n').map((l) => ' '.repeat(keyIndent + 2) + l).join('\n');
    const eol = text.indexOf('\n', list.end);
    const rest = eol < 0 ? text.slice(list.end) : text.slice(list.end, eol);
    const comment = rest.trim();
    // a comment after `[]` stays on the `cases:` line
    return `${text.slice(0, list.start).trimEnd()}${comment ? ` ${comment}` : ''}\n${body}${eol < 0 ? '\n' : text.slice(eol)}`;
  }
  if (!list || !first || text[list.start] === '[') throw new EvalAddError("the eval's cases are a flow list ([...]): write them as a block list (one '- ' item a line) to add to them");
  const lineStart = text.lastIndexOf('\n', first.start - 1) + 1;
  const indent = /^ */.exec(text.slice(lineStart))![0].length;
  let end = list.end;
  while (end > list.start && /\s/.test(text[end - 1])) end--;
  const eol = text.indexOf('\n', end);
  const at = eol < 0 ? text.length : eol;
  const body = yamlStringify([item], { lineWidth: 0 }).trimEnd().split('\n').map((l) => ' '.repeat(indent) + l).join('\n');
  return `${text.slice(0, at)}\n${body}${text.slice(at)}${eol < 0 ? '\n' : ''}`;
}

function appendToDataset(spec: EvalSpec, row: Record<string, unknown>): void {
  const src = spec.cases;
  if (src.kind !== 'file') return;
  const text = existsSync(src.file) ? readFileSync(src.file, 'utf8') : '';
  const nl = text && !text.endsWith('\n') ? '\n' : '';
  if (src.format === 'jsonl') appendFileSync(src.file, `${nl}${JSON.stringify(row)}\n`);
  else if (src.format === 'json') {
    const doc = JSON.parse(text) as unknown[];
    doc.push(row);
    writeFileSync(src.file, JSON.stringify(doc, null, 2) + '\n');
  } else {
    const columns = firstRecordKeys(src.file, 'csv') ?? [];
    const extra = Object.keys(row).filter((k) => !columns.includes(k));
    if (extra.length) throw new EvalAddError(`${src.written} has no column ${extra.map((k) => `'${k}'`).join(', ')}: add ${extra.length === 1 ? 'it' : 'them'} to its header first`);
    const cells = columns.map((c) => (row[c] === undefined || row[c] === null ? '' : typeof row[c] === 'string' ? row[c] : JSON.stringify(row[c])));
    appendFileSync(src.file, `${nl}${csvStringify([cells])}`);
  }
}

/**
 * Appends run `runId` (in `root`'s `.orchestrator/runs/`) to the eval file's cases; returns where it went.
 * `expect`: true expects the run's own outputs; `{ outputs }` expects those values instead (a
 * reviewer's correction of a bad answer).
 */
export function addRunToEval(evalFile: string, root: string, runId: string, expect: boolean | { outputs: Record<string, unknown> }, step?: string): { caseId: string; written: string } {
  const text = withoutBom(readFileSync(evalFile, 'utf8'));
  const a = analyzeEval(text, evalFile);
  if (evalHasErrors(a)) throw new EvalAddError(`${path.basename(evalFile)} does not compile: fix its errors first`);
  const spec = a.eval!;
  const checkpoint = loadCheckpoint(root, runId, { journal: false });
  if (path.resolve(root, checkpoint.pipeline_file) !== spec.pipeline) throw new EvalAddError(`run ${runId} ran ${checkpoint.pipeline_file || 'a pipeline from standard input'}, not ${spec.pipelineWritten}, the eval's pipeline`);
  const row: Record<string, unknown> = { id: step ? `${runId}-${step}` : runId };
  // a run's `session` names a live conversation (an A2A or chat one): a case that kept it would add its
  // turns to that conversation every time the eval runs, so the case starts a conversation of its own
  const sessionParam = a.pipeline?.pipeline?.parameters.some((p) => p.name === 'session') ?? false;
  for (const [k, v] of Object.entries(checkpoint.inputs)) if (v !== null && v !== undefined && !(sessionParam && k === 'session')) row[k] = v;
  if (step) {
    // Freeze as Test: the step alone, on what it saw in the run (freezeStep.ts)
    if (spec.cases.kind === 'file' && spec.cases.format === 'csv') throw new EvalAddError(`a step case holds upstream values and mocks, which a CSV row cannot: add it to an inline list or a .jsonl file`);
    const read = readRunResult(root, runId);
    if (typeof read === 'string') throw new EvalAddError(`run ${runId} has no result to freeze (${read})`);
    const frozen = frozenStep(read, a.pipeline!, step);
    if (typeof frozen === 'string') throw new EvalAddError(frozen);
    // plain data (no shared objects): the YAML written has no anchors
    Object.assign(row, JSON.parse(JSON.stringify(frozen)) as Record<string, unknown>);
    if (expect) {
      const expected = frozenExpectation(read, step);
      if (spec.cases.kind === 'inline') row.assert = expected;
      else row.expected = { [step]: JSON.parse(JSON.stringify(read.steps[step].result ?? null)) as unknown };
    }
  } else if (typeof expect === 'object') {
    if (spec.cases.kind === 'inline') row.assert = Object.entries(expect.outputs).map(([output, equals]) => ({ output, equals }));
    else row.expected = expect.outputs;
  } else if (expect) {
    const read = readRunResult(root, runId);
    const doc = typeof read === 'string' ? null : read;
    if (!doc || doc.status !== 'completed') throw new EvalAddError(`run ${runId} did not complete (${doc?.status ?? checkpoint.status}): it has no outputs to expect`);
    if (spec.cases.kind === 'inline') row.assert = Object.entries(doc.outputs).map(([output, equals]) => ({ output, equals }));
    else row.expected = doc.outputs;
  }
  // the dataset a case is appended to is inside the workspace (links followed), never in .orchestrator/
  if (spec.cases.kind === 'file') {
    try {
      confinedDataset(spec.cases, root, 'modify');
    } catch (e) {
      throw new EvalAddError((e as Error).message);
    }
  }
  if (spec.cases.kind === 'inline') {
    if (spec.cases.cases.some((c) => c.id === row.id)) throw new EvalAddError(`the eval already has a case '${String(row.id)}'`);
    writeFileSync(evalFile, appendInline(text, row));
    return { caseId: String(row.id), written: evalFile };
  }
  appendToDataset(spec, row);
  return { caseId: String(row.id), written: spec.cases.file };
}
