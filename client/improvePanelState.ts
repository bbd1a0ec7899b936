// What the Improve Prompts panel shows, folded from `improvePrompts()`'s events as they come (or made
// from a finished search's result, a record reopened from the Runs view): the candidates evaluated
// on train (each a point: pass rate, interval, cost, the steps it changed), the front, the chosen
// one, the search's counts, train and validation before → after. No vscode:
// test/client/improvePanelState.test.ts.
import { createHash } from 'node:crypto';
import { type ImproveCandidate, type ImproveEvent, type ImproveResult, type TextEdit, wilson } from '../engine/api/index';
import type { ImprovePointView, ImproveSplitView, ImproveViewMessage } from '../media/improveProtocol';

/** A candidate as the panel knows it: what the scatter draws and the prompts its diff shows. */
type Known = Pick<ImproveCandidate, 'id' | 'parent' | 'steps' | 'train_pass_rate' | 'cost_usd'> & Partial<Pick<ImproveCandidate, 'train_passed' | 'train_cases'>>;

/** The hash `improvePrompts()` gives the pipeline's text (its result's pipelineHash), compared before Apply. */
export function sameHash(text: string, recorded: string): boolean {
  const hex = createHash('sha256').update(text).digest('hex');
  const bare = recorded.replace(/^sha256:/, '');
  return bare === hex || (bare.length >= 12 && bare.length < hex.length && hex.startsWith(bare));
}

