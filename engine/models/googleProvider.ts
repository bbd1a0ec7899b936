// Google Gemini through `@google/genai` 3.x: generateContent, its SSE stream, and structured answers
// with responseJsonSchema. The SDK's own retries are off. The API version is v1beta, named here: it is
// the one our calls were written and tested against (responseJsonSchema, parametersJsonSchema and
// thoughtSignature are its fields), and the SDK's default moved from v1beta (2.x) to the stable v1
// in 3.0.
import type { Content, GenerateContentConfig, GenerateContentResponse, GoogleGenAI, Part } from '@google/genai';
import { parseJson } from './openaiProvider';
import { ProviderError, toProviderError, type AssistantMessage, type ChatAnswer, type ChatCall, type EmbedAnswer, type ModelProvider, type ProviderAnswer, type ProviderCall, type StructuredAnswer, type WireToolCall } from './provider';
import { generatedIdPrefix, wireCallOf } from './toolCalls';
import type { ContentPart } from './contentParts';

/** A part with nothing in it but an empty text (a stream may send one), which the API refuses; one that carries a thoughtSignature stays. */
const emptyPart = (p: Part) => !p.text && Object.keys(p).every((k) => k === 'text');

/** The model's parts: Gemini's own, as it sent them (each `thoughtSignature` where it stood), else built from the text and calls. */
function modelParts(m: AssistantMessage): Part[] {
  if (m.native?.provider === 'google' && Array.isArray(m.native.content)) return (m.native.content as Part[]).filter((p) => !emptyPart(p));
  const parts: Part[] = [];
  if (m.text) parts.push({ text: m.text });
  for (const c of m.toolCalls) parts.push({ functionCall: { ...(c.generatedId ? {} : { id: c.id }), name: c.name, args: c.arguments ?? {} } });
  return parts;
}

/** A result goes back as `{output}` or `{error}` (the API's words), its id when the call had one; an answer that said nothing is left out (the API refuses a content without parts). */
function chatContents(call: ChatCall): Content[] {
  const contents = call.messages.flatMap((m): Content[] => {
    if (m.role === 'user') return [{ role: 'user', parts: [{ text: m.content }, ...(m.parts ?? []).map(googlePart)] }];
    if (m.role === 'assistant') {
      const parts = modelParts(m);
      return parts.length ? [{ role: 'model', parts }] : [];
    }
    return [{ role: 'user', parts: m.results.map((r) => ({ functionResponse: { ...(r.generatedId ? {} : { id: r.id }), name: r.name, response: r.isError ? { error: r.content } : { output: r.content } } })) }];
  });
  // turns alternate: a text that follows the function responses (the limit's, asking for the last answer) joins their content
  const out: Content[] = [];
  for (const c of contents) {
    const last = out[out.length - 1];
    if (last && last.role === c.role) last.parts = [...(last.parts ?? []), ...(c.parts ?? [])];
    else out.push(c);
  }
  return out;
}

/** The prompt, with its parts (`inlineData` for bytes, `fileData` for a URL) after the text. */
function promptContents(call: ProviderCall): string | Content[] {
  if (!call.parts?.length) return call.prompt;
  return [{ role: 'user', parts: [{ text: call.prompt }, ...call.parts.map(googlePart)] }];
}

/** A part as Gemini takes it: `inlineData` for bytes, `fileData` for a URL. */
function googlePart(p: ContentPart): Part {
  return p.url ? { fileData: { fileUri: p.url, mimeType: p.mediaType } } : { inlineData: { mimeType: p.mediaType, data: p.data ?? '' } };
}

function chatConfig(call: ChatCall): GenerateContentConfig {
  const c = config({ ...call, prompt: '' });
  if (call.schema) {
    c.responseMimeType = 'application/json';
    c.responseJsonSchema = call.schema;
  } else if (call.tools.length && call.toolChoice !== 'none') c.tools = [{ functionDeclarations: call.tools.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.parameters })) }];
  return c;
}

/** An answer's text (thoughts left out) and calls, from its parts in order; a call without an id gets `idPrefix` and its number. */
function fromParts(parts: Part[], idPrefix: string): { text: string; toolCalls: WireToolCall[] } {
  let text = '';
  const toolCalls: WireToolCall[] = [];
  for (const p of parts) {
    if (typeof p.text === 'string' && !p.thought) text += p.text;
    if (p.functionCall) toolCalls.push(wireCallOf(p.functionCall.id, p.functionCall.name ?? '', p.functionCall.args, idPrefix, toolCalls.length));
  }
  return { text, toolCalls };
}

export interface GoogleProviderOptions {
  apiKey: string;
  /** Host only; the SDK adds /v1beta (API_VERSION). */
  baseUrl?: string;
}

function config(call: ProviderCall): GenerateContentConfig {
  const c: GenerateContentConfig = { abortSignal: call.signal };
  if (call.system) c.systemInstruction = call.system;
  if (call.maxTokens !== null) c.maxOutputTokens = call.maxTokens;
  if (call.temperature !== null) c.temperature = call.temperature;
  return c;
}

