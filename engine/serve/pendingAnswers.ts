// Who answers a served run's questions (approval gates, prompts, an agent's calls held for
// approval): no one at a terminal, so each question becomes a pending answer, shown in the run's
// events (`answer-pending`) and in GET /runs/{id}, and answered by POST /runs/{id}/answers/{step_id}.
import type { Answer, Interaction, Question, Redactor } from '../api/index';

/** A question as the API shows it (secrets redacted). */
export interface PendingQuestion {
  /** The step's id (the last part of `step` inside a loop). */
  step_id: string;
  /** The step as a person reads it (`loop[1] › step` inside a loop). */
  step: string;
  kind: Question['kind'];
  prompt: string;
  title?: string;
  detail?: string;
  choices?: string[];
  default?: string;
  /** Why the last answer was not taken. */
  error?: string;
  /** An agent's call whose arguments may be replaced (`arguments` in the answer). */
  editable_arguments?: { value: string; schema: Record<string, unknown> | null };
  asked_at: string;
}

/** An answer as POSTed: `{approve: bool, arguments?}` for an approval, `{answer}` for a prompt. */
export interface PostedAnswer {
  approve?: unknown;
  arguments?: unknown;
  answer?: unknown;
}

interface Waiting {
  shown: PendingQuestion;
  question: Question;
  resolve(a: Answer): void;
}

/** The step id of a question's label: `outer[2] › inner` is `inner`. */
export function stepIdOf(label: string): string {
  const parts = label.split(' › ');
  return parts[parts.length - 1];
}

/** The Answer a posted body gives a question, or why it cannot be one. */
export function answerOf(q: Question, body: PostedAnswer): Answer | { problem: string } {
  if (body.answer !== undefined) {
    if (q.kind === 'confirm') return typeof body.answer === 'boolean' ? body.answer : { problem: "this question is answered with {\"approve\": true|false} or {\"answer\": true|false}" };
    if (typeof body.answer !== 'string' && typeof body.answer !== 'number') return { problem: '"answer" must be a string here' };
    return String(body.answer);
  }
  if (typeof body.approve !== 'boolean') return { problem: q.kind === 'text' ? 'this question takes {"answer": "TEXT"}' : 'give {"approve": true|false} (an agent\'s call: with "arguments" to replace its arguments), or {"answer": "CHOICE"}' };
  if (q.kind === 'confirm') return body.approve;
  if (q.kind === 'text') return { problem: 'this question takes {"answer": "TEXT"}' };
  const choices = q.choices ?? [];
  if (body.approve) {
    if (body.arguments !== undefined) {
      if (!q.edit) return { problem: 'this question takes no "arguments" (only an agent\'s call held for approval does)' };
      return { choice: 'approve', value: body.arguments };
    }
    return choices.includes('approve') ? 'approve' : (choices[0] ?? 'approve');
  }
  return choices.includes('deny') ? 'deny' : choices.includes('reject') ? 'reject' : { problem: `answer one of: ${choices.join(', ')} ({"answer": "CHOICE"})` };
}

/** A question as the API shows it, asked now. */
export function shownQuestion(q: Question, redactor: Redactor): PendingQuestion {
  const red = (s: string | undefined) => (s === undefined ? undefined : redactor.text(s));
  return {
    step_id: stepIdOf(q.step),
    step: q.step,
    kind: q.kind,
    prompt: redactor.text(q.prompt),
    ...(q.title !== undefined ? { title: red(q.title) } : {}),
    ...(q.detail !== undefined ? { detail: red(q.detail) } : {}),
    ...(q.choices ? { choices: q.choices } : {}),
    ...(q.default !== undefined ? { default: red(q.default) } : {}),
    ...(q.error ? { error: red(q.error) } : {}),
    ...(q.edit ? { editable_arguments: { value: redactor.text(q.edit.value), schema: q.edit.schema } } : {}),
    asked_at: new Date().toISOString(),
  };
}

/** The pending questions of one run, and its Interaction. */
export class PendingAnswers {
  private readonly waiting: Waiting[] = [];

  constructor(
    /** Called as a question becomes pending, and as it is answered or given up. */
    private readonly announce: (type: 'answer-pending' | 'answer-given', data: PendingQuestion) => void,
  ) {}

  /** The questions waiting now, oldest first. */
  list(): PendingQuestion[] {
    return this.waiting.map((w) => w.shown);
  }

  interaction(redactor: Redactor): Interaction {
    return {
      interactive: true,
      ask: (q, signal) =>
        new Promise<Answer>((resolve, reject) => {
          if (signal.aborted) return reject(signal.reason);
          const shown = shownQuestion(q, redactor);
          const w: Waiting = {
            shown,
            question: q,
            resolve: (a) => {
              signal.removeEventListener('abort', onAbort);
              resolve(a);
            },
          };
          const onAbort = () => {
            this.remove(w);
            reject(signal.reason);
          };
          signal.addEventListener('abort', onAbort, { once: true });
          this.waiting.push(w);
          this.announce('answer-pending', shown);
        }),
    };
  }

  private remove(w: Waiting): boolean {
    const i = this.waiting.indexOf(w);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** Answers the oldest question of this step (its id, or its label): 'none' when it has none waiting. */
  answer(step: string, body: PostedAnswer): 'none' | { problem: string } | PendingQuestion {
    const w = this.waiting.find((x) => x.shown.step === step) ?? this.waiting.find((x) => x.shown.step_id === step);
    if (!w) return 'none';
    const a = answerOf(w.question, body);
    if (a !== null && typeof a === 'object' && 'problem' in a) return a;
    this.remove(w);
    this.announce('answer-given', w.shown);
    w.resolve(a);
    return w.shown;
  }
}
