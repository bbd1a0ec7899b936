// Model performance from the run records (`.orchestrator/runs/*/result.json` and the evals' packed case runs): per model, the calls
// its steps made, latency p50/p95, error rate, output tokens per second and cost per call. A step
// counts once for the model that answered it; a fallback chain's passed-over or failed models
// count as errors of theirs (`models_tried`).
import type { ResultDocument, StepResult } from './events';
import { readRunResult, runIds } from './runPacks';

export interface ModelStats {
  model: string;
  /** Steps it answered. */
  calls: number;
  /** Steps it failed (its own failure, or a chain passing it over). */
  errors: number;
  error_rate: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  /** Output tokens over the provider time of the steps it answered. */
  tokens_per_second: number | null;
  cost_per_call_usd: number | null;
  runs: number;
}

interface Acc {
  latencies: number[];
  tokensOut: number;
  latencySum: number;
  cost: number;
  calls: number;
  errors: number;
  runs: Set<string>;
}

/** The value at fraction `q` of sorted numbers (nearest rank). */
function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function visit(steps: Record<string, StepResult>, each: (r: StepResult) => void): void {
  for (const r of Object.values(steps)) {
    each(r);
    for (const it of r.iterations ?? []) visit(it.steps, each);
  }
}

/** Per model, from the result documents given (newest first or not: order does not matter). */
export function modelStats(docs: ResultDocument[]): ModelStats[] {
  const by = new Map<string, Acc>();
  const acc = (m: string): Acc => {
    let a = by.get(m);
    if (!a) by.set(m, (a = { latencies: [], tokensOut: 0, latencySum: 0, cost: 0, calls: 0, errors: 0, runs: new Set() }));
    return a;
  };
  for (const doc of docs) {
    visit(doc.steps ?? {}, (r) => {
      for (const t of r.models_tried ?? []) {
        if (t.outcome === 'answered') continue;
        const a = acc(t.model);
        a.errors++;
        a.runs.add(doc.execution_id);
      }
      if (!r.model) return;
      const a = acc(r.model);
      a.runs.add(doc.execution_id);
      if (r.status === 'failed' && !r.models_tried) {
        a.errors++;
        return;
      }
      if (r.status !== 'completed') return;
      a.calls++;
      a.cost += r.cost_usd ?? 0;
      if (typeof r.latency_ms === 'number') {
        a.latencies.push(r.latency_ms);
        a.latencySum += r.latency_ms;
        a.tokensOut += r.tokens_out ?? 0;
      }
    });
  }
  return [...by.entries()]
    .map(([model, a]) => {
      const sorted = [...a.latencies].sort((x, y) => x - y);
      const round = (n: number | null, d: number) => (n === null ? null : Math.round(n * 10 ** d) / 10 ** d);
      return {
        model,
        calls: a.calls,
        errors: a.errors,
        error_rate: round(a.calls + a.errors ? a.errors / (a.calls + a.errors) : 0, 4)!,
        latency_p50_ms: round(quantile(sorted, 0.5), 1),
        latency_p95_ms: round(quantile(sorted, 0.95), 1),
        tokens_per_second: round(a.latencySum > 0 ? a.tokensOut / (a.latencySum / 1000) : null, 1),
        cost_per_call_usd: round(a.calls ? a.cost / a.calls : null, 6),
        runs: a.runs.size,
      };
    })
    .sort((x, y) => x.model.localeCompare(y.model));
}

/** The result documents under `<root>/.orchestrator/runs`, the newest `limit` (unreadable ones skipped). */
export function readRunRecords(root: string, limit = 500): ResultDocument[] {
  const out: ResultDocument[] = [];
  // the run folders and the runs packed in evals' records, newest first
  for (const id of runIds(root).reverse()) {
    if (out.length >= limit) break;
    // an unreadable record (too big, not a regular file, not a result) is listed by `orc runs`; it adds nothing here
    const doc = readRunResult(root, id);
    if (typeof doc !== 'string') out.push(doc);
  }
  return out;
}

/** `p50 1.2 s · p95 3.4 s · 2.0 % errors · 41 tok/s · $0.0012/call (37 calls)` */
export function describeStats(s: ModelStats): string {
  const t = (ms: number | null) => (ms === null ? '–' : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
  return `p50 ${t(s.latency_p50_ms)} · p95 ${t(s.latency_p95_ms)} · ${(s.error_rate * 100).toFixed(1)} % errors · ${s.tokens_per_second === null ? '–' : Math.round(s.tokens_per_second)} tok/s · ${s.cost_per_call_usd === null ? '–' : `$${s.cost_per_call_usd.toFixed(4)}`}/call (${s.calls} call${s.calls === 1 ? '' : 's'}, ${s.errors} error${s.errors === 1 ? '' : 's'})`;
}
