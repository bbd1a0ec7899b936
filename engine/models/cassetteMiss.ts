// A replayed call the cassette has no answer for: the step fails at once (no retry, never a live
// call), and the error says what differs from the nearest recorded request.
import * as path from 'node:path';
import { ToolError } from '../toolkit/runtime';
import { canonicalJson, type CassetteLine, type CassetteRequest } from './cassetteFile';
import type { ChatMessage } from './provider';

export class CassetteMissError extends ToolError {
  constructor(message: string) {
    super(message, 'CassetteMiss');
  }

  override get retryable(): boolean {
    return false;
  }
}

const FIELDS = ['model', 'kind', 'system', 'prompt', 'messages', 'tools', 'max_tokens', 'temperature', 'schema'] as const;
type Field = (typeof FIELDS)[number];

/** A chat turn's conversation (or a call's prompt) as one text, where two requests part. */
function promptText(r: CassetteRequest): string {
  return r.messages ? canonicalJson(r.messages) : r.prompt;
}

function differs(a: CassetteRequest, b: CassetteRequest, f: Field): boolean {
  if (f === 'model') return a.provider !== b.provider || a.model !== b.model;
  if (f === 'schema' || f === 'messages' || f === 'tools') return canonicalJson(a[f] ?? null) !== canonicalJson(b[f] ?? null);
  return a[f] !== b[f];
}

const KIND_WORDS: Record<CassetteRequest['kind'], string> = { text: 'text', structured: 'a structured answer', chat: "an agent's turn", tool: 'a tool call' };

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Up to 40 characters around `at` (JSON-quoted), with … where cut. */
function around(s: string, at: number): string {
  const from = Math.max(0, at - 20);
  const to = Math.min(s.length, at + 20);
  return `${from > 0 ? '…' : ''}${JSON.stringify(s.slice(from, to))}${to < s.length ? '…' : ''}`;
}

function textDiff(name: string, recorded: string, now: string): string {
  const i = commonPrefix(recorded, now);
  if (i === recorded.length && i === now.length) return `${name} is the same`;
  const where = i >= recorded.length ? `(the recorded ${name} ends there)` : i >= now.length ? `(this ${name} ends there)` : '';
  return `${name} differs at character ${i + 1}${where ? ` ${where}` : ''}: recorded ${around(recorded, i)}, now ${around(now, i)}`;
}

/** Where two conversations part: the first message that differs, and in it the text that does. */
function conversationDiff(recorded: ChatMessage[], now: ChatMessage[]): string {
  for (let i = 0; i < Math.max(recorded.length, now.length); i++) {
    const a = recorded[i];
    const b = now[i];
    if (!a) return `the conversation has ${now.length - recorded.length} more message${now.length - recorded.length === 1 ? '' : 's'} than the recorded one (from message ${i + 1}, ${b.role})`;
    if (!b) return `the recorded conversation has ${recorded.length - now.length} more message${recorded.length - now.length === 1 ? '' : 's'} (from message ${i + 1}, ${a.role})`;
    if (canonicalJson(a) === canonicalJson(b)) continue;
    const where = `message ${i + 1}`;
    if (a.role !== b.role) return `${where} is ${b.role === 'tool' ? 'tool results' : `a ${b.role} message`}; the recorded one is ${a.role === 'tool' ? 'tool results' : `a ${a.role} message`}`;
    if (a.role === 'user' && b.role === 'user') return textDiff(`${where} (the user's)`, a.content, b.content);
    if (a.role === 'tool' && b.role === 'tool') {
      for (let k = 0; k < Math.max(a.results.length, b.results.length); k++) {
        const x = a.results[k];
        const y = b.results[k];
        if (!x || !y) return `${where} answers ${b.results.length} call${b.results.length === 1 ? '' : 's'}; the recorded one ${a.results.length}`;
        if (x.id !== y.id || x.name !== y.name) return `${where}: result ${k + 1} answers ${y.name} (${y.id}); the recorded one ${x.name} (${x.id})`;
        if (x.content !== y.content || x.isError !== y.isError) return textDiff(`the result of ${y.name} (call ${y.id}, ${where})`, x.content, y.content);
      }
    }
    if (a.role === 'assistant' && b.role === 'assistant') return textDiff(`${where} (the model's)`, canonicalJson({ text: a.text, toolCalls: a.toolCalls }), canonicalJson({ text: b.text, toolCalls: b.toolCalls }));
    return `${where} differs`;
  }
  return 'the conversation is the same';
}

