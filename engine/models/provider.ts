// One interface every model provider implements: the SDK adapters here, and any host-supplied
// provider (the editor's language models) whose generate/stream wrap an external function.
import type { AnnouncedLimits } from './rateHeaders';

export interface ProviderCall {
  /** The model's name inside its provider (no `provider:` prefix). */
  model: string;
  system: string | null;
  prompt: string;
  maxTokens: number | null;
  temperature: number | null;
  signal: AbortSignal;
}

export interface ProviderAnswer {
  text: string;
  tokensIn: number;
  tokensOut: number;
  /** The rate limits the response's headers announced (engine/models/rateHeaders.ts). */
  limits?: AnnouncedLimits | null;
  /** Why the model stopped (`stop`, `length`...), and the model that answered, when the provider says. */
  finishReasons?: string[];
  responseModel?: string;
}

export interface StructuredAnswer extends ProviderAnswer {
  /** The parsed JSON object (validated by the caller). */
  data: unknown;
}

/** Texts to embed in one request (engine/models/embeddings.ts batches them). */
export interface EmbedCall {
  model: string;
  texts: string[];
  signal: AbortSignal;
}

export interface EmbedAnswer extends ProviderAnswer {
  /** One vector per text, in order. */
  vectors: number[][];
}

export interface ModelProvider {
  readonly name: string;
  generate(call: ProviderCall): Promise<ProviderAnswer>;
  /** Streams text deltas in order; resolves with the whole answer. */
  stream(call: ProviderCall, onDelta: (text: string) => void): Promise<ProviderAnswer>;
  generateStructured(call: ProviderCall & { schema: Record<string, unknown> }): Promise<StructuredAnswer>;
  /** Embeddings, where the provider has them. */
  embed?(call: EmbedCall): Promise<EmbedAnswer>;
}

/**
 * A provider's failure in the terms the resilience layer needs: the HTTP status (null for a
 * connection failure) and how long the server asked us to wait.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryAfterMs: number | null,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Reads `retry-after-ms` (milliseconds) or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined | null, now = Date.now()): number | null {
  if (!headers || typeof headers.get !== 'function') return null;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const s = headers.get('retry-after');
  if (s === null || s.trim() === '') return null;
  if (Number.isFinite(Number(s))) return Math.max(0, Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** 408, 409, 429, 5xx (529 included) and connection failures are worth another attempt. */
export function isTransientStatus(status: number | null): boolean {
  return status === null || status === 408 || status === 409 || status === 429 || status >= 500;
}

function isAbort(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return e.name === 'AbortError' || e.name === 'APIUserAbortError' || /aborted/i.test(e.constructor?.name ?? '');
}

/** Turns an SDK error into a ProviderError; aborts and our own errors pass through unchanged. */
export function toProviderError(provider: string, e: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? e;
  if (isAbort(e) || e instanceof ProviderError) return e;
  if (!(e instanceof Error)) return new ProviderError(`${provider}: ${String(e)}`, null, null, true);
  const status = typeof (e as { status?: unknown }).status === 'number' ? (e as unknown as { status: number }).status : null;
  const headers = (e as { headers?: { get(name: string): string | null } }).headers;
  if (status === null) {
    // a bad answer we could not parse is not a connection failure
    if (e instanceof SyntaxError || e.name === 'ProviderError') return new ProviderError(`${provider}: ${e.message}`, null, null, false);
    return new ProviderError(`${provider}: connection failed (${e.message})`, null, null, true);
  }
  return new ProviderError(`${provider} answered HTTP ${status}: ${e.message}`, status, retryAfterMs(headers), isTransientStatus(status));
}

const PRODUCT: Record<string, string> = { ollama: 'Ollama' };

/** The words for a keyless local server that does not answer: `no Ollama answers at http://127.0.0.1:11434/v1`. */
export function unreachableWords(provider: string, address: string): string {
  return `no ${PRODUCT[provider] ?? provider} answers at ${address}`;
}
