// The models package: one factory the CLI and the editor both use.
import type { ModelRunner } from './modelRunner';
import { ProviderModelRunner, type ModelRunnerOptions } from './runner';

export type { ModelRunner, ModelRequest, ModelResponse, ModelCallRecord } from './modelRunner';
export type { ModelProvider, ProviderCall, ProviderAnswer, StructuredAnswer } from './provider';
export { ProviderModelRunner, type ModelRunnerOptions, KEY_VARIABLES, BASE_URL_VARIABLES, OLLAMA_DEFAULT_URL } from './runner';
export { TimeoutError, CircuitOpenError, type ProviderLimits, type ResilienceOptions } from './resilience';
export { selectModel, type Selection } from './selection';

/** A ModelRunner over the real providers: keys from `env` (the SDKs' variables) or `secrets`. */
export function createModelRunner(options?: { env?: NodeJS.ProcessEnv; secrets?: (provider: string) => Promise<string | undefined>; baseUrls?: Record<string, string>; registryFile?: string } & ModelRunnerOptions): ModelRunner {
  return new ProviderModelRunner(options);
}
