// Anthropic Messages through `@anthropic-ai/sdk`; a structured answer is a forced tool call whose
// input schema is the requested schema. The SDK's own retries are off.
import type Anthropic from '@anthropic-ai/sdk';
import { toProviderError, type AssistantMessage, type ChatAnswer, type ChatCall, type ModelProvider, type ProviderAnswer, type ProviderCall, type StructuredAnswer, type WireToolCall } from './provider';
import { generatedIdPrefix, wireCallOf } from './toolCalls';
import { announcedLimits } from './rateHeaders';
import { modelFetch } from './httpTransport';
import type { ContentPart } from './contentParts';

/** A part as Messages takes it: `image` (base64 or a URL), `document` (a PDF as base64 or a URL, a text file as text); audio is refused before (contentParts.ts). */
function anthropicPart(p: ContentPart): Anthropic.ContentBlockParam {
  if (p.kind === 'image') return { type: 'image', source: p.url ? { type: 'url', url: p.url } : { type: 'base64', media_type: p.mediaType as 'image/png', data: p.data ?? '' } };
  if (p.mediaType === 'application/pdf') return { type: 'document', source: p.url ? { type: 'url', url: p.url } : { type: 'base64', media_type: 'application/pdf', data: p.data ?? '' } };
  return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(p.data ?? '', 'base64').toString('utf8') }, title: p.name };
}

export interface AnthropicProviderOptions {
  apiKey: string;
  baseURL?: string;
}

/** The forced tool whose input is a structured answer (engine/agent/toolNames.ts never gives a tool this wire name). */
const STRUCTURED_TOOL = 'answer';

/** Anthropic requires max_tokens; this is the default when a step gives none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

function body(call: ProviderCall): Anthropic.MessageCreateParamsNonStreaming {
  const b: Anthropic.MessageCreateParamsNonStreaming = {
    model: call.model,
    max_tokens: call.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: [{ role: 'user', content: call.parts?.length ? [...call.parts.map(anthropicPart), { type: 'text', text: call.prompt }] : call.prompt }],
  };
  if (call.system) b.system = call.system;
  // this SDK's Messages parameters have no temperature: the provider's default applies
  return b;
}

/** What a stream's message_start and message_delta events say: tokens in and out, the model, why it stopped. */
class StreamTally {
  tokensIn = 0;
  tokensOut = 0;
  stopReason: string | null = null;
  model: string | undefined = undefined;

  /** Takes an event if it is one of those two; false for any other. */
  take(ev: Anthropic.RawMessageStreamEvent): boolean {
    if (ev.type === 'message_start') {
      this.tokensIn = ev.message.usage.input_tokens;
      this.tokensOut = ev.message.usage.output_tokens;
      this.model = ev.message.model;
    } else if (ev.type === 'message_delta') {
      this.tokensOut = ev.usage.output_tokens;
      this.stopReason = ev.delta.stop_reason ?? this.stopReason;
    } else return false;
    return true;
  }

  /** The answer's figures, as a provider answer carries them. */
  figures(headers: Headers): Pick<ProviderAnswer, 'tokensIn' | 'tokensOut' | 'limits' | 'finishReasons' | 'responseModel'> {
    return { tokensIn: this.tokensIn, tokensOut: this.tokensOut, limits: announcedLimits(headers), ...answered(this.stopReason, this.model) };
  }
}

/** Why the answer ended and which model gave it, as traces record them (`gen_ai.response.finish_reasons`
 * keeps Anthropic's own words: end_turn, max_tokens, stop_sequence, tool_use, refusal…). */
function answered(stopReason: string | null | undefined, model: string | undefined): Pick<ProviderAnswer, 'finishReasons' | 'responseModel'> {
  return { ...(stopReason ? { finishReasons: [stopReason] } : {}), ...(model ? { responseModel: model } : {}) };
}

/** An answer's content blocks as parameters of the next request (what goes back unchanged). */
function blockParams(content: Anthropic.ContentBlock[]): Anthropic.ContentBlockParam[] {
  return content.map((b): Anthropic.ContentBlockParam => {
    if (b.type === 'text') return { type: 'text', text: b.text };
    if (b.type === 'tool_use') return { type: 'tool_use', id: b.id, name: b.name, input: b.input };
    if (b.type === 'thinking') return { type: 'thinking', thinking: b.thinking, signature: b.signature };
    if (b.type === 'redacted_thinking') return { type: 'redacted_thinking', data: b.data };
    return b as unknown as Anthropic.ContentBlockParam;
  });
}

