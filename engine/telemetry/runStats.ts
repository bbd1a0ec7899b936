// Figures over the local run records (`.orchestrator/runs/*/result.json` and the evals' packed case runs): per pipeline its success
// rate, p50/p95 duration, cost and tokens, by day and per top-level step; and across them the
// slowest, most expensive and flakiest steps. What `orc stats` prints. Pure: no SDK, no vscode.
import type { ResultDocument, StepResult } from '../run/events';
import { readRunResult, runIds } from '../run/runPacks';
/** How many steps each ranking lists. */
export const TOP = 5;

export interface Distribution {
  p50: number | null;
  p95: number | null;
}

export interface StepStats {
  step: string;
  /** Runs in which the step ran (completed or failed). */
  runs: number;
  succeeded: number;
  failed: number;
  success_rate: number | null;
  retries: number;
  duration_ms: Distribution;
  cost_usd: number;
  tokens_in: number;
  tokens_out: number;
}

export interface DayStats {
  /** UTC date, YYYY-MM-DD. */
  day: string;
  runs: number;
  completed: number;
  cost_usd: number;
  tokens_in: number;
  tokens_out: number;
}

export interface PipelineStats {
  pipeline_id: string;
  runs: number;
  completed: number;
  failed: number;
  cancelled: number;
  success_rate: number | null;
  duration_ms: Distribution;
  cost_usd: number;
  tokens_in: number;
  tokens_out: number;
  days: DayStats[];
  steps: StepStats[];
}

export interface RankedStep {
  pipeline_id: string;
  step: string;
  value: number;
}

export interface RunStats {
  since: string | null;
  runs: number;
  /** Records that could not be read (or were too big), left out. */
  unreadable: number;
  pipelines: PipelineStats[];
  slowest: RankedStep[];
  most_expensive: RankedStep[];
  /** Retries plus failed runs of the step. */
  flakiest: RankedStep[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const distribution = (values: number[]): Distribution => {
  const s = [...values].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95) };
};
const money = (x: number) => Math.round(x * 1e6) / 1e6;
const rate = (n: number, of: number) => (of ? Math.round((n / of) * 1000) / 1000 : null);

