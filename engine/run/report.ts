// The bottleneck report of a finished run (`orc report`): the critical path as it actually ran, each
// step's share of the makespan, time waiting for a slot or a rate limit against time running,
// retries and what they cost, how much of the parallelism was used, each agent step turn by turn
// (engine/run/agentReport.ts), and suggestions that follow from those figures. Pure: it reads a
// result document, the top-level dependencies (when the pipeline file is still the one that ran)
// and earlier runs of the same pipeline.
import type { Plan } from '../spec/types';
import type { ResultDocument, StepResult } from './events';
import { workingMs } from './pauseClock';
import { agentReports, agentSuggestions, type AgentReport } from './agentReport';
import { guardReport, guardSuggestions, type GuardReport } from './guardReport';

/** A plan's top-level dependencies by step, and its widest level. */
export function planShape(plan: Plan): { deps: Map<string, string[]>; widest: number } {
  const deps = new Map<string, string[]>();
  for (const e of plan.edges) deps.set(e.to, [...(deps.get(e.to) ?? []), e.from]);
  return { deps, widest: Math.max(1, ...plan.levels.map((l) => l.length)) };
}

export interface PathStep {
  step: string;
  /** From when it could start (its last dependency ended, or the run started) to its end. */
  span_ms: number;
  share: number;
}

export interface StepFigures {
  step: string;
  status: string;
  duration_ms: number | null;
  /** duration / makespan */
  share: number;
  queued_ms: number;
  rate_limit_wait_ms: number;
  running_ms: number;
  attempts: number;
  retries: number;
  retry_ms: number;
  cost_usd: number;
  on_critical_path: boolean;
  /** Earlier and this run of the same pipeline: in how many this step was on the critical path. */
  critical_in_runs?: { runs: number; of: number };
}

export interface RunReport {
  execution_id: string;
  pipeline_id: string;
  status: string;
  makespan_ms: number;
  /** How the path was found: the pipeline's dependencies, or (the file changed since) timing alone. */
  basis: 'dependencies' | 'timing';
  /** Time a debugger held the run (breakpoints, tool calls, stops after failures): left out of the
   * makespan, the critical path's spans and the running times, as if the run had not been held. */
  debugger_held_ms: number;
  critical_path: PathStep[];
  steps: StepFigures[];
  parallelism: {
    max_parallel: number;
    /** The most top-level steps in progress at once (a loop counts as one while its iterations run). */
    peak: number;
    /** Steps holding a slot, on average over the makespan. */
    average: number;
    /** Of the slots the pipeline could have used (max_parallel, or fewer when no level is that wide), the share left idle. */
    idle_share: number;
  };
  retries: { steps: number; attempts_failed: number; retry_ms: number };
  suggestions: string[];
  /** Each top-level step that ran, in milliseconds from the run's start: the Gantt chart. */
  timeline: TimelineBar[];
  /** Each agent step (loops' iterations too), turn by turn: models, latencies, tokens, cost, tool calls, how it stopped. */
  agents: AgentReport[];
  /** Each guard's checks and trips (loops' iterations too), and where each budget stood at the end (guardReport.ts). */
  guards: GuardReport;
}

export interface TimelineBar {
  step: string;
  status: string;
  start_ms: number;
  end_ms: number;
  /** The first part of the bar that was waiting for a slot. */
  queued_ms: number;
  critical: boolean;
}

const ms = (iso: string | null): number | null => (iso ? Date.parse(iso) : null);
const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;
const secs = (x: number): string => `${(x / 1000).toFixed(1)} s`;
const pct = (x: number): string => `${Math.round(x * 100)}%`;

/**
 * The run laid out as it would have run without a debugger: each step's start and end (ms), less the
 * time a debugger held it before it started (`held_ms`) or while it ran (`paused_ms`), and less what
 * the steps it waited for were held (deps, or by timing the steps that ended before it started).
 * Without holds these are the times as the run went.
 */
function unheldTimes(doc: ResultDocument, deps: Map<string, string[]> | null, ran: string[]): Map<string, { start: number; end: number }> {
  const runStart = ms(doc.started_at) ?? 0;
  const wall = (id: string) => ({ start: ms(doc.steps[id].started_at)!, end: ms(doc.steps[id].ended_at)! });
  /** When what waited for a step could go on: its end, or the end of a hold after it failed. */
  const released = (id: string) => wall(id).end + (doc.steps[id].held_after_ms ?? 0);
  const out = new Map<string, { start: number; end: number }>();
  const busy = new Set<string>();
  const times = (id: string): { start: number; end: number } => {
    const known = out.get(id);
    if (known) return known;
    const w = wall(id);
    const r = doc.steps[id];
    if (busy.has(id)) return w; // two steps of no length at the same millisecond: as they ran
    busy.add(id);
    // by timing, what it waited for ended before it was ready (before the debugger held it)
    const ready = w.start - (r.held_ms ?? 0);
    const before = (deps ? (deps.get(id) ?? []).filter((d) => ran.includes(d)) : ran.filter((d) => d !== id && wall(d).end <= ready + 1)).filter((d) => !busy.has(d));
    const gate = Math.max(runStart, ...before.map(released));
    const unheldGate = Math.max(runStart, ...before.map((d) => times(d).end));
    const start = Math.min(w.start, unheldGate + Math.max(0, w.start - gate - (r.held_ms ?? 0)));
    const t = { start, end: Math.max(start, w.end - (r.paused_ms ?? 0) - (w.start - start)) };
    busy.delete(id);
    out.set(id, t);
    return t;
  };
  for (const id of ran) times(id);
  return out;
}

