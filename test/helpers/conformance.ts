// The run contract's cases (cases.json beside the pipelines) and the files a run leaves: shared by
// the local contract tests and the distributed ones, which must give the same results.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFORMANCE } from './cli';

export interface ConformanceCase {
  example: string;
  variant: string;
  inputs: Record<string, unknown>;
  exit_code: number;
  artifacts: Record<string, string>;
  outputs: Record<string, unknown>;
  completed: string[];
  skipped: string[];
  failed: string[];
  reported_failure: string[];
  levels: string[][];
  step_fields?: Record<string, Record<string, unknown>>;
}

export function conformanceCases(): ConformanceCase[] {
  return JSON.parse(fs.readFileSync(path.join(CONFORMANCE, 'cases.json'), 'utf8')).cases;
}

/** Every file under dir, relative, except the run's own state folder. */
export function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (r === '.orchestrator') continue;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else out.push(r);
  }
  return out.sort();
}

/** `orc run` arguments for a case: its pipeline, --json, and its inputs as -i (JSON unless a string). */
export function caseArgs(c: ConformanceCase, extra: string[] = []): string[] {
  const args = ['run', path.join(CONFORMANCE, c.example), '--json', ...extra];
  for (const [k, v] of Object.entries(c.inputs)) args.push('-i', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return args;
}

type Doc = { outputs: unknown; execution_levels: unknown; steps: Record<string, Record<string, unknown> & { status: string; success: boolean | null }>; failed_steps: string[]; skipped_steps: string[]; success: boolean; status: string };

/** The run left exactly the case's files and its result document says what the case says. */
export function assertCaseOutcome(c: ConformanceCase, dir: string, doc: Doc): void {
  assert.deepEqual(filesUnder(dir), Object.keys(c.artifacts).sort());
  for (const [file, content] of Object.entries(c.artifacts)) assert.equal(fs.readFileSync(path.join(dir, file), 'utf8'), content, file);
  assert.deepEqual(doc.outputs, c.outputs);
  assert.deepEqual(doc.execution_levels, c.levels);
  const with_ = (pred: (s: { status: string; success: boolean | null }) => boolean) => Object.entries(doc.steps).filter(([, s]) => pred(s)).map(([id]) => id).sort();
  assert.deepEqual(with_((s) => s.status === 'completed' && s.success === true), [...c.completed].sort(), 'completed');
  assert.deepEqual(with_((s) => s.status === 'skipped'), [...c.skipped].sort(), 'skipped');
  assert.deepEqual(with_((s) => s.status === 'failed'), [...c.failed].sort(), 'failed');
  assert.deepEqual(with_((s) => s.status === 'completed' && s.success === false), [...c.reported_failure].sort(), 'reported failure');
  assert.deepEqual([...doc.failed_steps].sort(), [...c.failed].sort());
  assert.deepEqual([...doc.skipped_steps].sort(), [...c.skipped].sort());
  assert.equal(doc.success, c.exit_code === 0);
  assert.equal(doc.status, c.exit_code === 0 ? 'completed' : 'failed');
  for (const [step, fields] of Object.entries(c.step_fields ?? {})) {
    for (const [k, v] of Object.entries(fields)) assert.deepEqual(doc.steps[step][k], v, `${step}.${k}`);
  }
}
