// Embedding calls through a runner's provider guard: texts in batches (bounded requests), one
// guarded call each (limits, retries, breaker, timeout, cancellation), tokens and cost summed.
// No fallback chain: vectors of different models cannot be compared with each other.
import { ToolError } from '../toolkit/runtime';
import type { ModelCallRecord, ModelRequest } from './modelRunner';
import type { EmbedAnswer, ModelProvider } from './provider';

/** Texts per request: the smallest of the providers' ceilings (Gemini's batchEmbedContents takes 100). */
export const EMBED_BATCH = 100;

export interface EmbedResult {
  vectors: number[][];
  tokensIn: number;
  costUsd: number;
  model: string;
}

/** What of a runner embedding needs: its guarded call. */
export interface GuardedCaller {
  call<T extends EmbedAnswer>(id: string, provider: string, estimate: number, signal: AbortSignal, fn: (p: ModelProvider, signal: AbortSignal) => Promise<T>, via?: Pick<ModelRequest, 'stepId' | 'budget'>): Promise<{ answer: T; record: ModelCallRecord }>;
}

/** `via`: the step the texts are embedded for and the budget each batch reserves its tokens on (the run's, `embed` action). */
export async function embedWith(runner: GuardedCaller, model: string, texts: string[], signal: AbortSignal, onCall?: (c: ModelCallRecord) => void, via?: Pick<ModelRequest, 'stepId' | 'budget'>): Promise<EmbedResult> {
  const i = model.indexOf(':');
  if (i <= 0 || i === model.length - 1) throw new ToolError(`Model '${model}' must be written 'provider:model' (e.g. openai:text-embedding-3-small)`, 'ConfigurationError');
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) throw new ToolError('Embeddings take a list of texts (strings)', 'ValueError');
  const provider = model.slice(0, i);
  const name = model.slice(i + 1);
  const out: EmbedResult = { vectors: [], tokensIn: 0, costUsd: 0, model };
  for (let at = 0; at < texts.length; at += EMBED_BATCH) {
    const batch = texts.slice(at, at + EMBED_BATCH);
    const estimate = batch.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    const { answer, record } = await runner.call(model, provider, estimate, signal, (p, s) => {
      if (!p.embed) throw new ToolError(`Provider '${provider}' has no embeddings here: use openai:, google:, huggingface:, ollama: or openai-compatible:`, 'ConfigurationError');
      return p.embed({ model: name, texts: batch, signal: s });
    }, via);
    for (const v of answer.vectors) out.vectors.push(v);
    out.tokensIn += answer.tokensIn;
    out.costUsd += record.cost_usd;
    onCall?.(record);
  }
  return out;
}