/** The steps that ran, their times without the debugger's holds, and the makespan without them. */
function layout(doc: ResultDocument, deps: Map<string, string[]> | null) {
  const ran = Object.keys(doc.steps).filter((id) => doc.steps[id].started_at && doc.steps[id].ended_at);
  const t = unheldTimes(doc, deps, ran);
  const duration = doc.duration_ms ?? 0;
  if (!ran.length) return { ran, t, makespan: duration - (doc.paused_ms ?? 0) };
  // the run's end moves as much as its last step's end did
  const wallEnd = Math.max(...ran.map((id) => ms(doc.steps[id].ended_at)!));
  const unheldEnd = Math.max(...ran.map((id) => t.get(id)!.end));
  // a hold after the last step failed kept the run from ending
  const heldAtEnd = Math.max(0, ...ran.map((id) => ms(doc.steps[id].ended_at)! + (doc.steps[id].held_after_ms ?? 0) - wallEnd));
  return { ran, t, makespan: duration - (wallEnd - unheldEnd) - heldAtEnd };
}

/** The critical path of a run: from the step that ended last, back through the dependency (or,
 * by timing, the step) whose end let it start. Times as without the debugger's holds. */
export function criticalPath(doc: ResultDocument, deps: Map<string, string[]> | null): PathStep[] {
  const runStart = ms(doc.started_at) ?? 0;
  const { ran, t, makespan: m } = layout(doc, deps);
  if (!ran.length) return [];
  const ended = (id: string) => t.get(id)!.end;
  // of steps that ended at the same millisecond, the one that started last (it waited for the others)
  let last = ran.reduce((a, b) => (ended(b) > ended(a) || (ended(b) === ended(a) && t.get(b)!.start > t.get(a)!.start) ? b : a));
  const path: string[] = [last];
  const seen = new Set(path);
  for (;;) {
    const start = t.get(last)!.start;
    // the blocker ended before this step started (a millisecond's slack for clock rounding)
    const candidates = (deps ? (deps.get(last) ?? []).filter((d) => t.has(d)) : ran).filter((d) => !seen.has(d) && ended(d) <= start + 1);
    if (!candidates.length) break;
    last = candidates.reduce((a, b) => (ended(b) > ended(a) ? b : a));
    path.push(last);
    seen.add(last);
  }
  path.reverse();
  const makespan = Math.max(1, m);
  return path.map((id, i) => {
    const from = i === 0 ? runStart : ended(path[i - 1]);
    const span = Math.max(0, ended(id) - from);
    return { step: id, span_ms: span, share: round(span / makespan) };
  });
}

/** Top-level steps in progress over time: [first attempt's start, end] of each (a loop from its start to its end). */
function busyIntervals(doc: ResultDocument): [number, number][] {
  const out: [number, number][] = [];
  for (const r of Object.values(doc.steps)) {
    const s = ms(r.started_at);
    const e = ms(r.ended_at);
    if (s === null || e === null) continue;
    out.push([Math.min(e, s + (r.queued_ms ?? 0)), e]);
  }
  return out;
}

