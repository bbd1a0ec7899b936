// OpenAI Chat Completions through the `openai` SDK; also every OpenAI-compatible server (Ollama,
// vLLM, LM Studio, llama.cpp, Mistral) given its base URL. The SDK's own retries are off.
import OpenAI from 'openai';
import { announcedLimits } from './rateHeaders';
import { ProviderError, toProviderError, type ChatAnswer, type ChatCall, type EmbedAnswer, type ModelProvider, type ProviderAnswer, type ProviderCall, type StructuredAnswer, type WireToolCall } from './provider';
import { generatedIdPrefix, ToolCallAssembler, wireCall } from './toolCalls';
import { callSignalOptions, modelFetch } from './httpTransport';
import { audioFormat, dataUrl, type ContentPart } from './contentParts';

/** A part as Chat Completions takes it: `image_url` (a URL or a data: URL), `input_audio` (base64), `file` (a data: URL). */
function openaiPart(p: ContentPart): OpenAI.Chat.Completions.ChatCompletionContentPart {
  if (p.kind === 'image') return { type: 'image_url', image_url: { url: p.url ?? dataUrl(p) } };
  if (p.kind === 'audio') return { type: 'input_audio', input_audio: { data: p.data ?? '', format: audioFormat(p) } };
  return { type: 'file', file: { filename: p.name.split(/[\\/]/).pop() ?? p.name, file_data: dataUrl(p) } };
}

type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

/** The conversation as Chat Completions messages: a call's result is a `tool` message answering its id. */
function chatMessages(call: ChatCall): OpenAI.Chat.Completions.ChatCompletionMessageParam[] {
  const m: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [];
  if (call.system) m.push({ role: 'system', content: call.system });
  for (const msg of call.messages) {
    if (msg.role === 'user') m.push({ role: 'user', content: msg.parts?.length ? [{ type: 'text', text: msg.content }, ...msg.parts.map(openaiPart)] : msg.content });
    else if (msg.role === 'assistant') {
      const a: OpenAI.Chat.Completions.ChatCompletionAssistantMessageParam = { role: 'assistant', content: msg.text || (msg.toolCalls.length ? null : '') };
      if (msg.toolCalls.length) a.tool_calls = msg.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.argumentsText || '{}' } }));
      m.push(a);
    } else for (const r of msg.results) m.push({ role: 'tool', tool_call_id: r.id, content: r.isError ? `Error: ${r.content}` : r.content });
  }
  return m;
}

function chatBody(call: ChatCall): ChatParams {
  const body: ChatParams = { model: call.model, messages: chatMessages(call) };
  if (call.tools.length && !call.schema && call.toolChoice !== 'none') {
    body.tools = call.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } }));
    // only with tools: a server refuses parallel_tool_calls without them
    if (!call.parallelToolCalls) body.parallel_tool_calls = false;
  }
  if (call.schema) body.response_format = { type: 'json_schema', json_schema: { name: 'answer', schema: call.schema, strict: true } };
  if (call.maxTokens !== null) body.max_tokens = call.maxTokens;
  if (call.temperature !== null) body.temperature = call.temperature;
  return body;
}

export interface OpenAIProviderOptions {
  name: string;
  apiKey: string;
  baseURL?: string;
  /** For a keyless local server: what a connection failure means (`no Ollama answers at http://...`). */
  unreachable?: string;
}

function messages(call: ProviderCall): OpenAI.Chat.Completions.ChatCompletionMessageParam[] {
  const m: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [];
  if (call.system) m.push({ role: 'system', content: call.system });
  m.push({ role: 'user', content: call.parts?.length ? [{ type: 'text', text: call.prompt }, ...call.parts.map(openaiPart)] : call.prompt });
  return m;
}

function common(call: ProviderCall): { model: string; messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[]; max_tokens?: number; temperature?: number } {
  const body: ReturnType<typeof common> = { model: call.model, messages: messages(call) };
  if (call.maxTokens !== null) body.max_tokens = call.maxTokens;
  if (call.temperature !== null) body.temperature = call.temperature;
  return body;
}

