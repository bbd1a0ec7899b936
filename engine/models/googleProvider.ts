// Google Gemini through `@google/genai` 2.x (it calls /v1beta): generateContent, its SSE stream,
// and structured answers with responseSchema. The SDK's own retries are off.
import { GoogleGenAI, type GenerateContentConfig, type GenerateContentResponse } from '@google/genai';
import { parseJson } from './openaiProvider';
import { ProviderError, toProviderError, type EmbedAnswer, type ModelProvider, type ProviderAnswer, type ProviderCall, type StructuredAnswer } from './provider';

export interface GoogleProviderOptions {
  apiKey: string;
  /** Host only; the SDK adds /v1beta. */
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

export function googleProvider(o: GoogleProviderOptions): ModelProvider {
  const ai = new GoogleGenAI({ apiKey: o.apiKey, httpOptions: { ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}), retryOptions: { attempts: 1 } } });
  const fail = (e: unknown, signal: AbortSignal) => toProviderError('google', e, signal);
  return {
    name: 'google',
    async generate(call): Promise<ProviderAnswer> {
      try {
        const r = await ai.models.generateContent({ model: call.model, contents: call.prompt, config: config(call) });
        return { text: r.text ?? '', ...usage(r), ...answered(r) };
      } catch (e) {
        throw fail(e, call.signal);
      }
    },
    async stream(call, onDelta): Promise<ProviderAnswer> {
      try {
        const s = await ai.models.generateContentStream({ model: call.model, contents: call.prompt, config: config(call) });
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
        r = await ai.models.generateContent({
          model: call.model,
          contents: call.prompt,
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
        const r = await ai.models.embedContent({ model: call.model, contents: call.texts, config: { abortSignal: call.signal } });
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
