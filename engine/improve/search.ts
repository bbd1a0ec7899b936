// The search of `orc improve`, apart from how a case runs or a model is asked (GEPA-like: reflective
// prompt evolution over a Pareto front). A candidate is a set of prompts, one per searched step.
//  - The seed (the prompts as written) runs on every train case.
//  - Each round draws a parent from the front (weighted by the train cases it is best on, seeded),
//    takes the next of its steps in turn, and a minibatch of its train cases (its failures first,
//    shuffled by the seed, at most MINIBATCH); the reflection sees the minibatch's failures and
//    proposes that step's new prompt. A proposal the checks refuse costs no case run.
//  - The child runs on the minibatch; only one that passes more of it than its parent did runs on
//    the rest of the train split and joins the pool.
//  - With more than one searched step, each child that joins is followed by a merge: the front
//    member that differs from it most, step by step (a step changed by only one of the two from the
//    seed comes from that one; changed by both, from the one that passes more of the cases the two
//    disagree on). A merge runs on a minibatch of those cases first and on the rest only when it
//    passes at least as many of them as the better of the two.
//  - The front: the fully run candidates that pass a train case no other passes more of (every
//    case's best), less those another passes a strict superset of the cases of.
// It stops at maxEvals case runs, when a case run or a reflection is refused by the budget, when a
// candidate passes every train case, when cancelled, or after MAX_FUTILE rounds in a row that
// produced no candidate worth running.
import { createHash } from 'node:crypto';

export const MINIBATCH = 3;
export const MAX_FEEDBACK = 8;
export const MAX_FUTILE = 6;

export type Prompts = Record<string, string>;

export type Stopped = 'max-evals' | 'budget' | 'all-train-passed' | 'cancelled' | 'no-failures' | 'no-candidates';

/** What a failed case shows the reflection: SPEC "Feedback and reflection". */
export interface CaseFeedback {
  case: string;
  inputs: Record<string, unknown>;
  /** Per searched step: what it received (its rendered prompt) and returned in this run. */
  steps: Record<string, { prompt: string | null; answer: unknown; status: string | null; error?: string | null }>;
  /** Each failed assertion: its message as the Test Explorer shows it, what it expected and what was there. */
  failures: { kind: string; target: string; description?: string; expected: unknown; actual: unknown; reason: string }[];
  /** Why the case could not be judged (its run could not start). */
  error?: string;
}

export interface CaseOutcome {
  pass: boolean;
  cost_usd: number;
  feedback: CaseFeedback | null;
}

export interface Reflection {
  prompt: string;
  rationale: string;
}

export interface SearchCandidate {
  id: string;
  parent: string | null;
  /** A merge's second parent. */
  merged_with?: string;
  kind: 'seed' | 'reflection' | 'merge';
  /** The step a reflection changed. */
  step?: string;
  rationale?: string;
  prompts: Prompts;
  /** Per train case run: passed or not. */
  results: Record<string, boolean>;
  /** Ran on every train case. */
  complete: boolean;
  cost_usd: number;
}

/** Thrown by `evaluate` or `reflect` when the budget cannot hold the call: the search stops. */
export class SearchBudgetSpent extends Error {}

export interface SearchOptions {
  steps: string[];
  seed: Prompts;
  train: string[];
  rngSeed: number;
  maxEvals: number | null;
  parallel: number;
  signal: AbortSignal;
  /** Runs one case with these prompts; null: cancelled. Throws SearchBudgetSpent when the budget refuses it. */
  evaluate(prompts: Prompts, caseId: string): Promise<CaseOutcome | null>;
  /** Asks the reflection model for a new prompt of `step`; throws SearchBudgetSpent when the budget refuses it. */
  reflect(step: string, current: string, failures: CaseFeedback[], prompts: Prompts): Promise<Reflection>;
  /** Why a proposed prompt is refused before any case runs (null: accepted). */
  check(step: string, proposed: unknown, current: Prompts): string | null;
  /** Rounds in a row without a candidate that beats its parent before the search stops (default MAX_FUTILE). */
  patience?: number;
  /** Case runs to keep back for after the search (the chosen candidate's validation run). */
  reserveEvals?: number;
  onCandidate?(c: SearchCandidate, evals: number): void;
  onRefused?(step: string, reason: string): void;
  onFront?(front: SearchCandidate[]): void;
  onCaseRun?(candidate: string, caseId: string, outcome: CaseOutcome, phase: 'minibatch' | 'train'): void;
}

export interface SearchOutcome {
  candidates: SearchCandidate[];
  front: SearchCandidate[];
  chosen: SearchCandidate;
  seed: SearchCandidate;
  evals: number;
  refused: number;
  stopped: Stopped;
}

/** A seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(xs: T[], next: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Which side of the split a case falls on: a seeded hash of its id under `share`. */
export function isValidationCase(caseId: string, seed: number, share: number): boolean {
  const h = createHash('sha256').update(`${seed}\0${caseId}`).digest();
  return h.readUInt32BE(0) / 4294967296 < share;
}

export const promptsKey = (p: Prompts): string => JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]));