export function openaiProvider(o: OpenAIProviderOptions): ModelProvider {
  const client = new OpenAI({ apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: 0, timeout: 24 * 3600_000, fetch: modelFetch });
  const fail = (e: unknown, signal: AbortSignal) => {
    const pe = toProviderError(o.name, plainError(e), signal);
    // a local server that is not running: say which address did not answer
    if (o.unreachable && pe instanceof ProviderError && pe.status === null && pe.transient && /connection failed/.test(pe.message)) return new ProviderError(`${o.name}: ${o.unreachable} (${pe.message.replace(`${o.name}: `, '')})`, null, null, true);
    return pe;
  };
  return {
    name: o.name,
    async chat(call, onDelta): Promise<ChatAnswer> {
      // the call's signal goes to modelFetch past the SDK (httpTransport.ts, callSignalOptions)
      const sent = callSignalOptions(call.signal);
      // ids for calls that came without one (some OpenAI-compatible servers)
      const generated = generatedIdPrefix(call.messages);
      const body = chatBody(call);
      try {
        if (!onDelta) {
          const { data: r, response } = await client.chat.completions.create(body, sent.options).withResponse();
          const msg = r.choices[0]?.message;
          const text = msg?.content ?? '';
          const toolCalls: WireToolCall[] = (msg?.tool_calls ?? []).flatMap((c, i) => (c.type === 'function' ? [wireCall(c.id, c.function.name, c.function.arguments ?? '', generated, i)] : []));
          return { text, toolCalls, message: { role: 'assistant', text, toolCalls }, ...(call.schema ? { data: parseJson(o.name, text) } : {}), tokensIn: r.usage?.prompt_tokens ?? 0, tokensOut: r.usage?.completion_tokens ?? 0, limits: announcedLimits(response.headers), ...answered(r) };
        }
        const { data: s, response } = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, sent.options).withResponse();
        let text = '';
        let tokensIn = 0;
        let tokensOut = 0;
        let finish: string | null = null;
        let responseModel: string | undefined;
        const calls = new ToolCallAssembler();
        for await (const chunk of s) {
          finish = chunk.choices?.[0]?.finish_reason ?? finish;
          responseModel ??= chunk.model || undefined;
          const delta = chunk.choices?.[0]?.delta;
          const d = delta?.content;
          if (d) {
            text += d;
            onDelta(d);
          }
          for (const tc of delta?.tool_calls ?? []) calls.add(tc);
          if (chunk.usage) {
            tokensIn = chunk.usage.prompt_tokens ?? 0;
            tokensOut = chunk.usage.completion_tokens ?? 0;
          }
        }
        const toolCalls = calls.finish(generated);
        return { text, toolCalls, message: { role: 'assistant', text, toolCalls }, ...(call.schema ? { data: parseJson(o.name, text) } : {}), tokensIn, tokensOut, limits: announcedLimits(response.headers), ...(finish ? { finishReasons: [finish] } : {}), ...(responseModel ? { responseModel } : {}) };
      } catch (e) {
        // a server other than OpenAI's refusing a request with tools (or a json_schema answer): the model may not have them there
        const feature = body.tools?.length ? 'tools' : body.response_format ? 'structured output' : null;
        if (o.name !== 'openai' && e instanceof OpenAI.APIError && (e.status === 400 || e.status === 422) && feature) {
          plainError(e);
          e.message = `${e.message} (${feature === 'tools' ? `tools: ${o.name} may not support function calling` : `structured output: ${o.name} may not support response_format json_schema`} for '${call.model}')`;
        }
        throw fail(e, call.signal);
      } finally {
        sent.release();
      }
    },
    async generate(call): Promise<ProviderAnswer> {
      // the call's signal goes to modelFetch past the SDK (httpTransport.ts, callSignalOptions)
      const sent = callSignalOptions(call.signal);
      try {
        const { data: r, response } = await client.chat.completions.create(common(call), sent.options).withResponse();
        return { text: r.choices[0]?.message?.content ?? '', tokensIn: r.usage?.prompt_tokens ?? 0, tokensOut: r.usage?.completion_tokens ?? 0, limits: announcedLimits(response.headers), ...answered(r) };
      } catch (e) {
        throw fail(e, call.signal);
      } finally {
        sent.release();
      }
    },
    async stream(call, onDelta): Promise<ProviderAnswer> {
      // the call's signal goes to modelFetch past the SDK (httpTransport.ts, callSignalOptions)
      const sent = callSignalOptions(call.signal);
      try {
        const { data: s, response } = await client.chat.completions.create({ ...common(call), stream: true, stream_options: { include_usage: true } }, sent.options).withResponse();
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
        return { text, tokensIn, tokensOut, limits: announcedLimits(response.headers), ...(finish ? { finishReasons: [finish] } : {}), ...(responseModel ? { responseModel } : {}) };
      } catch (e) {
        throw fail(e, call.signal);
      } finally {
        sent.release();
      }
    },
    async generateStructured(call): Promise<StructuredAnswer> {
      // the call's signal goes to modelFetch past the SDK (httpTransport.ts, callSignalOptions)
      const sent = callSignalOptions(call.signal);
      let r: OpenAI.Chat.Completions.ChatCompletion;
      let headers: Headers;
      try {
        ({ data: r, response: { headers } } = await client.chat.completions
          .create({ ...common(call), response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: call.schema, strict: true } } }, sent.options)
          .withResponse());
      } catch (e) {
        // servers other than OpenAI's may not take a json_schema response_format: say so
        if (o.name !== 'openai' && e instanceof OpenAI.APIError && (e.status === 400 || e.status === 422)) {
          plainError(e);
          e.message = `${e.message} (structured output: ${o.name} may not support response_format json_schema for '${call.model}')`;
        }
        throw fail(e, call.signal);
      } finally {
        sent.release();
      }
      const text = r.choices[0]?.message?.content ?? '';
      const usage = { tokensIn: r.usage?.prompt_tokens ?? 0, tokensOut: r.usage?.completion_tokens ?? 0 };
      return { text, data: parseJson(o.name, text), ...usage, limits: announcedLimits(headers), ...answered(r) };
    },
    async embed(call): Promise<EmbedAnswer> {
      // the call's signal goes to modelFetch past the SDK (httpTransport.ts, callSignalOptions)
      const sent = callSignalOptions(call.signal);
      try {
        // floats, not the SDK's default base64: Ollama and TGI's routes send floats only
        const { data: r, response } = await client.embeddings.create({ model: call.model, input: call.texts, encoding_format: 'float' }, sent.options).withResponse();
        const vectors = [...r.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
        if (vectors.length !== call.texts.length) throw new ProviderError(`${o.name} answered ${vectors.length} embeddings for ${call.texts.length} texts`, null, null, false);
        return { text: '', vectors, tokensIn: r.usage?.prompt_tokens ?? 0, tokensOut: 0, limits: announcedLimits(response.headers) };
      } catch (e) {
        throw fail(e, call.signal);
      } finally {
        sent.release();
      }
    },
  };
}

/**
 * Ollama, Hugging Face's router and text-generation-inference answer errors as `{"error": "text"}`
 * (TGI adds `error_type`), which the SDK words as `404 "text"`: the message becomes the text.
 */
function plainError(e: unknown): unknown {
  if (e instanceof OpenAI.APIError && typeof e.error === 'string' && /^\d{3} "/.test(e.message)) e.message = e.error;
  return e;
}

/** The finish reasons and the answering model of a completion (what traces record). */
function answered(r: OpenAI.Chat.Completions.ChatCompletion): { finishReasons?: string[]; responseModel?: string } {
  const reasons = (r.choices ?? []).map((c) => c.finish_reason).filter((x): x is NonNullable<typeof x> => typeof x === 'string');
  return { ...(reasons.length ? { finishReasons: reasons } : {}), ...(r.model ? { responseModel: r.model } : {}) };
}

/**
 * A structured answer's JSON; undefined when the text is not JSON (prose around it, a code fence, a
 * cut-off object): the runner answers the model why and asks again, within `repair.max_attempts`
 * (engine/models/runner.ts, notJsonReason), as it does an answer that fails the schema.
 */
export function parseJson(_provider: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
