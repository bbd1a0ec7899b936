// How a run asks a person: the host (the terminal, the editor, a test) provides an Interaction;
// the human-in-the-loop tools ask through it. Pure types and small helpers: no host code here.
import { untilAborted } from './abort';

/** `text`: a line of text; `choice`: one of `choices`; `confirm`: yes or no. */
export type QuestionKind = 'text' | 'choice' | 'confirm';

export interface Question {
  kind: QuestionKind;
  /** The step that asks, as a person reads it (`loop[1] › step` inside a loop): a label, not an id. */
  step: string;
  /** What is asked. */
  prompt: string;
  /** A heading: the approval's or the form's title. */
  title?: string;
  /** Longer text shown before the question (the content to approve). */
  detail?: string;
  /** The answers a `choice` takes. */
  choices?: string[];
  /** Shown with the question: an empty answer takes it (the tool decides). For a text, the editor pre-fills it. */
  default?: string;
  /** Why the previous answer was refused, when the question is asked again. */
  error?: string;
  /** The answer may span several lines (the terminal reads until a line holding only `.`). */
  multiline?: boolean;
  /**
   * An agent's call to approve whose arguments the person may edit before it runs (a host that
   * cannot edit leaves it out and answers approve or deny). `value`: the arguments as pretty JSON,
   * secrets redacted (a `[redacted: NAME]` left where it was stands for the secret it hides);
   * `schema`: the JSON Schema they must match.
   */
  edit?: { value: string; schema: Record<string, unknown> | null };
}

/** Approves the call with these arguments instead of the model's (a question with `edit`). */
export interface EditedApproval {
  choice: 'approve';
  /** The arguments, parsed from the person's JSON. */
  value: unknown;
}

/** A `text` or `choice` answer is a string, a `confirm` answer a boolean, an approval with edited arguments an EditedApproval; null: the person dismissed the question. */
export type Answer = string | boolean | EditedApproval | null;

/** Whether an answer approves with edited arguments. */
export function isEditedApproval(a: unknown): a is EditedApproval {
  return typeof a === 'object' && a !== null && (a as { choice?: unknown }).choice === 'approve' && 'value' in a;
}

export interface Interaction {
  /** Someone can answer now (false: CI, `--json`, no terminal). */
  readonly interactive: boolean;
  /** Asks one question; settles when answered, dismissed (null), or when the signal aborts (rejects). */
  ask(question: Question, signal: AbortSignal): Promise<Answer>;
  /** An answer given ahead of time for a step id (the command line's `-i STEP_ID=VALUE`). */
  answerFor?(stepId: string): { value: unknown } | undefined;
  /** `--yes`: approval gates approve, prompts take their default. */
  readonly assumeYes?: boolean;
}

/** What a tool gets in its context: the host, and which step is asking. */
export interface StepInteraction {
  host: Interaction;
  /** The step's id. */
  stepId: string;
  /** The step as a person reads it (`loop[1] › step` inside a loop). */
  label: string;
}

/**
 * Runs `fn` while holding the host's question lock: two steps running in parallel never ask at
 * once, and a form's questions are asked together. Settles early (rejects) when the signal aborts.
 */
const locks = new WeakMap<Interaction, Promise<void>>();
export async function exclusive<T>(host: Interaction, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const before = locks.get(host) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = before.then(() => mine);
  locks.set(host, tail);
  try {
    await untilAborted(before, signal);
    return await fn();
  } finally {
    release();
    if (locks.get(host) === tail) locks.delete(host);
  }
}