const passedOf = (c: SearchCandidate, cases: string[]) => cases.filter((x) => c.results[x]).length;

/** The front over the train cases (file head); the seed when nothing passes anything. */
export function frontOf(pool: SearchCandidate[], train: string[]): SearchCandidate[] {
  const full = pool.filter((c) => c.complete);
  const best = full.filter((c) => train.some((x) => c.results[x]));
  const undominated = best.filter((c) => {
    const mine = train.filter((x) => c.results[x]);
    return !best.some((o) => {
      if (o === c) return false;
      const theirs = train.filter((x) => o.results[x]);
      const superset = mine.every((x) => o.results[x]);
      // a strict superset, or the same cases passed by an earlier candidate
      return superset && (theirs.length > mine.length || full.indexOf(o) < full.indexOf(c));
    });
  });
  return undominated.length ? undominated : full.slice(0, 1);
}

/** How many train cases each front member passes that no other front member does, plus one (the draw's weight). */
function weights(front: SearchCandidate[], train: string[]): number[] {
  return front.map((c) => 1 + train.filter((x) => c.results[x] && front.filter((o) => o.results[x]).length === 1).length);
}

/** The best on train (ties: the earliest). */
export function bestOf(pool: SearchCandidate[], train: string[]): SearchCandidate {
  const full = pool.filter((c) => c.complete);
  return full.reduce((b, c) => (passedOf(c, train) > passedOf(b, train) ? c : b), full[0]);
}

class Stop extends Error {
  constructor(readonly why: Stopped) {
    super(why);
  }
}