/** The assistant's blocks: Anthropic's own when it gave them (less an empty text block, which the API refuses), else built from the text and calls. */
function assistantBlocks(m: AssistantMessage): Anthropic.ContentBlockParam[] {
  if (m.native?.provider === 'anthropic' && Array.isArray(m.native.content)) return (m.native.content as Anthropic.ContentBlockParam[]).filter((b) => !(b.type === 'text' && b.text === ''));
  const blocks: Anthropic.ContentBlockParam[] = [];
  if (m.text) blocks.push({ type: 'text', text: m.text });
  for (const c of m.toolCalls) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments ?? {} });
  return blocks;
}

/**
 * The conversation as Messages: every result of a turn in one user message, as the API requires,
 * and a user message that follows another (the text asking for the final answer after a limit, say)
 * joined to it as a text block after the results, so that the roles alternate. An answer that said
 * nothing is left out (the API refuses a message without content).
 */
function chatMessages(call: ChatCall): Anthropic.MessageParam[] {
  const out: Anthropic.MessageParam[] = [];
  for (const m of call.messages) {
    const next: Anthropic.MessageParam =
      m.role === 'user'
        ? { role: 'user', content: m.parts?.length ? [...m.parts.map(anthropicPart), { type: 'text' as const, text: m.content }] : m.content }
        : m.role === 'assistant'
          ? { role: 'assistant', content: assistantBlocks(m) }
          : { role: 'user', content: m.results.map((r) => ({ type: 'tool_result' as const, tool_use_id: r.id, content: r.content, ...(r.isError ? { is_error: true } : {}) })) };
    if (next.role === 'assistant' && !next.content.length) continue;
    const last = out[out.length - 1];
    if (last?.role === 'user' && next.role === 'user') last.content = [...blocksOf(last.content), ...blocksOf(next.content)];
    else out.push(next);
  }
  return out;
}

const blocksOf = (c: Anthropic.MessageParam['content']): Anthropic.ContentBlockParam[] => (typeof c === 'string' ? [{ type: 'text', text: c }] : c);

function chatBody(call: ChatCall): Anthropic.MessageCreateParamsNonStreaming {
  const b: Anthropic.MessageCreateParamsNonStreaming = { model: call.model, max_tokens: call.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS, messages: chatMessages(call) };
  if (call.system) b.system = call.system;
  // the conversation's tool_use blocks need their tools declared, even when none may be called now
  const declared = call.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters as Anthropic.Tool.InputSchema }));
  if (call.schema) {
    b.tools = [...declared, { name: STRUCTURED_TOOL, description: 'Give the answer in exactly this shape.', input_schema: call.schema as Anthropic.Tool.InputSchema }];
    b.tool_choice = { type: 'tool', name: STRUCTURED_TOOL };
  } else if (declared.length) {
    b.tools = declared;
    if (call.toolChoice === 'none') b.tool_choice = { type: 'none' };
    else if (!call.parallelToolCalls) b.tool_choice = { type: 'auto', disable_parallel_tool_use: true };
  } else {
    // no tools now (an agent handed the conversation to one with none, a session's earlier calls),
    // but tool_use blocks in the conversation: their names declared, none callable
    const used = [...new Set(call.messages.flatMap((m) => (m.role === 'assistant' ? m.toolCalls.map((c) => c.name) : [])))];
    if (used.length) {
      b.tools = used.map((name) => ({ name, description: 'Called earlier in this conversation; not available now.', input_schema: { type: 'object' } as Anthropic.Tool.InputSchema }));
      b.tool_choice = { type: 'none' };
    }
  }
  return b;
}

/** What one answer's blocks say: its text, its calls (the forced `answer` tool of a structured answer is its data). */
function fromBlocks(content: Anthropic.ContentBlock[], structured: boolean, idPrefix: string): Pick<ChatAnswer, 'text' | 'toolCalls' | 'message' | 'data'> {
  const text = content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  if (structured) {
    const use = content.find((c) => c.type === 'tool_use' && c.name === STRUCTURED_TOOL) ?? content.find((c) => c.type === 'tool_use');
    const data = use && use.type === 'tool_use' ? use.input : null;
    return { text: JSON.stringify(data), toolCalls: [], data, message: { role: 'assistant', text: JSON.stringify(data), toolCalls: [] } };
  }
  const toolCalls: WireToolCall[] = [];
  for (const c of content) if (c.type === 'tool_use') toolCalls.push(wireCallOf(c.id, c.name, c.input, idPrefix, toolCalls.length));
  return { text, toolCalls, message: { role: 'assistant', text, toolCalls, native: { provider: 'anthropic', content: blockParams(content) } } };
}

