// The summary `orc run` prints on stdout (without --json) when a run ends: what each step did, the
// outputs, the files the run wrote, tokens and cost, where the record is, and the exit status.
// Outputs and errors hold model text (live or from a cassette): its control sequences are removed.
import * as path from 'node:path';
import { chainStory, type ResultDocument, type Step, type StepResult } from '../api/index';
import { stripControls } from './terminalText';

const WRITING = new Set(['write', 'append', 'copy', 'move', 'write_file', 'append_file', 'copy_file', 'move_file']);

function actionsById(steps: Step[], into = new Map<string, Step>()): Map<string, Step> {
  for (const s of steps) {
    into.set(s.id, s);
    if (s.body) actionsById(s.body, into);
  }
  return into;
}

function writtenPath(step: Step | undefined, r: StepResult): string | undefined {
  if (!step || r.status !== 'completed' || !step.action) return undefined;
  const tool = step.tool ?? '';
  const action = step.action.includes('.') ? step.action : `${tool}.${step.action}`;
  const [t, a] = [action.slice(0, action.lastIndexOf('.')), action.slice(action.lastIndexOf('.') + 1)];
  if (t !== 'filesystem' || !WRITING.has(a)) return undefined;
  const res = r.result as Record<string, unknown> | null;
  if (!res || typeof res !== 'object') return undefined;
  for (const k of ['destination', 'to', 'dest', 'path']) if (typeof res[k] === 'string') return res[k] as string;
  return undefined;
}

function ms(n: number | null): string {
  if (n === null) return '';
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;
}

export function runSummary(doc: ResultDocument, steps: Step[], cwd: string, exitCode: number): string {
  const byId = actionsById(steps);
  const lines: string[] = [`${doc.pipeline_id}: ${doc.status} in ${ms(doc.duration_ms)}`, '', 'steps:'];
  const files: string[] = [];
  const addFile = (p: string | undefined) => {
    if (!p) return;
    const rel = path.relative(cwd, path.resolve(cwd, p)) || '.';
    if (!files.includes(rel)) files.push(rel);
  };
  const width = Math.max(...Object.keys(doc.steps).map((k) => k.length), 1);
  for (const [id, r] of Object.entries(doc.steps)) {
    const loop = r.iterations ? `, ${r.iterations.length} iteration${r.iterations.length === 1 ? '' : 's'}` : '';
    const dur = r.duration_ms === null ? '' : `  ${ms(r.duration_ms)}`;
    const status = r.status === 'completed' && r.success === false ? 'failed (reported)' : r.status;
    const chain = r.status === 'completed' && r.models_tried ? chainStory(r.models_tried) : '';
    lines.push(`  ${id.padEnd(width)}  ${status}${dur}${loop}${r.error ? `  — ${r.error}` : ''}${chain ? `  — ${chain}` : ''}`);
    addFile(writtenPath(byId.get(id), r));
    for (const it of r.iterations ?? []) for (const [bid, br] of Object.entries(it.steps)) addFile(writtenPath(byId.get(bid), br));
  }
  const outputs = Object.entries(doc.outputs);
  if (outputs.length) {
    lines.push('', 'outputs:');
    for (const [k, v] of outputs) lines.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  if (files.length) lines.push('', 'files written:', ...files.map((f) => `  ${f}`));
  if (doc.tokens_in || doc.tokens_out || doc.cost_usd) lines.push('', `tokens: ${doc.tokens_in} in, ${doc.tokens_out} out; cost: $${doc.cost_usd.toFixed(4)}`);
  lines.push('', `record: ${path.join('.orchestrator', 'runs', doc.execution_id)}${path.sep}`, `exit status: ${exitCode}`);
  return stripControls(lines.join('\n'));
}
