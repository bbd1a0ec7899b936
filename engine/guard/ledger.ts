// One ledger per run: every model call reserves its worst case (prompt tokens estimated, `max_tokens`
// out, at the registry's price) before it starts and settles to its real cost after, so calls in
// parallel cannot overshoot the budget together. A call whose worst case does not fit waits while
// calls in flight may free room, and is refused when none is left to free: the budget is then spent,
// no call starts after it, and the run fails with BudgetExceededError naming the budget, the spend
// and the step. A step's own `budget` is an account under the run's: a call holds on both.
import type { BudgetHold, BudgetHook, WorstCase } from '../models/modelRunner';
import type { BudgetDecl } from '../spec/types';
import { BudgetExceededError } from './errors';
import { setLongTimeout, type LongTimer } from '../util/longTimer';

/** What the ledger says of itself (the `budget` run event, the panel's live line). */
export interface LedgerFigures {
  budget: string;
  spent_usd: number;
  spent_tokens: number;
  held_usd: number;
  held_tokens: number;
  max_cost_usd: number | null;
  max_tokens: number | null;
}

/** Where a budget stood when the run ended (the result document's `budget`, `orc report`). */
export interface BudgetStanding extends LedgerFigures {
  /** The step whose own budget it is; null for the run's. */
  step: string | null;
  /** The budget was spent: a call was refused (or cancelled) on it. */
  spent: boolean;
}

const usd = (n: number): string => `$${Number(n.toPrecision(6))}`;

/** One budget: what is spent, what calls in flight hold, and who waits for room. */
export class BudgetAccount implements BudgetHook {
  spentUsd = 0;
  spentTokens = 0;
  heldUsd = 0;
  heldTokens = 0;
  /** Calls holding on this account now. */
  holds = 0;
  private waiters: (() => void)[] = [];
  /** Set once the account is spent: every later reservation is refused with it. */
  exceeded: BudgetExceededError | null = null;
  private readonly ctl = new AbortController();
  /** `max_duration`: when (ms since the epoch) the run's budget is spent, and the timer that cancels the calls in flight then (set only while there are some). */
  deadline: { at: number; seconds: number } | null = null;
  private timer: LongTimer | null = null;

  constructor(
    /** As messages name it: `the run's budget`, `step 'x''s budget`. */
    readonly name: string,
    readonly limits: BudgetDecl,
    readonly parent: BudgetAccount | null = null,
    /** The step the calls are made for (messages). */
    readonly stepId: string | null = null,
    private readonly onChange: ((a: BudgetAccount) => void) | null = null,
  ) {}

  /** Aborted when this account (or one above it) is spent while calls are in flight. */
  get signal(): AbortSignal {
    return this.parent ? AbortSignal.any([this.ctl.signal, this.parent.signal]) : this.ctl.signal;
  }

  /** A view of this account for the calls of one step (the step named in messages). */
  forStep(stepId: string | null): BudgetHook {
    return { reserve: (worst, signal) => this.reserveFor(worst, signal, stepId) };
  }

  reserve(worst: WorstCase, signal: AbortSignal): Promise<BudgetHold> {
    return this.reserveFor(worst, signal, this.stepId);
  }

  private async reserveFor(worst: WorstCase, signal: AbortSignal, stepId: string | null): Promise<BudgetHold> {
    // a model the registry does not price would count $0: under a cost budget its call is refused, not made unseen
    if (worst.priced === false) for (let a: BudgetAccount | null = this; a; a = a.parent) if (a.limits.maxCostUsd !== null) throw a.unpriced(worst, stepId);
    for (;;) {
      if (signal.aborted) throw signal.reason;
      for (let a: BudgetAccount | null = this; a; a = a.parent) if (a.deadline && Date.now() >= a.deadline.at) a.timeUp();
      const refused = this.firstExceeded();
      if (refused) throw refused;
      const full = this.overflow(worst);
      if (!full) break;
      // calls in flight on the full account may settle for less than they hold: wait for them
      if (full.holds > 0) {
        await full.settled(signal);
        continue;
      }
      throw full.spend(worst, stepId);
    }
    const chain: BudgetAccount[] = [];
    for (let a: BudgetAccount | null = this; a; a = a.parent) chain.push(a);
    for (const a of chain) a.hold(worst.tokensIn + worst.tokensOut, worst.usd);
    let done = false;
    return {
      signal: this.signal,
      settle: (tokens, cost) => {
        if (done) return;
        done = true;
        for (const a of chain) a.release(worst.tokensIn + worst.tokensOut, worst.usd, tokens, cost, stepId);
      },
    };
  }

  /** The first account of the chain that is already spent. */
  private firstExceeded(): BudgetExceededError | null {
    for (let a: BudgetAccount | null = this; a; a = a.parent) if (a.exceeded) return a.exceeded;
    return null;
  }

  /** The first account of the chain the worst case does not fit in, with what is held. */
  private overflow(worst: WorstCase): BudgetAccount | null {
    for (let a: BudgetAccount | null = this; a; a = a.parent) {
      const l = a.limits;
      if (l.maxCostUsd !== null && a.spentUsd + a.heldUsd + worst.usd > l.maxCostUsd + 1e-12) return a;
      if (l.maxTokens !== null && a.spentTokens + a.heldTokens + worst.tokensIn + worst.tokensOut > l.maxTokens) return a;
    }
    return null;
  }