export function anthropicProvider(o: AnthropicProviderOptions): ModelProvider {
  // the SDK loads on the first call: a process that never calls Anthropic never pays for loading it
  let made: Promise<Anthropic> | undefined;
  const sdk = () => (made ??= import('@anthropic-ai/sdk').then((m) => new (m.default as unknown as typeof Anthropic)({ apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: 0, timeout: 24 * 3600_000, fetch: modelFetch })));
  const fail = (e: unknown, signal: AbortSignal) => toProviderError('anthropic', e, signal);
  return {
    name: 'anthropic',
    async chat(call, onDelta): Promise<ChatAnswer> {
      try {
        if (!onDelta) {
          const { data: r, response } = await (await sdk()).messages.create(chatBody(call), { signal: call.signal }).withResponse();
          return { ...fromBlocks(r.content, !!call.schema, generatedIdPrefix(call.messages)), tokensIn: r.usage.input_tokens, tokensOut: r.usage.output_tokens, limits: announcedLimits(response.headers), ...answered(r.stop_reason, r.model) };
        }
        const { data: s, response } = await (await sdk()).messages.create({ ...chatBody(call), stream: true }, { signal: call.signal }).withResponse();
        // the blocks as they are built: a tool_use block's input comes as pieces of JSON text
        const blocks: Anthropic.ContentBlock[] = [];
        const json = new Map<number, string>();
        /** Inputs that were not JSON, by call id: the agent answers the model that they are not. */
        const broken = new Map<string, string>();
        const tally = new StreamTally();
        for await (const ev of s) {
          if (tally.take(ev)) continue;
          if (ev.type === 'content_block_start') {
            blocks[ev.index] = { ...ev.content_block } as Anthropic.ContentBlock;
            if (ev.content_block.type === 'tool_use') json.set(ev.index, '');
          } else if (ev.type === 'content_block_delta') {
            const b = blocks[ev.index] as unknown as Record<string, unknown> | undefined;
            if (!b) continue;
            const d = ev.delta;
            if (d.type === 'text_delta') {
              b.text = `${String(b.text ?? '')}${d.text}`;
              if (!call.schema) onDelta(d.text);
            } else if (d.type === 'input_json_delta') json.set(ev.index, (json.get(ev.index) ?? '') + d.partial_json);
            else if (d.type === 'thinking_delta') b.thinking = `${String(b.thinking ?? '')}${d.thinking}`;
            else if (d.type === 'signature_delta') b.signature = d.signature;
          } else if (ev.type === 'content_block_stop') {
            const piece = json.get(ev.index);
            const b = blocks[ev.index];
            if (piece !== undefined && b?.type === 'tool_use') {
              try {
                b.input = piece.trim() ? JSON.parse(piece) : {};
              } catch {
                b.input = {};
                broken.set(b.id, piece);
              }
            }
          }
        }
        const content = blocks.filter(Boolean);
        const a = fromBlocks(content, !!call.schema, generatedIdPrefix(call.messages));
        if (broken.size) a.toolCalls = a.toolCalls.map((c) => (broken.has(c.id) ? { ...c, arguments: null, argumentsText: broken.get(c.id)!, argumentsError: 'the arguments are not valid JSON' } : c));
        return { ...a, ...tally.figures(response.headers) };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async generate(call): Promise<ProviderAnswer> {
      try {
        const { data: r, response } = await (await sdk()).messages.create(body(call), { signal: call.signal }).withResponse();
        const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
        return { text, tokensIn: r.usage.input_tokens, tokensOut: r.usage.output_tokens, limits: announcedLimits(response.headers), ...answered(r.stop_reason, r.model) };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async stream(call, onDelta): Promise<ProviderAnswer> {
      try {
        const { data: s, response } = await (await sdk()).messages.create({ ...body(call), stream: true }, { signal: call.signal }).withResponse();
        let text = '';
        const tally = new StreamTally();
        for await (const ev of s) {
          if (tally.take(ev)) continue;
          if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') {
            text += ev.delta.text;
            onDelta(ev.delta.text);
          }
        }
        return { text, ...tally.figures(response.headers) };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async generateStructured(call): Promise<StructuredAnswer> {
      let r: Anthropic.Message;
      let headers: Headers;
      try {
        ({ data: r, response: { headers } } = await (await sdk()).messages
          .create(
          {
            ...body(call),
            tools: [{ name: 'answer', description: 'Give the answer in exactly this shape.', input_schema: call.schema as Anthropic.Tool.InputSchema }],
            tool_choice: { type: 'tool', name: 'answer' },
          },
          { signal: call.signal },
          )
          .withResponse());
      } catch (e) {
        throw fail(e, call.signal);
      }
      const use = r.content.find((c) => c.type === 'tool_use');
      const data = use && use.type === 'tool_use' ? use.input : null;
      return { text: JSON.stringify(data), data, tokensIn: r.usage.input_tokens, tokensOut: r.usage.output_tokens, limits: announcedLimits(headers), ...answered(r.stop_reason, r.model) };
    },
  };
}