function concurrency(intervals: [number, number][], makespan: number): { peak: number; average: number } {
  const points = intervals.flatMap(([s, e]) => [[s, 1] as const, [e, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of points) {
    now += d;
    peak = Math.max(peak, now);
  }
  const busy = intervals.reduce((t, [s, e]) => t + (e - s), 0);
  return { peak, average: round(busy / Math.max(1, makespan), 2) };
}

export interface ReportInputs {
  doc: ResultDocument;
  /** Top-level dependencies by step (plan edges); null when the pipeline file changed since the run. */
  deps: Map<string, string[]> | null;
  maxParallel: number;
  /** The widest execution level: more slots than that cannot be used. */
  widestLevel: number;
  /** Other finished runs of the same pipeline, for how often each step is on the critical path. */
  history?: ResultDocument[];
}

export function buildReport(i: ReportInputs): RunReport {
  const { doc, deps, maxParallel } = i;
  const unheld = layout(doc, deps).makespan;
  const makespan = Math.max(1, unheld);
  const path = criticalPath(doc, deps);
  const onPath = new Set(path.map((p) => p.step));
  const runs = [doc, ...(i.history ?? []).filter((h) => h.execution_id !== doc.execution_id)];
  const pathsByRun = runs.length > 1 ? runs.map((r) => new Set(criticalPath(r, deps).map((p) => p.step))) : null;

  const steps: StepFigures[] = Object.entries(doc.steps).map(([id, r]: [string, StepResult]) => {
    const queued = r.queued_ms ?? 0;
    const limiter = r.limiter_wait_ms ?? 0;
    const f: StepFigures = {
      step: id,
      status: r.status === 'completed' && r.success === false ? 'reported failure' : r.status,
      duration_ms: r.duration_ms,
      share: round((workingMs(r) ?? 0) / makespan),
      queued_ms: queued,
      rate_limit_wait_ms: limiter,
      running_ms: Math.max(0, (workingMs(r) ?? 0) - queued - limiter - (r.retry_ms ?? 0)),
      attempts: r.attempts,
      retries: r.retries,
      retry_ms: r.retry_ms ?? 0,
      cost_usd: r.cost_usd,
      on_critical_path: onPath.has(id),
    };
    if (pathsByRun) f.critical_in_runs = { runs: pathsByRun.filter((p) => p.has(id)).length, of: runs.length };
    return f;
  });

  const { peak, average } = concurrency(busyIntervals(doc), makespan);
  const usable = Math.max(1, Math.min(maxParallel, i.widestLevel));
  const retried = steps.filter((s) => s.retries > 0);

  const suggestions: string[] = [];
  for (const p of path) {
    const s = steps.find((x) => x.step === p.step)!;
    if (s.queued_ms >= Math.max(100, 0.05 * makespan)) suggestions.push(`'${s.step}' is on the critical path and waited ${secs(s.queued_ms)} for a free slot: raise max_parallel (now ${maxParallel}) or give its tool more concurrency.`);
  }
  // the bottleneck: a step on the path that spends half the makespan running (not waiting)
  const runningShare = (id: string) => steps.find((x) => x.step === id)!.running_ms / makespan;
  const top = path.reduce<PathStep | null>((a, b) => (!a || runningShare(b.step) > runningShare(a.step) ? b : a), null);
  // (in a run of a second or less there is nothing worth speeding up)
  if (top && runningShare(top.step) >= 0.5 && path.length > 1 && makespan >= 1000) suggestions.push(`'${top.step}' runs for ${pct(runningShare(top.step))} of the makespan on the critical path: it is the bottleneck. Make it faster, split it, or cache it (cache: true) if its inputs repeat.`);
  for (const s of retried) suggestions.push(`'${s.step}' needed ${s.attempts} attempts; failed attempts and backoff took ${secs(s.retry_ms)}${s.on_critical_path ? ', on the critical path' : ''}.`);
  for (const s of steps) if (s.rate_limit_wait_ms >= Math.max(100, 0.05 * makespan)) suggestions.push(`'${s.step}' waited ${secs(s.rate_limit_wait_ms)} for its provider's rate limit: a higher limit or another model would shorten it.`);
  if (pathsByRun) {
    for (const s of steps) {
      const c = s.critical_in_runs!;
      if (c.of >= 3 && c.runs / c.of >= 0.8) suggestions.push(`'${s.step}' was on the critical path in ${c.runs} of ${c.of} runs: speeding it up shortens most runs.`);
    }
  }
  if (peak >= maxParallel && steps.some((s) => s.queued_ms > 0) && maxParallel < i.widestLevel) suggestions.push(`All ${maxParallel} slots were busy at the peak while up to ${i.widestLevel} steps could run at once: a higher max_parallel would use that width.`);
  const agents = agentReports(doc);
  suggestions.push(...agentSuggestions(agents));
  const guards = guardReport(doc);
  suggestions.push(...guardSuggestions(guards));

  return {
    execution_id: doc.execution_id,
    pipeline_id: doc.pipeline_id,
    status: doc.status,
    makespan_ms: unheld,
    debugger_held_ms: doc.paused_ms ?? 0,
    basis: deps ? 'dependencies' : 'timing',
    critical_path: path,
    steps,
    parallelism: { max_parallel: maxParallel, peak, average, idle_share: round(Math.max(0, 1 - average / usable), 2) },
    retries: { steps: retried.length, attempts_failed: retried.reduce((t, s) => t + s.retries, 0), retry_ms: retried.reduce((t, s) => t + s.retry_ms, 0) },
    suggestions,
    timeline: Object.entries(doc.steps)
      .filter(([, r]) => r.started_at && r.ended_at)
      .map(([id, r]) => ({ step: id, status: r.status === 'completed' && r.success === false ? 'reported failure' : r.status, start_ms: ms(r.started_at)! - (ms(doc.started_at) ?? 0), end_ms: ms(r.ended_at)! - (ms(doc.started_at) ?? 0), queued_ms: r.queued_ms ?? 0, critical: onPath.has(id) }))
      .sort((a, b) => a.start_ms - b.start_ms || a.end_ms - b.end_ms),
    agents,
    guards,
  };
}