function describe(f: Field, recorded: CassetteRequest, now: CassetteRequest): string {
  switch (f) {
    case 'model':
      return `model ${now.provider}:${now.model} was recorded as ${recorded.provider}:${recorded.model}`;
    case 'kind':
      return `this call asks for ${KIND_WORDS[now.kind]}; the recorded one asked for ${KIND_WORDS[recorded.kind]}`;
    case 'system':
      if (recorded.system === null) return 'system prompt was recorded as none';
      if (now.system === null) return 'system prompt was recorded, this call has none';
      return textDiff('system prompt', recorded.system, now.system);
    case 'prompt':
      return textDiff('prompt', recorded.prompt, now.prompt);
    case 'schema':
      return textDiff('schema', canonicalJson(recorded.schema), canonicalJson(now.schema));
    case 'messages':
      return conversationDiff(recorded.messages ?? [], now.messages ?? []);
    case 'tools':
      return textDiff('tools offered', canonicalJson(recorded.tools ?? null), canonicalJson(now.tools ?? null));
    default:
      return `${f} ${String(now[f])} was recorded as ${String(recorded[f])}`;
  }
}

/** The recorded line nearest to `now`: fewest differing fields, then the same step, then the longest common prompt. */
export function nearestLine(lines: Iterable<CassetteLine>, now: CassetteRequest, stepId: string | null): { line: CassetteLine; fields: Field[] } | null {
  let best: { line: CassetteLine; fields: Field[]; sameStep: boolean; prefix: number } | null = null;
  for (const line of lines) {
    const fields = FIELDS.filter((f) => differs(line.request, now, f));
    const sameStep = stepId !== null && line.stepId === stepId;
    const prefix = commonPrefix(promptText(line.request), promptText(now));
    const better =
      !best ||
      fields.length < best.fields.length ||
      (fields.length === best.fields.length && (sameStep && !best.sameStep ? true : sameStep === best.sameStep && prefix > best.prefix));
    if (better) best = { line, fields, sameStep, prefix };
  }
  return best && { line: best.line, fields: best.fields };
}

/** The miss in words: which step, which cassette, and what differs from the nearest recorded request. */
export function missError(file: string, lines: Iterable<CassetteLine>, now: CassetteRequest, stepId: string | null): CassetteMissError {
  const who = stepId === null ? 'A model call' : `Step '${stepId}'`;
  if (now.kind === 'tool') return new CassetteMissError(`${who}: the cassette ${path.basename(file)} has no recorded result for the call of ${now.model} with the arguments ${now.prompt.length > 200 ? `${now.prompt.slice(0, 200)}…` : now.prompt}${(now.occurrence ?? 1) > 1 ? ` (call ${now.occurrence} with these arguments)` : ''} (--replay-tools runs no tool). Record again with --record, or replay without --replay-tools.`);
  const head = `${who}: the cassette ${path.basename(file)} has no recorded answer for this call to ${now.provider}:${now.model} (a replay makes no live call)`;
  const near = nearestLine(lines, now, stepId);
  if (!near) return new CassetteMissError(`${head}; the cassette holds no call. Record it with --record.`);
  const from = near.line.stepId === null ? '' : ` (step '${near.line.stepId}')`;
  const what = near.fields.length ? describe(near.fields[0], near.line.request, now) : 'the request is the same but its key is not (a cassette edited by hand?)';
  const more = near.fields.length > 1 ? ` (${near.fields.slice(1).map((f) => (f === 'model' ? 'model' : f === 'kind' ? 'answer kind' : f === 'messages' ? 'conversation' : f.replace('_', ' '))).join(', ')} differ too)` : '';
  return new CassetteMissError(`${head}. Nearest recorded request${from}: ${what}${more}. Record again with --record, or run the step live.`);
}
