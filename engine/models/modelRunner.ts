// The seam between the runner and model providers: a model step asks a ModelRunner. Provider
// adapters (openai, @anthropic-ai/sdk, @google/genai, the editor's language models) implement it.
import { ToolError } from '../tools/runtime';

export interface ModelRequest {
  /** `provider:model`. */
  model: string;
  action: string;
  params: Record<string, unknown>;
  system: string | null;
  /** JSON Schema of a structured answer (generate_structured, vars). */
  schema: Record<string, unknown> | null;
  signal: AbortSignal;
  onText(chunk: string): void;
}

export interface ModelResponse {
  /** Text for generate and analyze_text, data for generate_structured, a boolean for evaluate_condition. */
  value: unknown;
  model: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
}

export interface ModelRunner {
  run(request: ModelRequest): Promise<ModelResponse>;
}

/** Used when no provider is configured: a model step fails with a clear error, never a fake answer. */
export const NO_MODELS: ModelRunner = {
  async run(req) {
    throw new ToolError(`No model provider is configured to run '${req.model}' (action '${req.action}'): model providers are not available in this build`, 'ConfigurationError');
  },
};
