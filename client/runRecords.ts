// Recorded runs, pure (no vscode): a run's record replayed as the run events the graph panel already
// draws from, and two runs compared step by step (status, duration, cost, and whether the result
// changed, with both results for a side-by-side diff).
import { type ResultDocument, type RunEvent, type StepResult } from '../engine/api/index';

/** The events that draw a recorded run: its start, each step's end (in the order they ended), its end. */
export function eventsOfRecord(doc: ResultDocument): RunEvent[] {
  const t0 = Date.parse(doc.started_at) || 0;
  const ended = Object.entries(doc.steps)
    .map(([step, result]) => ({ step, result, at: Date.parse(result.ended_at ?? '') || Date.parse(doc.ended_at) || t0 }))
    .sort((a, b) => a.at - b.at);
  return [
    { type: 'run-started', time: t0, executionId: doc.execution_id, pipelineId: doc.pipeline_id, steps: doc.execution_order, levels: doc.execution_levels, resumed: Boolean(doc.resumed_at) },
    ...ended.map((e): RunEvent => ({ type: 'step-ended', time: e.at, stepId: e.step, scope: [], result: e.result })),
    { type: 'run-ended', time: Date.parse(doc.ended_at) || t0, result: doc },
  ];
}

export interface ComparedSide {
  status: string;
  duration_ms: number | null;
  cost_usd: number;
  result: unknown;
}

export interface ComparedStep {
  step: string;
  a: ComparedSide | null;
  b: ComparedSide | null;
  /** In both runs, with different results (or different statuses). */
  changed: boolean;
}

const side = (r: StepResult | undefined): ComparedSide | null => (r ? { status: r.status === 'completed' && r.success === false ? 'reported failure' : r.status, duration_ms: r.duration_ms, cost_usd: r.cost_usd, result: r.vars ?? r.result } : null);

/** Stable JSON: objects with sorted keys, so equal results compare equal whatever their key order. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]])) : x));
}

/** Two runs side by side per step: A's steps in its order, then the steps only B has. */
export function compareRuns(a: ResultDocument, b: ResultDocument): ComparedStep[] {
  const order = [...a.execution_order.filter((s) => s in a.steps), ...Object.keys(a.steps).filter((s) => !a.execution_order.includes(s))];
  for (const s of [...b.execution_order, ...Object.keys(b.steps)]) if (s in b.steps && !order.includes(s)) order.push(s);
  return order.map((step) => {
    const x = side(a.steps[step]);
    const y = side(b.steps[step]);
    return { step, a: x, b: y, changed: Boolean(x && y && (x.status !== y.status || canonical(x.result) !== canonical(y.result))) };
  });
}
