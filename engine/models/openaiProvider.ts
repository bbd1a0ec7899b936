// OpenAI Chat Completions through the `openai` SDK; also every OpenAI-compatible server (Ollama,
// vLLM, LM Studio, llama.cpp, Mistral) given its base URL. The SDK's own retries are off.
import OpenAI from 'openai';
import { ProviderError, toProviderError, type ModelProvider, type ProviderAnswer, type ProviderCall, type StructuredAnswer } from './provider';

export interface OpenAIProviderOptions {
  name: string;
  apiKey: string;
  baseURL?: string;
}

function messages(call: ProviderCall): OpenAI.Chat.Completions.ChatCompletionMessageParam[] {
  const m: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [];
  if (call.system) m.push({ role: 'system', content: call.system });
  m.push({ role: 'user', content: call.prompt });
  return m;
}

function common(call: ProviderCall): { model: string; messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[]; max_tokens?: number; temperature?: number } {
  const body: ReturnType<typeof common> = { model: call.model, messages: messages(call) };
  if (call.maxTokens !== null) body.max_tokens = call.maxTokens;
  if (call.temperature !== null) body.temperature = call.temperature;
  return body;
}

export function openaiProvider(o: OpenAIProviderOptions): ModelProvider {
  const client = new OpenAI({ apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: 0, timeout: 24 * 3600_000 });
  const fail = (e: unknown, signal: AbortSignal) => toProviderError(o.name, e, signal);
  return {
    name: o.name,
    async generate(call): Promise<ProviderAnswer> {
      try {
        const r = await client.chat.completions.create(common(call), { signal: call.signal });
        return { text: r.choices[0]?.message?.content ?? '', tokensIn: r.usage?.prompt_tokens ?? 0, tokensOut: r.usage?.completion_tokens ?? 0, ...answered(r) };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async stream(call, onDelta): Promise<ProviderAnswer> {
      try {
        const s = await client.chat.completions.create({ ...common(call), stream: true, stream_options: { include_usage: true } }, { signal: call.signal });
        let text = '';
        let tokensIn = 0;
        let tokensOut = 0;
        let finish: string | null = null;
        let responseModel: string | undefined;
        for await (const chunk of s) {
          finish = chunk.choices?.[0]?.finish_reason ?? finish;
          responseModel ??= chunk.model || undefined;
          const d = chunk.choices?.[0]?.delta?.content;
          if (d) {
            text += d;
            onDelta(d);
          }
          if (chunk.usage) {
            tokensIn = chunk.usage.prompt_tokens ?? 0;
            tokensOut = chunk.usage.completion_tokens ?? 0;
          }
        }
        return { text, tokensIn, tokensOut, ...(finish ? { finishReasons: [finish] } : {}), ...(responseModel ? { responseModel } : {}) };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async generateStructured(call): Promise<StructuredAnswer> {
      let r: OpenAI.Chat.Completions.ChatCompletion;
      try {
        r = await client.chat.completions.create(
          { ...common(call), response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: call.schema, strict: true } } },
          { signal: call.signal },
        );
      } catch (e) {
        throw fail(e, call.signal);
      }
      const text = r.choices[0]?.message?.content ?? '';
      const usage = { tokensIn: r.usage?.prompt_tokens ?? 0, tokensOut: r.usage?.completion_tokens ?? 0 };
      return { text, data: parseJson(o.name, text), ...usage, ...answered(r) };
    },
  };
}

/** The finish reasons and the answering model of a completion (what traces record). */
function answered(r: OpenAI.Chat.Completions.ChatCompletion): { finishReasons?: string[]; responseModel?: string } {
  const reasons = (r.choices ?? []).map((c) => c.finish_reason).filter((x): x is NonNullable<typeof x> => typeof x === 'string');
  return { ...(reasons.length ? { finishReasons: reasons } : {}), ...(r.model ? { responseModel: r.model } : {}) };
}

export function parseJson(provider: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError(`${provider} answered text that is not JSON: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`, null, null, false);
  }
}