export async function searchPrompts(o: SearchOptions): Promise<SearchOutcome> {
  const next = rng(o.rngSeed);
  const pool: SearchCandidate[] = [];
  const tried = new Set<string>();
  let evals = 0;
  let refused = 0;
  let made = 0;
  const newId = () => `c${made++}`;
  /** Per candidate and case: the feedback of its failure. */
  const feedback = new Map<string, Map<string, CaseFeedback>>();
  const limit = o.maxEvals === null ? Infinity : o.maxEvals - (o.reserveEvals ?? 0);

  /** Runs the cases on the candidate, `parallel` at once, each launch counted; stops at the limit. */
  const run = async (c: SearchCandidate, cases: string[], phase: 'minibatch' | 'train'): Promise<void> => {
    const queue = cases.filter((x) => !(x in c.results));
    let stop: Stop | null = null;
    let failure: unknown = null;
    const outcomes = new Map<string, CaseOutcome>();
    await new Promise<void>((resolve) => {
      let inFlight = 0;
      const pump = () => {
        while (!stop && failure === null && queue.length && inFlight < o.parallel) {
          if (o.signal.aborted) {
            stop = new Stop('cancelled');
            break;
          }
          if (evals >= limit) {
            stop = new Stop('max-evals');
            break;
          }
          const x = queue.shift()!;
          evals++;
          inFlight++;
          o.evaluate(c.prompts, x).then(
            (r) => {
              inFlight--;
              if (r === null) stop ??= new Stop('cancelled');
              else outcomes.set(x, r);
              pump();
            },
            (e: unknown) => {
              inFlight--;
              // refused by the budget: no case ran, none is counted
              if (e instanceof SearchBudgetSpent) {
                stop ??= new Stop('budget');
                evals--;
              }
              else failure ??= e;
              pump();
            },
          );
        }
        if (!inFlight) resolve();
      };
      pump();
    });
    // in the cases' order, whatever order they finished in (a replay's record is the same)
    for (const x of cases) {
      const r = outcomes.get(x);
      if (!r) continue;
      c.results[x] = r.pass;
      c.cost_usd = Math.round((c.cost_usd + r.cost_usd) * 1e9) / 1e9;
      if (!r.pass && r.feedback) {
        if (!feedback.has(c.id)) feedback.set(c.id, new Map());
        feedback.get(c.id)!.set(x, r.feedback);
      }
      o.onCaseRun?.(c.id, x, r, phase);
    }
    if (failure !== null) throw failure;
    if (stop) throw stop;
  };

  const complete = (c: SearchCandidate) => {
    c.complete = o.train.every((x) => x in c.results);
  };

  const seed: SearchCandidate = { id: newId(), parent: null, kind: 'seed', prompts: { ...o.seed }, results: {}, complete: false, cost_usd: 0 };
  tried.add(promptsKey(seed.prompts));
  pool.push(seed);
  let stopped: Stopped = 'no-candidates';
  const front = () => frontOf(pool, o.train);
  const finishWith = (c: SearchCandidate) => {
    complete(c);
    o.onCandidate?.(c, evals);
  };
  try {
    try {
      await run(seed, o.train, 'train');
    } finally {
      finishWith(seed);
    }
    if (!seed.complete) throw new Stop('max-evals');
    o.onFront?.(front());
    if (passedOf(seed, o.train) === o.train.length) throw new Stop('no-failures');
    const turn = new Map<string, number>();
    let futile = 0;
    for (;;) {
      if (o.signal.aborted) throw new Stop('cancelled');
      if (futile >= (o.patience ?? MAX_FUTILE)) throw new Stop('no-candidates');
      const f = front();
      // the parent: drawn from the front by its weight
      const w = weights(f, o.train);
      let r = next() * w.reduce((s, x) => s + x, 0);
      let parent = f[f.length - 1];
      for (let i = 0; i < f.length; i++) {
        r -= w[i];
        if (r < 0) {
          parent = f[i];
          break;
        }
      }
      const failed = o.train.filter((x) => !parent.results[x]);
      if (!failed.length) throw new Stop('all-train-passed');
      const k = turn.get(parent.id) ?? 0;
      turn.set(parent.id, k + 1);
      const step = o.steps[k % o.steps.length];
      const passed = o.train.filter((x) => parent.results[x]);
      const minibatch = [...shuffled(failed, next), ...shuffled(passed, next)].slice(0, MINIBATCH);
      const shown = minibatch.filter((x) => !parent.results[x]).map((x) => feedback.get(parent.id)?.get(x)).filter((x): x is CaseFeedback => !!x).slice(0, MAX_FEEDBACK);
      if (evals + minibatch.length > limit) throw new Stop('max-evals');
      let answer: Reflection;
      try {
        answer = await o.reflect(step, parent.prompts[step], shown, parent.prompts);
      } catch (e) {
        if (e instanceof SearchBudgetSpent) throw new Stop('budget');
        if (o.signal.aborted) throw new Stop('cancelled');
        refused++;
        futile++;
        o.onRefused?.(step, `the reflection failed: ${(e as Error).message}`);
        continue;
      }
      const why = o.check(step, answer?.prompt, parent.prompts);
      const prompts = { ...parent.prompts, [step]: typeof answer?.prompt === 'string' ? answer.prompt : '' };
      const reason = why ?? (tried.has(promptsKey(prompts)) ? (answer.prompt === parent.prompts[step] ? 'the prompt is unchanged' : 'these prompts were tried already') : null);
      if (reason) {
        refused++;
        futile++;
        o.onRefused?.(step, reason);
        continue;
      }
      tried.add(promptsKey(prompts));
      const child: SearchCandidate = { id: newId(), parent: parent.id, kind: 'reflection', step, rationale: typeof answer.rationale === 'string' ? answer.rationale : '', prompts, results: {}, complete: false, cost_usd: 0 };
      pool.push(child);
      let better = false;
      try {
        await run(child, minibatch, 'minibatch');
        better = passedOf(child, minibatch) > passedOf(parent, minibatch);
        if (better) await run(child, o.train, 'train');
      } finally {
        finishWith(child);
      }
      if (!better) {
        futile++;
        continue;
      }
      futile = 0;
      o.onFront?.(front());
      if (passedOf(child, o.train) === o.train.length) throw new Stop('all-train-passed');
      if (o.steps.length > 1) {
        const merged = await mergeWith(child);
        if (merged && passedOf(merged, o.train) === o.train.length) throw new Stop('all-train-passed');
      }
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    stopped = e.why;
  }

  /** The merge of `a` with the front member that differs from it most (file head), run as the head says; null when there is none to make. */
  async function mergeWith(a: SearchCandidate): Promise<SearchCandidate | null> {
    const others = front().filter((b) => b !== a && b.complete && o.steps.some((s) => b.prompts[s] !== a.prompts[s]));
    if (!others.length) return null;
    const differ = (b: SearchCandidate) => o.steps.filter((s) => b.prompts[s] !== a.prompts[s]).length;
    const b = others.reduce((x, y) => (differ(y) > differ(x) ? y : x), others[0]);
    const disagree = o.train.filter((x) => a.results[x] !== b.results[x]);
    const aWins = disagree.filter((x) => a.results[x]).length;
    const bWins = disagree.length - aWins;
    const prompts: Prompts = {};
    for (const s of o.steps) {
      const aChanged = a.prompts[s] !== seed.prompts[s];
      const bChanged = b.prompts[s] !== seed.prompts[s];
      prompts[s] = aChanged && !bChanged ? a.prompts[s] : bChanged && !aChanged ? b.prompts[s] : bWins > aWins ? b.prompts[s] : a.prompts[s];
    }
    const key = promptsKey(prompts);
    if (tried.has(key)) return null;
    tried.add(key);
    const mb = [...shuffled(disagree, next), ...shuffled(o.train.filter((x) => !disagree.includes(x)), next)].slice(0, MINIBATCH);
    if (evals + mb.length > limit) throw new Stop('max-evals');
    const m: SearchCandidate = { id: newId(), parent: a.id, merged_with: b.id, kind: 'merge', prompts, results: {}, complete: false, cost_usd: 0 };
    pool.push(m);
    let good = false;
    try {
      await run(m, mb, 'minibatch');
      good = passedOf(m, mb) >= Math.max(passedOf(a, mb), passedOf(b, mb));
      if (good) await run(m, o.train, 'train');
    } finally {
      finishWith(m);
    }
    if (good) o.onFront?.(front());
    return good ? m : null;
  }

  const f = front();
  return { candidates: pool, front: f, chosen: bestOf(pool, o.train) ?? seed, seed, evals, refused, stopped };
}
