// The seam between our scheduler and Restate's journal: the run's AttemptExecutor (as the BullMQ
// mode's RemoteAttempts is), so the run keeps its one scheduler (engine/run/scheduler.ts) and every
// side effect of a step goes through a journaled `ctx.run`.
//
// Determinism. On replay the handler runs the whole run again, and Restate wants the same journal
// commands in the same order. Which steps our scheduler asks for, and when, depends on which
// parallel step ended first, and on timers (retries' backoff); so the order in which attempts are
// asked for is not the order to journal. The seam issues them in TURNS instead, one turn a journal
// entry (`turn N`), issued only when no other turn is open: the turn records the attempts asked for
// and when (`{plan: [ids], at}`), and each then runs in an entry of its own (`attempt ID`), issued
// in the plan's order. The turn goes into the journal ahead of its attempts: it is their start marker,
// so a replay knows when they started (the step's times come from the journal, not from the clock
// of the process that replays) and that an attempt it runs again had started in a process that
// died (it counts as an attempt of the step).
// On replay a turn's recorded value, not what was asked for this time, says which attempts it
// held: a recorded attempt is answered from the journal when the scheduler asks for it (it never
// runs again), and planned attempts are issued in their recorded order. Ends are taken one at a
// time with RestatePromise.race, whose winner Restate makes the same on replay.
import { RestatePromise, type WorkflowContext } from '@restatedev/restate-sdk';
import { callAction, stepKey, TimeoutError } from '../run/stepExecutor';
import type { AttemptExecutor, AttemptRequest } from '../run/runContext';
import { emptyStepResult, type ResultDocument, type RunEvent, type StepResult } from '../run/events';
import { cancelledError, ToolError, type ToolOutcome } from '../toolkit/runtime';
import { AgentLimitError } from '../agent/types';
import type { Step } from '../spec/types';
import { JOURNAL_VALUE_LIMIT, type RunLog } from './runLog';
import type { Answer, Interaction, Question } from '../toolkit/interaction';
import { QUESTION_STATE, type AttemptRecord, type PendingQuestion, type TurnRecord } from './protocol';
import { addAttemptFigures } from '../distributed/protocol';

/** Rounds of the event loop with nothing new asked for, before a turn is issued: the scheduler's reaction to an end has settled. */
const SETTLE_ROUNDS = 3;

/** An attempt asked for, a question a step asks a person (`ask LABEL#N`: a durable promise), or a retry's backoff (`wait KEY#N`: a durable timer). */
interface Asked {
  id: string;
  req?: AttemptRequest;
  /** A question: said to the run's followers (`announce`) once it is in the workflow's state, where `orc answer` finds it. */
  question?: { label: string; question: Question; announce(): void };
  /** A backoff: how long (ms). */
  sleepMs?: number;
  resolve(o: unknown): void;
  reject(e: unknown): void;
}

/** What the race of open entries gives back. */
type Ended = { kind: 'turn'; n: number; turn: TurnRecord } | { kind: 'attempt'; id: string; record: AttemptRecord } | { kind: 'answer'; id: string; answer: Answer } | { kind: 'slept'; id: string } | { kind: 'cancel' };

/** The tools that ask a person: they run in the workflow's handler, and their questions are durable promises. */
export const ASKING_TOOLS = new Set(['user-prompt', 'approval-gate', 'feedback-collection']);

/**
 * Whether the handler is past the journal's end: what it issues now is new to the journal, not
 * read back from it. The SDK's context says so (`isProcessing`, not in its public types); where it
 * does not, the answer is no, and a turn's attempts wait for its recorded value as on a replay.
 */
function journalIsLive(ctx: WorkflowContext): boolean {
  const probe = (ctx as unknown as { isProcessing?: () => boolean }).isProcessing;
  if (typeof probe !== 'function') return false;
  try {
    return probe.call(ctx) === true;
  } catch {
    return false;
  }
}

/** An attempt's identity in the journal: the step's checkpoint key and the attempt number. */
export function attemptIdOf(key: string, attempt: number): string {
  return `${key}#${attempt}`;
}

/** The key a step's side effect is known by wherever it runs again: the run id and the step's checkpoint key (`loop[2]/step`), the same for every attempt. */
export function idempotencyKey(runId: string, key: string): string {
  return `${runId}/${key}`;
}