/** `7d`, `12h`, `30m`, `2w` as milliseconds; null when it is not one. */
export function parseSince(s: string): number | null {
  const m = /^(\d+)\s*([mhdw])$/.exec(s.trim());
  if (!m) return null;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

/** What the figures read of a result document: its steps' results, outputs and definitions are left behind, so many large records are not held at once. */
function figuresOf(doc: ResultDocument): ResultDocument {
  const steps: Record<string, StepResult> = {};
  for (const [id, r] of Object.entries(doc.steps)) steps[id] = { status: r.status, success: r.success, duration_ms: r.duration_ms, retries: r.retries, cost_usd: r.cost_usd, tokens_in: r.tokens_in, tokens_out: r.tokens_out } as StepResult;
  const { pipeline_id, started_at, status, duration_ms, cost_usd, tokens_in, tokens_out } = doc;
  return { pipeline_id, started_at, status, duration_ms, cost_usd, tokens_in, tokens_out, steps } as ResultDocument;
}

/** The finished runs' result documents under `cwd` (their figures), oldest first, and how many could not be read. */
export function readResults(cwd: string): { docs: ResultDocument[]; unreadable: number } {
  const docs: ResultDocument[] = [];
  let unreadable = 0;
  // the run folders and the runs packed in evals' records
  for (const id of runIds(cwd)) {
    // a regular file of a bounded size (a huge loop's record, or a link to a device, is counted unreadable)
    const doc = readRunResult(cwd, id);
    if (doc === 'missing') continue; // still running, or it died: `orc runs` lists it
    if (doc === 'unreadable' || typeof doc.pipeline_id !== 'string' || typeof doc.started_at !== 'string') unreadable++;
    else docs.push(figuresOf(doc));
  }
  docs.sort((a, b) => (a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : 0));
  return { docs, unreadable };
}

function stepStats(docs: ResultDocument[]): StepStats[] {
  const byStep = new Map<string, { durations: number[]; s: StepStats }>();
  for (const doc of docs) {
    for (const [step, r] of Object.entries(doc.steps)) {
      let e = byStep.get(step);
      if (!e) byStep.set(step, (e = { durations: [], s: { step, runs: 0, succeeded: 0, failed: 0, success_rate: null, retries: 0, duration_ms: { p50: null, p95: null }, cost_usd: 0, tokens_in: 0, tokens_out: 0 } }));
      const s = e.s;
      s.retries += r.retries ?? 0;
      s.cost_usd += r.cost_usd ?? 0;
      s.tokens_in += r.tokens_in ?? 0;
      s.tokens_out += r.tokens_out ?? 0;
      if (r.status !== 'completed' && r.status !== 'failed') continue;
      s.runs++;
      if (r.status === 'failed' || r.success === false) s.failed++;
      else s.succeeded++;
      if (typeof r.duration_ms === 'number') e.durations.push(r.duration_ms);
    }
  }
  return [...byStep.values()].map(({ durations, s }) => ({ ...s, success_rate: rate(s.succeeded, s.runs), duration_ms: distribution(durations), cost_usd: money(s.cost_usd) }));
}

function dayStats(docs: ResultDocument[]): DayStats[] {
  const days = new Map<string, DayStats>();
  for (const d of docs) {
    const day = d.started_at.slice(0, 10);
    let s = days.get(day);
    if (!s) days.set(day, (s = { day, runs: 0, completed: 0, cost_usd: 0, tokens_in: 0, tokens_out: 0 }));
    s.runs++;
    if (d.status === 'completed') s.completed++;
    s.cost_usd = money(s.cost_usd + (d.cost_usd ?? 0));
    s.tokens_in += d.tokens_in ?? 0;
    s.tokens_out += d.tokens_out ?? 0;
  }
  return [...days.values()];
}

function pipelineStats(id: string, docs: ResultDocument[]): PipelineStats {
  const count = (st: string) => docs.filter((d) => d.status === st).length;
  const completed = count('completed');
  return {
    pipeline_id: id,
    runs: docs.length,
    completed,
    failed: count('failed'),
    cancelled: count('cancelled'),
    success_rate: rate(completed, docs.length),
    duration_ms: distribution(docs.map((d) => d.duration_ms)),
    cost_usd: money(docs.reduce((n, d) => n + (d.cost_usd ?? 0), 0)),
    tokens_in: docs.reduce((n, d) => n + (d.tokens_in ?? 0), 0),
    tokens_out: docs.reduce((n, d) => n + (d.tokens_out ?? 0), 0),
    days: dayStats(docs),
    steps: stepStats(docs),
  };
}

function top(pipelines: PipelineStats[], value: (s: StepStats) => number | null): RankedStep[] {
  const all: RankedStep[] = [];
  for (const p of pipelines) for (const s of p.steps) {
    const v = value(s);
    if (v !== null && v > 0) all.push({ pipeline_id: p.pipeline_id, step: s.step, value: v });
  }
  return all.sort((a, b) => b.value - a.value || a.pipeline_id.localeCompare(b.pipeline_id) || a.step.localeCompare(b.step)).slice(0, TOP);
}

/** The figures of the runs under `cwd` (of one pipeline when `pipelineId` is given), started at or after `since`. */
export function runStats(cwd: string, o: { pipelineId?: string; since?: Date } = {}): RunStats {
  const { docs, unreadable } = readResults(cwd);
  const chosen = docs.filter((d) => (!o.pipelineId || d.pipeline_id === o.pipelineId) && (!o.since || Date.parse(d.started_at) >= o.since.getTime()));
  const byPipeline = new Map<string, ResultDocument[]>();
  for (const d of chosen) byPipeline.set(d.pipeline_id, [...(byPipeline.get(d.pipeline_id) ?? []), d]);
  const pipelines = [...byPipeline.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, ds]) => pipelineStats(id, ds));
  return {
    since: o.since ? o.since.toISOString() : null,
    runs: chosen.length,
    unreadable,
    pipelines,
    slowest: top(pipelines, (s) => s.duration_ms.p95),
    most_expensive: top(pipelines, (s) => s.cost_usd),
    flakiest: top(pipelines, (s) => s.retries + s.failed),
  };
}
