// What the eval panel's optimize section shows, folded from `optimize()`'s events as they come:
// the plan (start), the phase, each assignment's running figures (trial), the runs spent; the
// frontier and the chosen point recomputed from the trials each time. No vscode:
// test/client/optimizeProgress.test.ts.
import { type Assignment, frontierOf, type OptimizeEvent, type OptimizeOutcome, type Trial } from '../engine/api/index';
import type { OptimizePointView, OptimizeViewMessage } from '../media/protocol';

/** An assignment as the panel writes it: `step=provider:model` in step order. */
export function assignmentLabel(a: Assignment, steps: string[] = Object.keys(a)): string {
  return steps
    .filter((s) => s in a)
    .map((s) => `${s}=${a[s]}`)
    .join(' ');
}

const PHASES: Record<string, string> = { dearest: 'the dearest assignment', screen: 'one step at a time', verify: 'the cheapest combination on every case', fallback: 'the next-cheapest combinations' };

export class OptimizeProgress {
  private readonly trials = new Map<string, Trial>();
  private msg: OptimizeViewMessage;

  constructor(minPassRate: number, replay: boolean) {
    this.msg = { type: 'optimize', status: 'planning', detail: '', steps: [], models: [], cases: 0, minPassRate, runsUsed: 0, bruteForceRuns: 0, replay, points: [], frontier: [], chosen: null, applied: null, applyProblem: null };
  }

  event(e: OptimizeEvent): void {
    const m = this.msg;
    if (e.kind === 'start') Object.assign(m, { status: 'running', steps: e.steps, models: e.models, cases: e.cases, minPassRate: e.minPassRate, bruteForceRuns: e.bruteForceRuns, detail: e.known ? `${e.known} earlier run${e.known === 1 ? '' : 's'} reused` : '' });
    else if (e.kind === 'phase') m.detail = `trying ${PHASES[e.phase] ?? e.phase}${e.detail ? ` (${e.detail})` : ''}`;
    else if (e.kind === 'run') {
      if (!e.run.reused) m.runsUsed++;
    } else {
      this.trials.set(assignmentLabel(e.trial.assignment, m.steps), e.trial);
      m.runsUsed = Math.max(m.runsUsed, e.runsUsed);
      this.recompute(null);
    }
  }

  /** The search ended: its own frontier, choice and counts. */
  finish(o: OptimizeOutcome): void {
    for (const t of o.trials) this.trials.set(assignmentLabel(t.assignment, this.msg.steps), t);
    this.recompute(o);
    Object.assign(this.msg, { status: o.stopped ?? 'completed', runsUsed: o.runs_used, bruteForceRuns: o.brute_force_runs, detail: o.stopped === 'cancelled' ? 'what ran is kept in the record' : o.chosen ? '' : 'no assignment keeps the pass rate' });
  }

  fail(reason: string): void {
    Object.assign(this.msg, { status: 'failed', detail: reason });
  }

  applied(lines: string[] | null, problem: string | null): void {
    Object.assign(this.msg, { applied: lines, applyProblem: problem });
  }

  chosen(): Assignment | null {
    const label = this.msg.chosen;
    return label ? (this.trials.get(label)?.assignment ?? null) : null;
  }

  message(): OptimizeViewMessage {
    return { ...this.msg, points: [...this.msg.points], frontier: [...this.msg.frontier] };
  }

  private recompute(o: OptimizeOutcome | null): void {
    const label = (t: Trial) => assignmentLabel(t.assignment, this.msg.steps);
    const all = [...this.trials.values()];
    this.msg.points = all.map((t): OptimizePointView => ({ label: label(t), assignment: t.assignment, runs: t.runs, passed: t.passed, pass_rate: t.pass_rate, low: t.interval.low, high: t.interval.high, cost_usd: t.cost_usd, complete: t.complete, eliminated: t.eliminated, meets: t.meets }));
    const frontier = o ? o.frontier : frontierOf(all);
    this.msg.frontier = frontier.map(label);
    // while it runs: the cheapest that meets so far (the search's own choice once it ends)
    const best = o ? o.chosen : (all.filter((t) => t.meets).sort((a, b) => a.cost_usd - b.cost_usd)[0] ?? null);
    this.msg.chosen = best ? label(best) : null;
  }
}
