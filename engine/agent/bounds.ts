// Bounds on what an agent keeps and sends: a long loop's record keeps its first and latest calls
// and turns (as a while loop keeps its iterations), a result is cut before it reaches the model,
// and a recorded result is cut before it reaches the run record.
import type { AgentStepResult } from './types';

/** The first and the latest items of a list kept in the record; those between are counted. */
export const KEEP_FIRST = 500;
export const KEEP_LAST = 500;
/** The most of one tool result a model is sent (characters). */
export const MAX_RESULT_CHARS = 100_000;
/** The most of one tool result the record keeps (characters of its JSON). */
export const MAX_RECORDED_CHARS = 64_000;

/** Adds to `tool_calls` or `transcript`, dropping the oldest of the middle past the bound. */
export function keepBounded<K extends 'tool_calls' | 'transcript'>(state: AgentStepResult, key: K, item: AgentStepResult[K][number]): void {
  const list = state[key] as AgentStepResult[K][number][];
  list.push(item);
  if (list.length > KEEP_FIRST + KEEP_LAST) {
    list.splice(KEEP_FIRST, 1);
    const omitted = key === 'tool_calls' ? 'tool_calls_omitted' : 'transcript_omitted';
    state[omitted] = (state[omitted] ?? 0) + 1;
  }
}

/** A text cut to `max` characters, saying how much was left out. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}\n[truncated: ${text.length - max} more characters]` : text;
}

/** A value as text: a string as it is, anything else as JSON. */
export function asText(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null');
}

/** A result, or a call's arguments, as the record and the events keep it: the value itself, or its text cut when it is too long. */
export function recorded(v: unknown): unknown {
  if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean') return v ?? null;
  let text: string;
  try {
    text = asText(v);
  } catch {
    // too deep for JSON (the call stack): kept as it is, for the run's own depth check to refuse with its LimitError
    return v;
  }
  return text.length > MAX_RECORDED_CHARS ? cut(text, MAX_RECORDED_CHARS) : v;
}
