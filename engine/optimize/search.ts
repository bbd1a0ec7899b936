// The search for the cheapest per-step model assignment that keeps an eval passing, apart from how a
// case is run: an oracle answers "run this case with these models" and the search decides which
// runs decide something. Steps: the dearest assignment first (every step on its dearest model); then
// each step alone on its models cheapest-first with the others held dear (the first that keeps the
// pass rate ends that step's screening); then the combination of each step's cheapest keeper,
// verified on every case; when it fails, the next-cheapest combinations by estimated cost. An
// assignment stops as soon as it cannot reach the pass rate even if every remaining case passed, and
// the cases that failed elsewhere run first, so a loser is usually dropped after a run or two.
// No (assignment, case) is asked twice; results known before the search (an earlier optimization) are free.
import { wilson, type Interval } from '../eval/stats';

export type Assignment = Record<string, string>;

export interface Outcome {
  pass: boolean;
  cost_usd: number;
  latency_ms: number;
}

export type Oracle = (assignment: Assignment, caseId: string, signal: AbortSignal) => Promise<Outcome>;

export type Objective = 'cost' | 'latency';

export interface SearchOptions {
  /** Runs one case with one assignment. */
  oracle: Oracle;
  /** Steps in pipeline order, each with its candidate models cheapest-first (the last is the dearest). */
  steps: { id: string; models: string[] }[];
  cases: string[];
  /** 0..1: an assignment is kept when at least ceil(minPassRate × cases) cases pass. */
  minPassRate: number;
  objective?: Objective;
  /** At most this many oracle calls (known results are free); unset: no cap. */
  budgetRuns?: number;
  /** Oracle calls at once within one assignment. */
  parallel?: number;
  /** Results already known, by runKey. */
  known?: Map<string, Outcome>;
  signal?: AbortSignal;
  /** Each oracle answer (or known result used), as it comes. */
  onRun?(run: RunEvent): void;
  /** An assignment's figures each time one of its cases finishes. */
  onTrial?(trial: Trial): void;
  /** The phase the search is in. */
  onPhase?(phase: Phase, detail: string): void;
}

export type Phase = 'dearest' | 'screen' | 'verify' | 'fallback';

export interface RunEvent {
  assignment: Assignment;
  caseId: string;
  outcome: Outcome;
  /** Known before this search (an earlier optimization): no call made. */
  reused: boolean;
}

export interface Trial {
  assignment: Assignment;
  /** Cases run (all of them when `complete`). */
  runs: number;
  passed: number;
  pass_rate: number;
  interval: Interval;
  /** Mean per case. */
  cost_usd: number;
  /** p50 per case. */
  latency_ms: number;
  /** Every case ran. */
  complete: boolean;
  /** Cannot reach the pass rate any more (dropped before its last case, or complete and under it). */
  eliminated: boolean;
  /** Complete and at or over the pass rate. */
  meets: boolean;
}

export interface SearchResult {
  trials: Trial[];
  /** Non-dominated complete trials (higher pass rate, lower objective), cheapest first. */
  frontier: Trial[];
  chosen: Trial | null;
  /** Oracle calls made by this search. */
  runs_used: number;
  /** Results taken from `known`. */
  runs_reused: number;
  brute_force_runs: number;
  /** Why the search ended early, if it did. */
  stopped: 'budget' | 'cancelled' | null;
}

/** The key of one run of one case with one assignment: the assignment in step order. */
export function runKey(a: Assignment, caseId: string): string {
  return JSON.stringify([Object.keys(a).sort().map((k) => [k, a[k]]), caseId]);
}

export function assignmentKey(a: Assignment): string {
  return JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]]));
}

/** How many cases must pass out of `n` for `rate`. */
export function neededPasses(rate: number, n: number): number {
  return Math.max(0, Math.ceil(rate * n - 1e-9));
}

/** Every assignment × every case. */
export function bruteForceRuns(steps: { models: string[] }[], cases: number): number {
  return steps.reduce((p, s) => p * s.models.length, 1) * cases;
}

/** The median of a list (0 for none). */
export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The trials no other complete trial beats on both pass rate and the objective (ties: the first kept), cheapest first. */
export function frontierOf(trials: Trial[], objective: Objective = 'cost'): Trial[] {
  const val = (t: Trial) => (objective === 'cost' ? t.cost_usd : t.latency_ms);
  const complete = trials.filter((t) => t.complete);
  const dominated = (t: Trial) => complete.some((o) => o !== t && o.pass_rate >= t.pass_rate && val(o) <= val(t) && (o.pass_rate > t.pass_rate || val(o) < val(t)));
  const out: Trial[] = [];
  for (const t of complete.filter((x) => !dominated(x)).sort((a, b) => val(a) - val(b) || b.pass_rate - a.pass_rate)) {
    if (!out.some((o) => o.pass_rate === t.pass_rate && val(o) === val(t))) out.push(t);
  }
  return out;
}

