// `orc plan FILE [--json]`: dependency levels, execution order and critical path.
import { type Analysis, DEFAULT_MAX_PARALLEL, findRunsRoot, predictionHistory, predict, type Prediction, type Range, registryOrShipped, resolveInputs, worstCase, type WorstCase } from '../api/index';
import { compileOrReport } from './compile';
import { paint, type Style } from './findingFormat';

export interface PlanDocument {
  pipeline_id: string;
  steps: number;
  execution_levels: string[][];
  execution_order: string[];
  critical_path: string[];
  edges: { from: string; to: string; kind: string }[];
  loops: Record<string, { execution_levels: string[][]; critical_path: string[] }>;
  /** Predicted duration and cost, from earlier runs in .orchestrator/runs/ and the model registry. */
  prediction: Prediction;
  /** The most its model calls can cost (a pipeline with model steps): each step's and the run's; null where unbounded. */
  worst_case?: WorstCase;
}

/** The prediction `orc plan` prints: earlier runs of this pipeline in the nearest .orchestrator/, parameters at their defaults. */
export function predictionFor(a: Analysis, cwd: string, maxParallel?: number): Prediction {
  const pipeline = a.pipeline!;
  let inputs: Record<string, unknown> = {};
  try {
    inputs = resolveInputs(pipeline.parameters, {});
  } catch {
    // a required parameter without a default: prompts render without it
  }
  const root = findRunsRoot(cwd);
  return predict(pipeline, a.plan!, {
    maxParallel: maxParallel ?? pipeline.context.maxParallel ?? DEFAULT_MAX_PARALLEL,
    inputs,
    registry: registryOrShipped(process.env.ORC_MODEL_REGISTRY || undefined),
    history: root ? predictionHistory(root, pipeline.id) : [],
  });
}

export function planDocument(a: Analysis, cwd = process.cwd()): PlanDocument {
  const plan = a.plan!;
  return {
    pipeline_id: a.pipeline!.id,
    steps: plan.steps.length,
    execution_levels: plan.levels,
    execution_order: plan.executionOrder,
    critical_path: plan.criticalPath,
    edges: plan.edges.map((e) => ({ from: e.from, to: e.to, kind: e.kind })),
    loops: Object.fromEntries(Object.entries(a.bodyPlans).map(([id, p]) => [id, { execution_levels: p.levels, critical_path: p.criticalPath }])),
    prediction: predictionFor(a, cwd),
    ...worstCaseOf(a),
  };
}

function worstCaseOf(a: Analysis): { worst_case?: WorstCase } {
  const w = worstCase(a.pipeline!);
  return w.steps.length ? { worst_case: w } : {};
}

export function planCommand(file: string, json: boolean, style: Style, out: (s: string) => void, err: (s: string) => void): number {
  const a = compileOrReport(file, style, err);
  if (!a) return 2;
  const doc = planDocument(a);
  if (json) {
    out(JSON.stringify(doc, null, 2));
    return 0;
  }
  out(`${paint(style, 'bold', `Plan of ${doc.pipeline_id}`)}: ${doc.steps} step${doc.steps === 1 ? '' : 's'} in ${doc.execution_levels.length} level${doc.execution_levels.length === 1 ? '' : 's'}`);
  doc.execution_levels.forEach((level, i) => out(`  level ${i + 1}: ${level.join(', ')}${level.length > 1 ? paint(style, 'dim', '  (in parallel)') : ''}`));
  out(`critical path: ${doc.critical_path.join(' → ')} (${doc.critical_path.length} step${doc.critical_path.length === 1 ? '' : 's'})`);
  for (const [id, loop] of Object.entries(doc.loops)) out(`loop ${id}: ${loop.execution_levels.map((l) => l.join(', ')).join(' | ')}`);
  printPrediction(doc.prediction, style, out);
  if (doc.worst_case) printWorstCase(doc.worst_case, a.pipeline!.budget?.maxCostUsd ?? null, style, out);
  return 0;
}

const secs = (x: number) => `${(x / 1000).toFixed(2)} s`;
const usd = (x: number) => (x === 0 ? '$0' : `$${x.toFixed(x < 0.01 ? 6 : 4)}`);
const span = (r: Range, f: (x: number) => string) => (f(r.low) === f(r.high) ? f(r.expected) : `${f(r.expected)} (${f(r.low)}–${f(r.high)})`);

/** Each model step's worst case (its calls at their max_tokens, attempts, repairs, loop bounds) and the run's, beside its budget. */
function printWorstCase(w: WorstCase, budget: number | null, style: Style, out: (s: string) => void): void {
  out('');
  out(paint(style, 'bold', `Worst case (every call at its max_tokens, attempts, repairs and loop bounds; registry prices)${budget !== null ? `, budget ${usd(budget)}` : ''}:`));
  for (const s of w.steps) out(`  ${s.label}: ${s.calls === null ? 'unbounded' : `${s.calls} call${s.calls === 1 ? '' : 's'}, ${s.tokens} tokens, ${usd(s.usd!)}`}${s.note ? paint(style, 'dim', ` (${s.note})`) : ''}`);
  out(`  run: ${w.usd === null ? 'unbounded' : `${w.tokens} tokens, ${usd(w.usd)}`}${budget !== null && (w.usd === null || w.usd > budget) ? ' — over its budget' : ''}`);
}

function printPrediction(p: Prediction, style: Style, out: (s: string) => void): void {
  const samples = Math.max(0, ...p.steps.map((s) => s.samples));
  if (p.steps.every((s) => s.source === 'unknown')) {
    out(paint(style, 'dim', 'predicted duration and cost: nothing known yet (no earlier runs of these steps, no model step the registry prices); run it once and plan again'));
    return;
  }
  out('');
  out(paint(style, 'bold', `Predicted (max_parallel ${p.max_parallel}${samples ? `; from up to ${samples} earlier run${samples === 1 ? '' : 's'} of the same steps` : '; no earlier runs of these steps'}):`));
  const rows = p.steps.map((s) => [
    s.step,
    s.source === 'history' ? `history (${s.samples})` : s.source === 'registry' ? `registry: ${s.model}` : 'unknown',
    s.duration_ms ? span(s.duration_ms, secs) : 'unknown',
    s.cost_usd ? span(s.cost_usd, usd) : 'unknown',
    s.tokens_in_estimate !== undefined ? `~${s.tokens_in_estimate} tokens in, ${s.tokens_out_estimate} out` : '',
  ]);
  const head = ['STEP', 'FROM', 'DURATION', 'COST', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  out(paint(style, 'bold', `  ${head.map((h, i) => h.padEnd(widths[i])).join('  ')}`.trimEnd()));
  for (const r of rows) out(`  ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd());
  const known = p.unknown.length < p.steps.length;
  out(`  makespan ${known ? span(p.makespan_ms, secs) : 'unknown'}, cost ${span(p.cost_usd, usd)}${known ? `; critical path by time: ${p.critical_path.join(' → ')}` : ''}`);
  if (p.unknown.length) out(paint(style, 'dim', `  duration unknown until they have run (counted as 0): ${p.unknown.join(', ')}`));
}