  private hold(tokens: number, cost: number): void {
    if (this.holds++ === 0 && this.deadline) {
      // a long timer: a max_duration past 24.8 days would fire at once on a plain setTimeout
      this.timer = setLongTimeout(() => this.timeUp(), Math.max(0, this.deadline.at - Date.now()));
    }
    this.heldTokens += tokens;
    this.heldUsd += cost;
  }

  private release(heldTokens: number, heldUsd: number, tokens: number, cost: number, stepId: string | null): void {
    this.holds--;
    this.heldTokens -= heldTokens;
    this.heldUsd -= heldUsd;
    this.spentTokens += tokens;
    this.spentUsd += cost;
    if (this.holds === 0) {
      this.heldTokens = 0;
      this.heldUsd = 0;
      this.timer?.clear();
      this.timer = null;
    }
    // a call that cost more than its worst case (its prompt was longer than estimated) spent the budget
    const l = this.limits;
    const over = (l.maxCostUsd !== null && this.spentUsd > l.maxCostUsd + 1e-12) || (l.maxTokens !== null && this.spentTokens > l.maxTokens);
    if (over && !this.exceeded) this.close(new BudgetExceededError(`${this.capital()} is spent: ${this.spendText()}, the call at step '${stepId ?? '?'}' cost more than it was reserved for; the calls in flight were cancelled`));
    this.onChange?.(this);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /** Resolves when a call of this account settles (or the signal aborts). */
  private settled(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** The worst case does not fit and nothing in flight can free room: the account is spent. */
  private spend(worst: WorstCase, stepId: string | null): BudgetExceededError {
    const l = this.limits;
    const which = l.maxCostUsd !== null && this.spentUsd + worst.usd > l.maxCostUsd + 1e-12 ? `max_cost_usd ${usd(l.maxCostUsd)}` : `max_tokens ${l.maxTokens}`;
    const need = which.startsWith('max_cost') ? `${usd(worst.usd)} at worst` : `${worst.tokensIn + worst.tokensOut} tokens at worst`;
    const e = new BudgetExceededError(`${this.capital()} (${which}) is spent: ${this.spendText()}; the next call, step '${stepId ?? '?'}' on ${worst.model} (${need}), would cross it, so it was not made`);
    this.close(e);
    return e;
  }

  /** A call on a model with no price: the budget cannot count it (the account stays open for priced calls). */
  private unpriced(worst: WorstCase, stepId: string | null): BudgetExceededError {
    return new BudgetExceededError(`${this.capital()} (max_cost_usd ${usd(this.limits.maxCostUsd!)}) cannot count a call on ${worst.model}: the model registry has no price for it, so the call of step '${stepId ?? '?'}' was not made. Give the model its price in your registry file (0 for a local model), or bound the run with max_tokens instead of max_cost_usd`);
  }

  /** `max_duration` has passed. */
  timeUp(): void {
    const s = this.deadline!.seconds;
    this.close(new BudgetExceededError(`${this.capital()} (max_duration ${s} s) is spent: the run has taken ${s} s; its model calls in flight were cancelled and no other starts`));
  }

  private capital(): string {
    return this.name.charAt(0).toUpperCase() + this.name.slice(1);
  }

  private spendText(): string {
    return `spent ${usd(this.spentUsd)} and ${this.spentTokens} tokens`;
  }

  /** Spent: later reservations are refused, calls in flight cancelled. */
  close(e: BudgetExceededError): void {
    if (this.exceeded) return;
    this.exceeded = e;
    this.ctl.abort(e);
    this.onChange?.(this);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  figures(): LedgerFigures {
    return { budget: this.name, spent_usd: this.spentUsd, spent_tokens: this.spentTokens, held_usd: this.heldUsd, held_tokens: this.heldTokens, max_cost_usd: this.limits.maxCostUsd, max_tokens: this.limits.maxTokens };
  }
}

/**
 * The run's ledger: its own account (or none), the steps' accounts under it, and its wall-time
 * limit (checked as each call starts, and by a timer only while calls are in flight: a run's end
 * leaves nothing to stop).
 */
export class RunLedger {
  readonly account: BudgetAccount;
  private readonly steps = new Map<string, BudgetAccount>();

  constructor(
    limits: BudgetDecl | null,
    private readonly onChange: ((a: BudgetAccount) => void) | null = null,
    started = Date.now(),
  ) {
    this.account = new BudgetAccount("the run's budget", limits ?? { maxCostUsd: null, maxTokens: null, maxDuration: null }, null, null, onChange);
    const s = limits?.maxDuration;
    if (s !== null && s !== undefined) this.account.deadline = { at: started + s * 1000, seconds: s };
  }

  /** Where each budget stands: the run's (when it has limits), then each step's that calls drew on. */
  standing(): BudgetStanding[] {
    const run = this.account.limits;
    const accounts = run.maxCostUsd !== null || run.maxTokens !== null || run.maxDuration !== null ? [this.account, ...this.steps.values()] : [...this.steps.values()];
    return accounts.map((a) => ({ ...a.figures(), step: a.stepId, spent: a.exceeded !== null }));
  }

  /** The hook a step's calls draw on: its own account when it has a budget (made on first use), else the run's. */
  hookFor(stepId: string | undefined, stepBudget: BudgetDecl | undefined): BudgetHook {
    if (!stepId) return this.account;
    if (!stepBudget) return this.account.forStep(stepId);
    let a = this.steps.get(stepId);
    if (!a) this.steps.set(stepId, (a = new BudgetAccount(`step '${stepId}''s budget`, stepBudget, this.account, stepId, this.onChange)));
    return a;
  }
}