class BudgetSpent extends Error {}

class Tracker {
  readonly outcomes = new Map<string, Map<string, Outcome>>();
  readonly assignments = new Map<string, Assignment>();
  readonly eliminated = new Set<string>();
  readonly failures = new Map<string, number>();
  runsUsed = 0;
  runsReused = 0;

  constructor(private readonly o: SearchOptions, private readonly needed: number) {}

  record(a: Assignment, caseId: string, out: Outcome): void {
    const k = assignmentKey(a);
    if (!this.outcomes.has(k)) {
      this.outcomes.set(k, new Map());
      this.assignments.set(k, a);
    }
    this.outcomes.get(k)!.set(caseId, out);
    if (!out.pass) this.failures.set(caseId, (this.failures.get(caseId) ?? 0) + 1);
  }

  trial(a: Assignment): Trial {
    const k = assignmentKey(a);
    const runs = [...(this.outcomes.get(k)?.values() ?? [])];
    const passed = runs.filter((r) => r.pass).length;
    const n = this.o.cases.length;
    const complete = runs.length === n;
    const cannot = passed + (n - runs.length) < this.needed;
    return {
      assignment: a,
      runs: runs.length,
      passed,
      pass_rate: runs.length ? passed / runs.length : 0,
      interval: wilson(passed, runs.length),
      cost_usd: runs.length ? Math.round((runs.reduce((s, r) => s + r.cost_usd, 0) / runs.length) * 1e9) / 1e9 : 0,
      latency_ms: median(runs.map((r) => r.latency_ms)),
      complete,
      eliminated: cannot || this.eliminated.has(k),
      meets: complete && passed >= this.needed,
    };
  }

  trials(): Trial[] {
    return [...this.assignments.values()].map((a) => this.trial(a));
  }
}

/** Searches the assignments; see the file's head. */
export async function searchAssignments(o: SearchOptions): Promise<SearchResult> {
  const objective = o.objective ?? 'cost';
  const n = o.cases.length;
  const needed = neededPasses(o.minPassRate, n);
  const signal = o.signal ?? new AbortController().signal;
  const t = new Tracker(o, needed);
  const parallel = Math.max(1, o.parallel ?? 1);
  const val = (x: Trial) => (objective === 'cost' ? x.cost_usd : x.latency_ms);
  let stopped: SearchResult['stopped'] = null;

  /** Runs `a` on every case (hardest-known first) until it meets the rate or cannot any more. */
  const evaluate = async (a: Assignment): Promise<Trial> => {
    const k = assignmentKey(a);
    const done = () => t.outcomes.get(k) ?? new Map<string, Outcome>();
    const hopeless = () => {
      const d = done();
      const passed = [...d.values()].filter((r) => r.pass).length;
      return passed + (n - d.size) < needed;
    };
    // known results first (free), then the cases that failed most elsewhere
    const order = o.cases.map((c, i) => ({ c, i, f: t.failures.get(c) ?? 0 })).sort((x, y) => y.f - x.f || x.i - y.i).map((x) => x.c);
    const queue: string[] = [];
    for (const c of order) {
      if (done().has(c)) continue;
      const known = o.known?.get(runKey(a, c));
      if (known) {
        t.record(a, c, known);
        t.runsReused++;
        o.onRun?.({ assignment: a, caseId: c, outcome: known, reused: true });
      } else queue.push(c);
    }
    if (queue.length === 0 || hopeless()) {
      if (hopeless()) t.eliminated.add(k);
      const tr = t.trial(a);
      o.onTrial?.(tr);
      return tr;
    }
    let budgetHit = false;
    // runs at once ramp up with the passes (1, 2, 3 ... up to `parallel`): a loser usually fails
    // its first (hardest) case, and the runs started beside it would be spent for nothing
    await new Promise<void>((resolve, reject) => {
      let inFlight = 0;
      let failed = false;
      const pump = () => {
        if (failed) return;
        const passed = [...done().values()].filter((r) => r.pass).length;
        const limit = Math.min(parallel, 1 + passed);
        while (queue.length && inFlight < limit && !hopeless() && !signal.aborted) {
          if (o.budgetRuns !== undefined && t.runsUsed >= o.budgetRuns) {
            budgetHit = true;
            break;
          }
          const c = queue.shift()!;
          t.runsUsed++;
          inFlight++;
          o.oracle(a, c, signal).then(
            (out) => {
              inFlight--;
              if (!signal.aborted) {
                t.record(a, c, out);
                o.onRun?.({ assignment: a, caseId: c, outcome: out, reused: false });
                o.onTrial?.(t.trial(a));
              }
              pump();
            },
            (e: unknown) => {
              failed = true;
              reject(e);
            },
          );
        }
        if (!inFlight) resolve();
      };
      pump();
    });
    if (hopeless()) t.eliminated.add(k);
    if (signal.aborted) throw new Cancelled();
    if (budgetHit) throw new BudgetSpent();
    return t.trial(a);
  };

  const steps = o.steps;
  const dearest: Assignment = Object.fromEntries(steps.map((s) => [s.id, s.models[s.models.length - 1]]));
  /** Per step, per model: the change to the objective's per-case figure against the dearest (measured, or unknown). */
  const delta = new Map<string, Map<string, number>>();
  /** Per step: the models that kept the pass rate with the others dear (index into its list). */
  const keeper = new Map<string, number>();
  try {
    o.onPhase?.('dearest', assignmentKey(dearest));
    const base = await evaluate(dearest);
    for (const s of steps) {
      delta.set(s.id, new Map([[s.models[s.models.length - 1], 0]]));
      keeper.set(s.id, s.models.length - 1);
    }
    if (base.meets) {
      for (const s of steps) {
        o.onPhase?.('screen', s.id);
        for (let i = 0; i < s.models.length - 1; i++) {
          const a = { ...dearest, [s.id]: s.models[i] };
          const tr = await evaluate(a);
          if (tr.runs) delta.get(s.id)!.set(s.models[i], val(tr) - val(base));
          if (tr.meets) {
            keeper.set(s.id, i);
            break;
          }
        }
      }
      // the combinations each step's keeper or a dearer model, cheapest estimate first
      const candidates = combinations(steps, keeper, delta).sort((x, y) => x.estimate - y.estimate);
      let first = true;
      for (const c of candidates) {
        const k = assignmentKey(c.assignment);
        if (t.eliminated.has(k)) continue;
        const known = t.trial(c.assignment);
        if (known.meets) break;
        o.onPhase?.(first ? 'verify' : 'fallback', k);
        first = false;
        const tr = await evaluate(c.assignment);
        if (tr.meets) break;
      }
    }
  } catch (e) {
    if (e instanceof BudgetSpent) stopped = 'budget';
    else if (e instanceof Cancelled) stopped = 'cancelled';
    else throw e;
  }
  const trials = t.trials();
  const meeting = trials.filter((x) => x.meets).sort((x, y) => val(x) - val(y) || y.pass_rate - x.pass_rate);
  return { trials, frontier: frontierOf(trials, objective), chosen: meeting[0] ?? null, runs_used: t.runsUsed, runs_reused: t.runsReused, brute_force_runs: bruteForceRuns(steps, n), stopped };
}

