// `orc serve --restate INGRESS_URL`: a served run is a durable run on Restate (engine/durable/).
// The server submits it (submitRun), follows it (followRun: its events into the run's event log,
// its result document as its end), cancels it (cancelRun) and answers its questions (answerRun).
// The run belongs to Restate, not to this process: a server that stops or dies leaves it going,
// and another server given the same ingress finds it again by its id (adoptable below).
import { answerRun, waitingQuestions, type Answer, type Question, type Redactor } from '../api/index';
import { answerOf, shownQuestion, type PendingQuestion, type PostedAnswer } from './pendingAnswers';

/** A served run's questions: listed, and answered over HTTP. */
export interface RunQuestions {
  /** The questions waiting now, oldest first. */
  list(): PendingQuestion[];
  /** Answers the oldest question of this step (its id, or its label): 'none' when it has none waiting. */
  answer(step: string, body: PostedAnswer): 'none' | { problem: string } | PendingQuestion | Promise<'none' | { problem: string } | PendingQuestion>;
  /** Reads the questions again from where they are kept (a durable run's: answered elsewhere, by `orc answer`, they are gone). */
  refresh?(): Promise<void>;
}

/** How often, and how many times, the questions are read after a step said it asks (30 s in all). */
const EXPECT_EVERY_MS = 200;
const EXPECT_TRIES = 150;

/** The lines of the run's log that say a step asks a person (the workflow's askedLine). */
export function isAskedLine(message: string): boolean {
  return /^Step '.*' asks/.test(message);
}

/** The questions of a durable run: read from the workflow (its shared `questions` handler), answered through it. */
export class DurableQuestions implements RunQuestions {
  private waiting: { shown: PendingQuestion; question: Question; key: string }[] = [];
  private readonly announced = new Set<string>();

  constructor(
    private readonly ingress: string,
    private readonly runId: string,
    private readonly redactor: Redactor,
    private readonly announce: (type: 'answer-pending' | 'answer-given', data: PendingQuestion) => void,
  ) {}

  list(): PendingQuestion[] {
    return this.waiting.map((w) => w.shown);
  }

  /** Reads the questions waiting now; a new one is announced (`answer-pending`), one answered elsewhere (`orc answer`) too (`answer-given`). */
  async refresh(): Promise<void> {
    const got = await waitingQuestions(this.ingress, this.runId);
    const before = new Map(this.waiting.map((w) => [w.key, w]));
    this.waiting = got.map(({ step, question }) => {
      const key = `${step}\0${question.prompt}\0${question.error ?? ''}`;
      return before.get(key) ?? { key, question, shown: shownQuestion({ ...question, step }, this.redactor) };
    });
    const now = new Set(this.waiting.map((w) => w.key));
    for (const [key, w] of before) if (!now.has(key)) this.announce('answer-given', w.shown);
    for (const w of this.waiting) {
      if (this.announced.has(w.key)) continue;
      this.announced.add(w.key);
      this.announce('answer-pending', w.shown);
    }
  }

  /**
   * A step said it asks (its line in the run's events): reads the questions until one is waiting.
   * The line is written as the step asks, a moment before the run issues the question's durable
   * promise and keeps it in the workflow's state, so the first read may find nothing yet. Gives up
   * after EXPECT_TRIES reads, or when `stop()` says the run has ended.
   */
  async expect(stop: () => boolean): Promise<void> {
    for (let i = 0; i < EXPECT_TRIES && !stop(); i++) {
      await this.refresh().catch(() => undefined);
      if (this.waiting.length) return;
      await new Promise((r) => setTimeout(r, EXPECT_EVERY_MS));
    }
  }

  async answer(step: string, body: PostedAnswer): Promise<'none' | { problem: string } | PendingQuestion> {
    await this.refresh();
    const w = this.waiting.find((x) => x.shown.step === step) ?? this.waiting.find((x) => x.shown.step_id === step);
    if (!w) return 'none';
    const a: Answer | { problem: string } = answerOf(w.question, body);
    if (a !== null && typeof a === 'object' && 'problem' in a) return a;
    await answerRun(this.ingress, this.runId, w.shown.step, a);
    this.waiting = this.waiting.filter((x) => x !== w);
    this.announce('answer-given', w.shown);
    return w.shown;
  }
}
