// Anthropic Messages through `@anthropic-ai/sdk`; a structured answer is a forced tool call whose
// input schema is the requested schema. The SDK's own retries are off.
import Anthropic from '@anthropic-ai/sdk';
import { toProviderError, type ModelProvider, type ProviderAnswer, type ProviderCall, type StructuredAnswer } from './provider';
import { announcedLimits } from './rateHeaders';

export interface AnthropicProviderOptions {
  apiKey: string;
  baseURL?: string;
}

/** Anthropic requires max_tokens; this is the default when a step gives none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

function body(call: ProviderCall): Anthropic.MessageCreateParamsNonStreaming {
  const b: Anthropic.MessageCreateParamsNonStreaming = {
    model: call.model,
    max_tokens: call.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: [{ role: 'user', content: call.prompt }],
  };
  if (call.system) b.system = call.system;
  // this SDK's Messages parameters have no temperature: the provider's default applies
  return b;
}

/** Why the answer ended and which model gave it, as traces record them (`gen_ai.response.finish_reasons`
 * keeps Anthropic's own words: end_turn, max_tokens, stop_sequence, tool_use, refusal…). */
function answered(stopReason: string | null | undefined, model: string | undefined): Pick<ProviderAnswer, 'finishReasons' | 'responseModel'> {
  return { ...(stopReason ? { finishReasons: [stopReason] } : {}), ...(model ? { responseModel: model } : {}) };
}

export function anthropicProvider(o: AnthropicProviderOptions): ModelProvider {
  const client = new Anthropic({ apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: 0, timeout: 24 * 3600_000 });
  const fail = (e: unknown, signal: AbortSignal) => toProviderError('anthropic', e, signal);
  return {
    name: 'anthropic',
    async generate(call): Promise<ProviderAnswer> {
      try {
        const { data: r, response } = await client.messages.create(body(call), { signal: call.signal }).withResponse();
        const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
        return { text, tokensIn: r.usage.input_tokens, tokensOut: r.usage.output_tokens, limits: announcedLimits(response.headers), ...answered(r.stop_reason, r.model) };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async stream(call, onDelta): Promise<ProviderAnswer> {
      try {
        const { data: s, response } = await client.messages.create({ ...body(call), stream: true }, { signal: call.signal }).withResponse();
        let text = '';
        let tokensIn = 0;
        let tokensOut = 0;
        let stopReason: string | null = null;
        let model: string | undefined;
        for await (const ev of s) {
          if (ev.type === 'message_start') {
            tokensIn = ev.message.usage.input_tokens;
            tokensOut = ev.message.usage.output_tokens;
            model = ev.message.model;
          } else if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') {
            text += ev.delta.text;
            onDelta(ev.delta.text);
          } else if (ev.type === 'message_delta') {
            tokensOut = ev.usage.output_tokens;
            stopReason = ev.delta.stop_reason ?? stopReason;
          }
        }
        return { text, tokensIn, tokensOut, limits: announcedLimits(response.headers), ...answered(stopReason, model) };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async generateStructured(call): Promise<StructuredAnswer> {
      let r: Anthropic.Message;
      let headers: Headers;
      try {
        ({ data: r, response: { headers } } = await client.messages
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