class Cancelled extends Error {}

const MAX_COMBINATIONS = 20_000;

/** Every assignment whose step models are the step's keeper or dearer, with its estimated figure: the dearest's plus each step's measured change (interpolated by position when not measured). */
function combinations(steps: SearchOptions['steps'], keeper: Map<string, number>, delta: Map<string, Map<string, number>>): { assignment: Assignment; estimate: number }[] {
  const est = (s: SearchOptions['steps'][number], i: number): number => {
    const d = delta.get(s.id)!;
    const m = s.models[i];
    if (d.has(m)) return d.get(m)!;
    // between the nearest measured models around it (the dearest is always measured, at 0)
    let lo = i - 1;
    while (lo >= 0 && !d.has(s.models[lo])) lo--;
    let hi = i + 1;
    while (hi < s.models.length && !d.has(s.models[hi])) hi++;
    const dhi = d.get(s.models[hi])!;
    if (lo < 0) return dhi;
    const dlo = d.get(s.models[lo])!;
    return dlo + ((dhi - dlo) * (i - lo)) / (hi - lo);
  };
  // bounded: past MAX_COMBINATIONS, each step goes at most two models above its keeper (and the dearest is always one)
  const wide = steps.reduce((p, s) => p * (s.models.length - keeper.get(s.id)!), 1) > MAX_COMBINATIONS;
  const options = (s: SearchOptions['steps'][number]) => {
    const from = keeper.get(s.id)!;
    const all = Array.from({ length: s.models.length - from }, (_, j) => from + j);
    return wide ? [...new Set([...all.slice(0, 3), s.models.length - 1])] : all;
  };
  let out: { assignment: Assignment; estimate: number }[] = [{ assignment: {}, estimate: 0 }];
  for (const s of steps) {
    const next: typeof out = [];
    for (const partial of out) for (const i of options(s)) next.push({ assignment: { ...partial.assignment, [s.id]: s.models[i] }, estimate: partial.estimate + est(s, i) });
    out = next;
  }
  return out;
}
