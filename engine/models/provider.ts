// One interface every model provider implements: the SDK adapters here, and any host-supplied
// provider (the editor's language models) whose generate/stream wrap an external function.
import type { AnnouncedLimits } from './rateHeaders';
import type { ContentPart } from './contentParts';

export interface ProviderCall {
  /** The model's name inside its provider (no `provider:` prefix). */
  model: string;
  system: string | null;
  prompt: string;
  maxTokens: number | null;
  temperature: number | null;
  signal: AbortSignal;
  /** Images, files and audio sent with the prompt (engine/models/contentParts.ts), in the provider's own content parts. */
  parts?: ContentPart[];
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

/**
 * Function calling, in one form every provider adapter reads and writes (engine/agent builds the
 * conversation; each adapter turns it into its wire's messages and back). Tool names here are the
 * wire names the agent chose (engine/agent/toolNames.ts), already valid on every provider.
 */
export interface ToolDecl {
  name: string;
  description: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: Record<string, unknown>;
}

/** A call the model asked for. */
export interface WireToolCall {
  /** The provider's id of the call; ours (`call_<turn>_<n>`) when the provider gave none (`generatedId`). */
  id: string;
  name: string;
  /** The arguments as parsed JSON; null when the model's text is not a JSON object (`argumentsError` says why). */
  arguments: Record<string, unknown> | null;
  /** The arguments as the model wrote them. */
  argumentsText: string;
  argumentsError?: string;
  /** The provider gave no id (Gemini may not): it is not sent back. */
  generatedId?: true;
}

/** An assistant turn as the provider gave it: `native` is echoed back unchanged to the same provider
 * (Gemini's parts with their `thoughtSignature`, Anthropic's content blocks), and rebuilt from
 * `text` and `toolCalls` for another one (a fallback model). */
export interface AssistantMessage {
  role: 'assistant';
  text: string;
  toolCalls: WireToolCall[];
  native?: { provider: string; content: unknown };
}

export interface ToolResultMessage {
  role: 'tool';
  /** One result for every call of the turn before, in the order of the calls. */
  results: { id: string; name: string; content: string; isError: boolean; generatedId?: true }[];
}

/** `parts`: images, files and audio sent with the user's text (an agent step's `images:`...; engine/models/contentParts.ts). */
export type ChatMessage = { role: 'user'; content: string; parts?: ContentPart[] } | AssistantMessage | ToolResultMessage;

export interface ChatCall {
  model: string;
  system: string | null;
  messages: ChatMessage[];
  tools: ToolDecl[];
  /** The provider may ask for several calls in one turn (OpenAI's `parallel_tool_calls`; Anthropic's `disable_parallel_tool_use`). */
  parallelToolCalls: boolean;
  /** `none`: the model must answer without calling a tool (the last call after a limit); the tools stay declared where the provider needs them for the calls already in the conversation. */
  toolChoice: 'auto' | 'none';
  /** A structured final answer (no tool is called): the JSON Schema it must match. */
  schema: Record<string, unknown> | null;
  maxTokens: number | null;
  temperature: number | null;
  signal: AbortSignal;
}

export interface ChatAnswer extends ProviderAnswer {
  toolCalls: WireToolCall[];
  /** The assistant message to send back next turn. */
  message: AssistantMessage;
  /** A structured answer's parsed JSON (`schema` given). */
  data?: unknown;
}

export interface ModelProvider {
  readonly name: string;
  /** One turn of a conversation with tools; `onDelta` (streaming) receives the text as it comes. Absent: the provider cannot call tools. */
  chat?(call: ChatCall, onDelta?: (text: string) => void): Promise<ChatAnswer>;
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
