// Embeddings from an OpenAI-compatible `/embeddings` endpoint through the `openai` SDK. A minimal
// version so the eval engine's `similar` assertion compiles and runs; the models branch owns the
// full one (same signature).
import OpenAI from 'openai';
import { BASE_URL_VARIABLES, KEY_VARIABLES } from './runner';
import { loadRegistry } from './registry';

export interface EmbedResult {
  vectors: number[][];
  tokensIn: number;
  costUsd: number;
  model: string;
}

export async function embed(model: string, texts: string[], options: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<EmbedResult> {
  const env = options.env ?? process.env;
  const i = model.indexOf(':');
  if (i <= 0) throw new Error(`Embedding model '${model}' must be written 'provider:model' (e.g. openai:text-embedding-3-small)`);
  const provider = model.slice(0, i);
  const name = model.slice(i + 1);
  const keyVar = (KEY_VARIABLES[provider] ?? [`${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`])[0];
  const apiKey = keyVar ? env[keyVar] : undefined;
  const baseURL = env[BASE_URL_VARIABLES[provider] ?? ''] || undefined;
  if (!apiKey && provider !== 'ollama') throw new Error(`No API key for embeddings from '${provider}': set ${keyVar}`);
  if (provider !== 'openai' && !baseURL) throw new Error(`Embeddings from '${provider}' need a base URL (${BASE_URL_VARIABLES[provider] ?? 'OPENAI_COMPATIBLE_BASE_URL'})`);
  const client = new OpenAI({ apiKey: apiKey ?? 'ollama', baseURL, maxRetries: 2 });
  const r = await client.embeddings.create({ model: name, input: texts }, { signal: options.signal });
  const vectors = [...r.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  const tokensIn = r.usage?.prompt_tokens ?? 0;
  const price = loadRegistry(null).find((m) => m.id === model)?.price_in ?? 0;
  return { vectors, tokensIn, costUsd: (tokensIn * price) / 1_000_000, model };
}
