// Run From Here: which results of an earlier run a new run may reuse. A step is run again when it is
// the chosen step or depends on it (through dependencies, template references or jumps, however
// indirectly); every other step keeps its earlier result when that run completed it or skipped it
// by its own condition or a jump. Pure (no vscode), so unit tests pin the rule.
import { type Checkpoint, type Plan, type Step, type StepResult } from '../engine/api/index';

/** A step and the steps it jumps to (on_success, on_false, or an on_failure step). */
export interface Jump {
  from: string;
  to: string;
}

export function jumpsOf(steps: Step[]): Jump[] {
  const out: Jump[] = [];
  for (const s of steps) {
    if (s.onSuccess) out.push({ from: s.id, to: s.onSuccess });
    if (s.onFalse) out.push({ from: s.id, to: s.onFalse });
    if (s.onFailure.kind === 'jump') out.push({ from: s.id, to: s.onFailure.target });
  }
  return out;
}

/** The chosen step and everything downstream of it through the plan's edges and the jumps. */
export function downstreamOf(plan: Plan, stepId: string, jumps: Jump[] = []): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of [...plan.edges, ...jumps]) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const out = new Set<string>([stepId]);
  const stack = [stepId];
  while (stack.length) {
    for (const n of next.get(stack.pop()!) ?? []) {
      if (!out.has(n)) {
        out.add(n);
        stack.push(n);
      }
    }
  }
  return out;
}

function reusable(r: StepResult): boolean {
  return r.status === 'completed' || (r.status === 'skipped' && (r.skip_kind === 'condition' || r.skip_kind === 'jump'));
}

/** The results a run from `stepId` starts with, by checkpoint key (loop iterations included). */
export function reusedResults(previous: Checkpoint, plan: Plan, stepId: string, jumps: Jump[] = []): Record<string, StepResult> {
  const rerun = downstreamOf(plan, stepId, jumps);
  const out: Record<string, StepResult> = {};
  for (const [key, r] of Object.entries(previous.steps)) {
    // `loop[2]/body` belongs to its top-level loop step `loop`
    const top = key.split('/')[0].replace(/\[\d+\]$/, '');
    if (rerun.has(top)) continue;
    // an iteration's result is kept with its loop's
    const owner = key.includes('/') ? previous.steps[top] : r;
    if (owner && reusable(owner)) out[key] = r;
  }
  return out;
}

/** The checkpoint a Run From Here starts from: a new run id, the current source, the earlier inputs. */
export function fromHereCheckpoint(previous: Checkpoint, plan: Plan, jumps: Jump[], stepId: string, next: { executionId: string; sourceSha256: string; pipelineFile: string; now: Date }): Checkpoint {
  const iso = next.now.toISOString();
  return {
    ...previous,
    execution_id: next.executionId,
    pipeline_file: next.pipelineFile,
    pipeline_sha256: next.sourceSha256,
    status: 'cancelled',
    started_at: iso,
    updated_at: iso,
    pid: undefined,
    steps: reusedResults(previous, plan, stepId, jumps),
  };
}
