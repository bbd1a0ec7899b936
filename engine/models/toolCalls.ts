// Tool calls as providers send them, made whole: streamed OpenAI-style deltas assembled by index
// and id (Ollama numbers every call 0 and tells them apart by id only; some servers send no index),
// arguments parsed as one JSON object, and an id given where the provider gave none.
import type { ChatMessage, WireToolCall } from './provider';

/**
 * The prefix of the ids made for calls that came without one: `call_<turn>_`, the turn counted from
 * the conversation (one assistant message a turn), so that no two calls of a step share an id.
 */
export function generatedIdPrefix(messages: readonly ChatMessage[]): string {
  return `call_${messages.filter((m) => m.role === 'assistant').length + 1}_`;
}

/** One `delta.tool_calls[]` entry of a Chat Completions stream. */
export interface ToolCallDelta {
  index?: number;
  id?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

interface Building {
  index: number | undefined;
  id: string;
  name: string;
  args: string;
}

/** Assembles the tool calls of one streamed answer from its deltas, in the order they began. */
export class ToolCallAssembler {
  private readonly calls: Building[] = [];

  add(d: ToolCallDelta): void {
    const id = typeof d.id === 'string' && d.id ? d.id : '';
    const index = typeof d.index === 'number' ? d.index : undefined;
    let c: Building | undefined;
    if (id) {
      // a call with this id already begun goes on; one whose index is taken by another id is new
      c = this.calls.find((x) => x.id === id);
      if (!c) {
        const atIndex = index === undefined ? undefined : this.lastAt(index);
        c = atIndex && !atIndex.id ? atIndex : undefined;
        if (c) c.id = id;
      }
    } else if (index !== undefined) c = this.lastAt(index);
    else c = this.calls[this.calls.length - 1];
    // a name where the call has one already: a new call at the same index (no server repeats a name)
    if (c && !id && c.name && typeof d.function?.name === 'string' && d.function.name) c = undefined;
    if (!c) {
      c = { index, id, name: '', args: '' };
      this.calls.push(c);
    }
    const name = d.function?.name;
    if (typeof name === 'string' && name && !c.name) c.name = name;
    const args = d.function?.arguments;
    if (typeof args === 'string') c.args += args;
  }

  private lastAt(index: number): Building | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--) if (this.calls[i].index === index) return this.calls[i];
    return undefined;
  }

  get size(): number {
    return this.calls.length;
  }

  /** The calls, each with its arguments parsed; `idPrefix` names the calls that came without an id. */
  finish(idPrefix: string): WireToolCall[] {
    return this.calls.map((c, i) => wireCall(c.id, c.name, c.args, idPrefix, i));
  }
}

/** A call from its parts: arguments parsed (an empty text is no arguments), an id made when missing. */
export function wireCall(id: string | null | undefined, name: string, argumentsText: string, idPrefix: string, n: number): WireToolCall {
  const parsed = parseArguments(argumentsText);
  return {
    id: id || `${idPrefix}${n + 1}`,
    name,
    arguments: parsed.value,
    argumentsText,
    ...(parsed.error ? { argumentsError: parsed.error } : {}),
    ...(id ? {} : { generatedId: true as const }),
  };
}

/**
 * A value's JSON text; for one nested too deep for JSON.stringify's call stack (arguments 100,000
 * deep), a note instead of a RangeError: the agent then refuses the call by its depth (LimitError).
 */
function jsonText(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch (e) {
    if (e instanceof RangeError) return '"[nested too deep to write as JSON text]"';
    throw e;
  }
}

/** A call whose arguments came as an object (Anthropic, Gemini): their text is their JSON. */
export function wireCallOf(id: string | null | undefined, name: string, args: unknown, idPrefix: string, n: number): WireToolCall {
  const obj = args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : args === undefined || args === null ? {} : null;
  return {
    id: id || `${idPrefix}${n + 1}`,
    name,
    arguments: obj,
    argumentsText: jsonText(args ?? {}),
    ...(obj ? {} : { argumentsError: 'the arguments are not a JSON object' }),
    ...(id ? {} : { generatedId: true as const }),
  };
}

export function parseArguments(text: string): { value: Record<string, unknown> | null; error?: string } {
  if (!text.trim()) return { value: {} };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { value: null, error: `the arguments are not valid JSON (${(e as Error).message})` };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { value: null, error: 'the arguments are not a JSON object' };
  return { value: v as Record<string, unknown> };
}