function usage(r: GenerateContentResponse): { tokensIn: number; tokensOut: number } {
  return { tokensIn: r.usageMetadata?.promptTokenCount ?? 0, tokensOut: r.usageMetadata?.candidatesTokenCount ?? 0 };
}

/** Why each candidate ended and which model answered, as traces record them: Gemini's finishReason
 * lower-cased (STOP → stop, MAX_TOKENS → max_tokens, SAFETY → safety…), its modelVersion. */
function answered(r: GenerateContentResponse): Pick<ProviderAnswer, 'finishReasons' | 'responseModel'> {
  const reasons = (r.candidates ?? []).map((c) => c.finishReason).filter((x): x is NonNullable<typeof x> => typeof x === 'string' && String(x) !== '').map((x) => String(x).toLowerCase());
  return { ...(reasons.length ? { finishReasons: reasons } : {}), ...(r.modelVersion ? { responseModel: r.modelVersion } : {}) };
}

/** The Gemini API version every call goes to (see the top of this file). */
export const API_VERSION = 'v1beta';

export function googleProvider(o: GoogleProviderOptions): ModelProvider {
  // the SDK loads on the first call: a process that never calls Gemini never pays for loading it
  let made: Promise<GoogleGenAI> | undefined;
  const sdk = () => (made ??= import('@google/genai').then((m) => new m.GoogleGenAI({ apiKey: o.apiKey, httpOptions: { ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}), apiVersion: API_VERSION, retryOptions: { attempts: 1 } } })));
  const fail = (e: unknown, signal: AbortSignal) => toProviderError('google', e, signal);
  return {
    name: 'google',
    async chat(call, onDelta): Promise<ChatAnswer> {
      const request = { model: call.model, contents: chatContents(call), config: chatConfig(call) };
      try {
        let parts: Part[] = [];
        let u = { tokensIn: 0, tokensOut: 0 };
        let end: ReturnType<typeof answered> = {};
        if (!onDelta) {
          const r = await (await sdk()).models.generateContent(request);
          parts = r.candidates?.[0]?.content?.parts ?? [];
          u = usage(r);
          end = answered(r);
        } else {
          const s = await (await sdk()).models.generateContentStream(request);
          for await (const chunk of s) {
            end = { ...end, ...answered(chunk) };
            for (const p of chunk.candidates?.[0]?.content?.parts ?? []) {
              parts.push(p);
              if (typeof p.text === 'string' && p.text && !p.thought && !call.schema) onDelta(p.text);
            }
            if (chunk.usageMetadata) u = usage(chunk);
          }
        }
        const { text, toolCalls } = fromParts(parts, generatedIdPrefix(call.messages));
        const message: AssistantMessage = { role: 'assistant', text, toolCalls, native: { provider: 'google', content: parts } };
        return { text, toolCalls, message, ...(call.schema ? { data: parseJson('google', text) } : {}), ...u, ...end };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async generate(call): Promise<ProviderAnswer> {
      try {
        const r = await (await sdk()).models.generateContent({ model: call.model, contents: promptContents(call), config: config(call) });
        return { text: r.text ?? '', ...usage(r), ...answered(r) };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async stream(call, onDelta): Promise<ProviderAnswer> {
      try {
        const s = await (await sdk()).models.generateContentStream({ model: call.model, contents: promptContents(call), config: config(call) });
        let text = '';
        let u = { tokensIn: 0, tokensOut: 0 };
        let end: ReturnType<typeof answered> = {};
        for await (const chunk of s) {
          const a = answered(chunk);
          end = { ...end, ...a };
          const d = chunk.text;
          if (d) {
            text += d;
            onDelta(d);
          }
          if (chunk.usageMetadata) u = usage(chunk);
        }
        return { text, ...u, ...end };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async generateStructured(call): Promise<StructuredAnswer> {
      let r: GenerateContentResponse;
      try {
        r = await (await sdk()).models.generateContent({
          model: call.model,
          contents: promptContents(call),
          config: { ...config(call), responseMimeType: 'application/json', responseJsonSchema: call.schema },
        });
      } catch (e) {
        throw fail(e, call.signal);
      }
      const text = r.text ?? '';
      return { text, data: parseJson('google', text), ...usage(r), ...answered(r) };
    },
    async embed(call): Promise<EmbedAnswer> {
      try {
        const r = await (await sdk()).models.embedContent({ model: call.model, contents: call.texts, config: { abortSignal: call.signal } });
        const vectors = (r.embeddings ?? []).map((e) => e.values ?? []);
        if (vectors.length !== call.texts.length) throw new ProviderError(`google answered ${vectors.length} embeddings for ${call.texts.length} texts`, null, null, false);
        // the Gemini API reports no token count for embeddings: estimated at 4 characters a token
        const tokensIn = call.texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
        return { text: '', vectors, tokensIn, tokensOut: 0 };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
  };
}