/**
 * The parameters of a tool that takes an idempotency key, with it: an `http` step sends it as its
 * `Idempotency-Key` header, unless the step sets that header itself.
 */
export function withIdempotencyKey(step: Step, params: Record<string, unknown>, key: string): Record<string, unknown> {
  if (step.tool !== 'http') return params;
  const given = params.headers && typeof params.headers === 'object' && !Array.isArray(params.headers) ? (params.headers as Record<string, unknown>) : {};
  if (Object.keys(given).some((h) => h.toLowerCase() === 'idempotency-key')) return params;
  return { ...params, headers: { ...given, 'Idempotency-Key': key } };
}

export class DurableAttempts implements AttemptExecutor {
  /** Asked for, not yet issued (in the order asked). */
  private readonly asked = new Map<string, Asked>();
  /** Issued and not yet ended: their entries' promises. */
  private readonly open = new Map<string, RestatePromise<Ended>>();
  /** Turns whose entry ran in this execution of the handler (the others were read back from the journal). */
  private readonly ranTurns = new Set<number>();
  /** By attempt id: when its turn was journaled (its start), and whether that turn was read back from the journal (a replay). */
  private readonly startOf = new Map<string, { at: number; replayed: boolean }>();
  /** By attempt id: when it ended and how many times it started, as its journaled record says. */
  private readonly endOf = new Map<string, { ended?: number; runs: number }>();
  /** Attempts a recorded plan holds that are not issued yet, in order. */
  private planned: string[] = [];
  /** Whether an issued attempt has been answered (by id): a record for it is never taken twice. */
  private readonly answered = new Set<string>();
  private turnOpen = false;
  private turns = 0;
  private wake: (() => void) | null = null;
  private changed = false;
  private stopped = false;
  private cancelPromise: RestatePromise<Ended> | null;

  constructor(
    private readonly ctx: WorkflowContext,
    private readonly log: RunLog,
    /** Resolved (by `orc cancel`) when the run is to be cancelled. */
    cancel: RestatePromise<unknown> | null,
    private readonly onCancel: () => void,
  ) {
    this.cancelPromise = cancel ? cancel.map(() => ({ kind: 'cancel' }) as Ended) : null;
  }

  handles(step: Step): boolean {
    if (step.tool && ASKING_TOOLS.has(step.tool)) return false;
    return Boolean(step.tool || step.action || step.agent);
  }

  attempt(req: AttemptRequest): Promise<ToolOutcome> {
    const id = attemptIdOf(req.key, req.attempt);
    return new Promise<ToolOutcome>((resolve, reject) => {
      const a: Asked = { id, req, resolve: resolve as (o: unknown) => void, reject };
      this.asked.set(id, a);
      this.poke();
    });
  }

  /** Questions asked so far by each step (by its label), in this execution of the handler. */
  private readonly questionCount = new Map<string, number>();

