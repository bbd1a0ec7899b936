// Embeddings for anyone who needs vectors (the eval's `similar` assertion, the `embed` action):
// OpenAI `/embeddings` and the OpenAI-compatible servers (Hugging Face, Ollama, ...) through the
// `openai` SDK, Google through `@google/genai` embedContent. Keys and base URLs as for chat models.
import { embedWith, type EmbedResult } from './embedCalls';
import { ProviderModelRunner } from './runner';

export type { EmbedResult } from './embedCalls';

/** One runner per environment object, so calls with the same environment share limits and breakers. */
const runners = new WeakMap<object, ProviderModelRunner>();

/**
 * Embeds `texts` with `model` (`provider:model`): one vector per text, in order; tokens as the
 * provider counts them (Google: estimated at 4 characters a token); cost from the registry.
 */
export async function embed(model: string, texts: string[], options: { signal?: AbortSignal; env?: NodeJS.ProcessEnv }): Promise<EmbedResult> {
  const env = options.env ?? process.env;
  let runner = runners.get(env);
  if (!runner) runners.set(env, (runner = new ProviderModelRunner({ env })));
  return runner.embed(model, texts, options.signal ?? new AbortController().signal);
}

export { embedWith };