/** The text with the edits applied (offsets in the text before any edit). */
export function withEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(x === 1 || x === 0 ? 0 : 1)} %`;

/** The notification's line: `evals 24 · calls 31 · $0.0123 · best train 75 %`. */
export function progressLine(m: ImproveViewMessage): string {
  const best = m.points.reduce<number | null>((b, p) => (b === null || p.train_pass_rate > b ? p.train_pass_rate : b), null);
  return [`evals ${m.evals}${m.maxEvals !== null ? ` of ${m.maxEvals}` : ''}`, `calls ${m.calls}`, `$${m.cost_usd.toFixed(4)}`, best === null ? null : `best train ${pct(best)}`].filter(Boolean).join(' · ');
}

export class ImproveProgress {
  private readonly known = new Map<string, Known>();
  private front = new Set<string>();
  /** The prompts as the pipeline had them when the search started (the result's `before`, else the seed candidate's). */
  private before: Record<string, string> | null = null;
  /** The search's own choice, once it has ended. */
  private chosenId: string | null = null;
  private msg: ImproveViewMessage;

  constructor(evalFile: string, pipelineFile: string, replay: boolean) {
    this.msg = { type: 'improve', improveId: null, evalFile, pipelineFile, status: 'starting', stopped: '', replay, steps: [], trainCases: 0, validationCases: 0, maxEvals: null, evals: 0, calls: 0, cost_usd: 0, refused: 0, points: [], chosen: null, train: null, validation: null, applied: null, applyProblem: null };
  }

  /** A finished search's result as the panel shows it (a record reopened: its front is what it kept). */
  static fromResult(r: ImproveResult, evalFile: string, pipelineFile: string, replay = false, candidates: ImproveCandidate[] = [], maxEvals: number | null = null): ImproveProgress {
    const p = new ImproveProgress(evalFile, pipelineFile, replay);
    p.msg.improveId = r.improveId;
    p.msg.steps = Object.keys(r.steps);
    p.msg.trainCases = r.train.cases;
    p.msg.validationCases = r.validation.cases;
    p.msg.maxEvals = maxEvals;
    for (const c of candidates) p.known.set(c.id, c);
    p.finish(r);
    return p;
  }

  event(e: ImproveEvent): void {
    const m = this.msg;
    if (e.kind === 'start') Object.assign(m, { status: 'running', improveId: e.improveId, steps: e.steps, trainCases: e.train, validationCases: e.validation, maxEvals: e.maxEvals });
    else if (e.kind === 'candidate') {
      this.known.set(e.candidate.id, e.candidate);
      if (e.candidate.parent === null && !this.before) this.before = { ...e.candidate.steps };
      Object.assign(m, { evals: e.evals, calls: e.calls, cost_usd: e.cost_usd });
    } else if (e.kind === 'refused') m.refused++;
    else if (e.kind === 'front') {
      for (const c of e.front) this.known.set(c.id, c);
      this.front = new Set(e.front.map((c) => c.id));
    } else this.finish(e.result);
    this.recompute();
  }

  /** The search ended: its own front, choice, counts and before → after. */
  finish(r: ImproveResult): void {
    for (const f of r.front) this.known.set(f.id, { ...this.known.get(f.id), ...f, parent: this.known.get(f.id)?.parent ?? null });
    this.front = new Set(r.front.map((f) => f.id));
    this.before = Object.fromEntries(Object.entries(r.steps).map(([s, p]) => [s, p.before]));
    const split = (s: ImproveResult['train'] | ImproveResult['validation']): ImproveSplitView => ({ cases: s.cases, before: s.before, after: s.after, before_interval: s.before_interval, after_interval: s.after_interval });
    Object.assign(this.msg, {
      status: r.stopped === 'cancelled' ? 'cancelled' : 'done',
      improveId: r.improveId,
      stopped: r.stopped,
      evals: r.evals,
      calls: r.calls,
      cost_usd: r.cost_usd,
      refused: r.refused ?? this.msg.refused,
      chosen: r.chosen,
      train: split(r.train),
      validation: split(r.validation),
    });
    this.chosenId = r.chosen;
    this.recompute();
  }

  /** Cancelled before the search gave its result: the candidates so far stay. */
  cancelled(): void {
    Object.assign(this.msg, { status: 'cancelled', stopped: 'cancelled' });
  }

  fail(reason: string): void {
    Object.assign(this.msg, { status: 'failed', stopped: reason });
  }

  applied(steps: string[] | null, problem: string | null): void {
    Object.assign(this.msg, { applied: steps, applyProblem: problem });
  }

  /** A candidate's prompts (every searched step's), for its diff and Apply. */
  prompts(id: string): Record<string, string> | null {
    return this.known.get(id)?.steps ?? null;
  }

  /** The candidate's prompts that differ from the pipeline's as the search found it. */
  changedPrompts(id: string): Record<string, string> | null {
    const steps = this.prompts(id);
    if (!steps) return null;
    return Object.fromEntries(Object.entries(steps).filter(([s, p]) => this.before?.[s] !== p));
  }

  chosen(): string | null {
    return this.msg.chosen;
  }

  message(): ImproveViewMessage {
    return { ...this.msg, points: this.msg.points.map((p) => ({ ...p, changed: [...p.changed] })) };
  }

  private recompute(): void {
    const all = [...this.known.values()];
    this.msg.points = all.map((c): ImprovePointView => {
      const cases = c.train_cases ?? this.msg.trainCases;
      const passed = c.train_passed ?? Math.round(c.train_pass_rate * cases);
      // rounded as the engine rounds its result's intervals (4 places), so the table and the summary agree
      const w = wilson(passed, cases);
      const i = { low: Math.round(w.low * 1e4) / 1e4, high: Math.round(w.high * 1e4) / 1e4 };
      return { id: c.id, parent: c.parent, train_pass_rate: c.train_pass_rate, train_passed: passed, train_cases: cases, complete: this.msg.trainCases === 0 || cases >= this.msg.trainCases, low: i.low, high: i.high, cost_usd: c.cost_usd, front: this.front.has(c.id), changed: Object.keys(c.steps).filter((s) => this.before !== null && this.before[s] !== c.steps[s]) };
    });
    // while it runs: the best on train so far (the search's own choice once it ends), cheaper first on a tie
    if (this.chosenId) this.msg.chosen = this.chosenId;
    else {
      const best = [...all].sort((a, b) => b.train_pass_rate - a.train_pass_rate || a.cost_usd - b.cost_usd)[0];
      this.msg.chosen = best?.id ?? null;
    }
  }
}