  /**
   * The run's Interaction: a question is the durable promise `ask LABEL#N` (N: the step's Nth
   * question), issued through the turns like an attempt; `orc answer` resolves it. A replay asks
   * the same questions again and gets their answers from the journal. `announce` is called once the
   * question is in the workflow's state, so the line it writes can be answered at once.
   */
  interaction(announce: (id: string, q: Question) => void): Interaction {
    return {
      interactive: true,
      ask: (question: Question, signal: AbortSignal): Promise<Answer> => {
        const label = question.step;
        const n = (this.questionCount.get(label) ?? 0) + 1;
        this.questionCount.set(label, n);
        const id = `ask ${label}#${n}`;
        return new Promise<Answer>((resolve, reject) => {
          const onAbort = () => {
            // not issued yet: forgotten; issued: its promise stays open in the journal, unanswered
            this.asked.delete(id);
            this.issuing.delete(id);
            this.planned = this.planned.filter((x) => x !== id);
            reject(signal.reason);
          };
          if (signal.aborted) return onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          const a: Asked = {
            id,
            question: { label, question, announce: () => announce(id, question) },
            resolve: (v) => (signal.removeEventListener('abort', onAbort), resolve(v as Answer)),
            reject: (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
          };
          this.asked.set(id, a);
          this.poke();
        });
      },
    };
  }

  /**
   * A retry's backoff before attempt `attempt` of the step `key`: the durable timer `wait KEY#N`,
   * issued through the turns like an attempt. Restate keeps when it fires: a worker that dies
   * during the wait is replaced and the new one waits only for what is left (nothing, once it has
   * fired), where an in-process timer would start the whole wait again on every replay.
   */
  backoff(wait: { key: string; attempt: number; ms: number }, signal: AbortSignal): Promise<boolean> {
    const id = `wait ${attemptIdOf(wait.key, wait.attempt)}`;
    return new Promise<boolean>((resolve) => {
      const onAbort = () => {
        // not issued yet: forgotten; issued: its timer stays in the journal, and nobody waits on it
        this.asked.delete(id);
        this.issuing.delete(id);
        this.planned = this.planned.filter((x) => x !== id);
        resolve(false);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.asked.set(id, {
        id,
        sleepMs: Math.max(0, wait.ms),
        resolve: () => (signal.removeEventListener('abort', onAbort), resolve(true)),
        reject: () => (signal.removeEventListener('abort', onAbort), resolve(false)),
      });
      this.poke();
    });
  }

  private poke(): void {
    this.changed = true;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Ends the driver (the run has ended). */
  stop(): void {
    this.stopped = true;
    this.poke();
  }

  /** Issues the journal's entries and hands their ends to the scheduler until stopped. */
  async drive(): Promise<void> {
    while (!this.stopped) {
      await this.settled();
      if (this.stopped) break;
      this.issuePlanned();
      if (!this.turnOpen && !this.planned.length && this.asked.size) this.issueTurn();
      const racing = [...this.open.values()];
      if (racing.length) {
        if (this.cancelPromise) racing.push(this.cancelPromise);
        const ended = await RestatePromise.race(racing);
        this.ended(ended);
        continue;
      }
      if (this.asked.size && !this.planned.length) continue;
      // nothing running: wait until the scheduler asks for more (after a backoff) or the run ends
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (this.changed) this.poke();
      });
    }
  }

  /** Waits until the scheduler has asked for all it will ask for now. */
  private async settled(): Promise<void> {
    let quiet = 0;
    while (quiet < SETTLE_ROUNDS) {
      this.changed = false;
      await new Promise<void>((r) => setImmediate(r));
      quiet = this.changed ? 0 : quiet + 1;
    }
  }

  /**
   * Issues turn N. Replaying, its attempts wait for the turn's recorded value (which attempts, and
   * when they started). Past the journal's end (live), what the turn holds is what is asked for
   * now: its attempts are issued right behind it, in the plan's order, without waiting for Restate
   * to acknowledge the turn (one round trip a step, where waiting made it two: the chained bench
   * read 2.45x the bare workflow). The turn still comes first in the journal and leaves with the
   * first output, so an attempt a worker dies in is known to have started; only a worker killed in
   * the instant between the two leaves an attempt uncounted.
   */
  private issueTurn(): void {
    const n = ++this.turns;
    const ids = [...this.asked.keys()];
    this.turnOpen = true;
    const live = journalIsLive(this.ctx);
    const at = Date.now();
    const p = this.ctx.run<TurnRecord>(`turn ${n}`, async () => {
      this.ranTurns.add(n);
      return { plan: ids, at };
    });
    this.open.set(`turn ${n}`, p.map((turn) => ({ kind: 'turn', n, turn: turn! }) as Ended));
    if (!live) return;
    this.liveTurns.add(n);
    for (const id of ids) this.startOf.set(id, { at, replayed: false });
    // a copy: issuing takes the planned ids off the list, and the turn's entry records `ids`
    this.planned = [...ids];
    this.issuePlanned();
  }

  /** Turns issued past the journal's end, whose attempts were issued with them. */
  private readonly liveTurns = new Set<number>();

  /** Issues the planned attempts that have been asked for, in the plan's order. */
  private issuePlanned(): void {
    while (this.planned.length) {
      const id = this.planned[0];
      const a = this.asked.get(id);
      if (!a) return;
      this.planned.shift();
      this.asked.delete(id);
      this.issuing.set(id, a);
      if (a.question) {
        // where `orc answer` finds the promise that the step's question waits on
        const pending: PendingQuestion = { promise: id, question: a.question.question };
        this.ctx.set(`${QUESTION_STATE}${a.question.label}`, pending);
        // said once it is set, not when the step asked: a person who answered the line at once (or a
        // worker killed right after it) found no question yet ("has asked nothing"), its state still
        // waiting for the turn that issues it
        a.question.announce();
        const q = this.ctx.promise<Answer>(id).get();
        this.open.set(id, q.map((answer) => ({ kind: 'answer', id, answer: answer ?? null }) as Ended));
        continue;
      }
      if (a.sleepMs !== undefined) {
        this.open.set(id, this.ctx.sleep(a.sleepMs, id).map(() => ({ kind: 'slept', id }) as Ended));
        continue;
      }
      const p = this.ctx.run<AttemptRecord>(`attempt ${id}`, () => this.execute(a));
      this.open.set(id, p.map((record) => ({ kind: 'attempt', id, record: record! }) as Ended));
    }
  }

  /** Attempts issued in their own entry, by id. */
  private readonly issuing = new Map<string, Asked>();

  private ended(e: Ended): void {
    if (this.stopped) return;
    if (e.kind === 'answer') {
      this.open.delete(e.id);
      const a = this.issuing.get(e.id);
      this.issuing.delete(e.id);
      this.answered.add(e.id);
      a?.resolve(e.answer);
      return;
    }
    if (e.kind === 'slept') {
      this.open.delete(e.id);
      const a = this.issuing.get(e.id);
      this.issuing.delete(e.id);
      this.answered.add(e.id);
      a?.resolve(true);
      return;
    }
    if (e.kind === 'cancel') {
      this.cancelPromise = null;
      this.onCancel();
      return;
    }
    if (e.kind === 'attempt') {
      this.open.delete(e.id);
      const a = this.issuing.get(e.id);
      this.issuing.delete(e.id);
      if (a) this.answer(a, e.record);
      return;
    }
    this.open.delete(`turn ${e.n}`);
    this.turnOpen = false;
    // a live turn's attempts were issued with it
    if (this.liveTurns.delete(e.n)) return;
    const t = e.turn;
    const replayed = !this.ranTurns.has(e.n);
    for (const id of t.plan) if (!this.startOf.has(id)) this.startOf.set(id, { at: t.at, replayed });
    this.planned = t.plan.filter((id) => !this.answered.has(id));
    this.issuePlanned();
  }

  private answer(a: Asked, record: AttemptRecord): void {
    this.answered.add(a.id);
    this.endOf.set(a.id, { ...(record.ended !== undefined ? { ended: record.ended } : {}), runs: record.runs });
    this.settle(a, record);
  }

  /**
   * A step's result with the times and attempts the journal knows: it started when its first
   * attempt's turn was journaled and ended when its last attempt's end was, and each start of an
   * attempt in a process that died counts as an attempt. (The result the scheduler of a replay
   * makes has that process's times: a step answered from the journal there took no time.)
   */
  journaled(key: string, r: StepResult): StepResult {
    let first: number | null = null;
    let last: number | null = null;
    let again = 0;
    for (let n = 1; n <= r.attempts; n++) {
      const id = attemptIdOf(key, n);
      const s = this.startOf.get(id);
      if (s && first === null) first = s.at;
      const e = this.endOf.get(id);
      if (e?.ended !== undefined) last = e.ended;
      if (e) again += Math.max(0, e.runs - 1);
    }
    if (first === null) return r;
    const out: StepResult = { ...r, started_at: new Date(first).toISOString(), attempts: r.attempts + again };
    if (last !== null && last >= first && r.ended_at !== null) out.ended_at = new Date(last).toISOString();
    if (out.ended_at !== null && r.duration_ms !== null) out.duration_ms = Date.parse(out.ended_at) - first;
    return out;
  }

  /** A result document whose top-level steps' results are journaled(). */
  journaledDocument(doc: ResultDocument): ResultDocument {
    return { ...doc, steps: Object.fromEntries(Object.entries(doc.steps).map(([id, r]) => [id, r ? this.journaled(id, r) : r])) };
  }

  /** An event with the step results it carries journaled(). */
  journaledEvent(e: RunEvent): RunEvent {
    if (e.type === 'step-ended') return { ...e, result: this.journaled(stepKey(e.stepId, e.scope), e.result) };
    if (e.type === 'run-ended') return { ...e, result: this.journaledDocument(e.result) };
    return e;
  }

  /** Runs the attempt here (inside its journal entry); never throws (Restate would run it again). */
  private async execute(a: Asked): Promise<AttemptRecord> {
    const req = a.req!;
    const run = req.run;
    // started before in a process that died: the start marker (its turn) was journaled by an earlier
    // execution; the run's folder counts each start too, when this worker shares it
    const runs = Math.max(this.log.started(a.id), this.startOf.get(a.id)?.replayed ? 2 : 1);
    if (runs > 1) run.emitter.emit({ type: 'warning', time: Date.now(), stepId: req.step.id, message: `Step '${req.key}' attempt ${req.attempt} runs again (start ${runs}): the process running it stopped before its end was journaled` });
    const r = emptyStepResult('running');
    const ctl = new AbortController();
    req.cancellation.onAbort((reason) => ctl.abort(reason));
    let outcome: ToolOutcome | null = null;
    let failure: unknown = null;
    try {
      outcome = await Promise.race([
        callAction(req.step, withIdempotencyKey(req.step, req.params, idempotencyKey(run.executionId, req.key)), run, ctl.signal, req.scopePath, r),
        new Promise<never>((_, reject) => {
          if (ctl.signal.aborted) reject(ctl.signal.reason);
          ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true });
        }),
      ]);
    } catch (e) {
      failure = e;
    }
    const figures = { model: r.model, ...(r.model_reason ? { model_reason: r.model_reason } : {}), ...(r.models_tried ? { models_tried: r.models_tried } : {}), ...(r.latency_ms !== undefined ? { latency_ms: r.latency_ms } : {}), ...(r.limiter_wait_ms !== undefined ? { limiter_wait_ms: r.limiter_wait_ms } : {}), tokens_in: r.tokens_in, tokens_out: r.tokens_out, cost_usd: r.cost_usd };
    const redactor = run.redactor;
    if (outcome) {
      const kept: ToolOutcome = { success: outcome.success, result: redactor.value(outcome.result), ...(outcome.error !== undefined ? { error: redactor.text(outcome.error) } : {}) };
      // the journal keeps JSON: the run goes on with the value as a replay will read it back
      let text: string;
      try {
        text = JSON.stringify(kept.result ?? null);
      } catch (e) {
        return { ok: false, error: { message: `The step's result cannot be kept in the journal (it is not JSON): ${redactor.text((e as Error).message)}`, type: 'ValueError' }, figures, runs, ended: Date.now() };
      }
      if (text.length > JOURNAL_VALUE_LIMIT) {
        const ref = this.log.writeOutput(a.id, text);
        return { ok: true, outcome: { success: kept.success, result: null, ...(kept.error !== undefined ? { error: kept.error } : {}) }, ref, figures, runs, ended: Date.now() };
      }
      return { ok: true, outcome: { ...kept, result: JSON.parse(text) as unknown }, figures, runs, ended: Date.now() };
    }
    const type = failure instanceof ToolError ? failure.errorType : failure instanceof Error && failure.name && failure.name !== 'Error' ? failure.name : 'Error';
    const message = redactor.text(failure instanceof Error ? failure.message : String(failure));
    const agent = failure instanceof AgentLimitError ? { limit: failure.limit, partial: redactor.value(failure.partial) } : undefined;
    return { ok: false, error: { message, type, ...(agent ? { agent } : {}) }, figures, runs, ended: Date.now() };
  }

  /** Gives the scheduler an attempt's journaled end, as a local attempt would have ended. */
  private settle(a: Asked, v: AttemptRecord): void {
    const req = a.req!;
    const r = req.result;
    addAttemptFigures(r, v.figures);
    if (v.ok && v.outcome) {
      if (v.ref) {
        try {
          return a.resolve({ ...v.outcome, result: this.log.readOutput(v.ref) });
        } catch (e) {
          return a.reject(new ToolError(`The step's result was kept in ${v.ref}, which cannot be read: ${(e as Error).message}`, 'StateError'));
        }
      }
      return a.resolve(v.outcome);
    }
    const err = v.error ?? { message: 'The attempt recorded no outcome', type: 'InternalError' };
    if (err.agent && err.type === 'AgentLimitError') return a.reject(new AgentLimitError(err.agent.limit as AgentLimitError['limit'], err.message, err.agent.partial));
    if (err.type === 'TimeoutError') return a.reject(new TimeoutError(err.message));
    if (err.type === 'CancelledError') return a.reject(req.cancellation.aborted ? cancelledError(req.cancellation.reason) : cancelledError(new Error(err.message)));
    a.reject(new ToolError(err.message, err.type));
  }
}
