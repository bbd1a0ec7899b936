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
  /** Told about every successful provider call (a structured answer retried once makes two). */
  onCall?(call: ModelCallRecord): void;
}

/** One successful provider call: what the step result and the `model-call` event record. */
export interface ModelCallRecord {
  model: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  /** From the request leaving our layer to the answer's end, retries included. */
  latency_ms: number;
  /** Time spent waiting for the provider's rate limiter and concurrency slots. */
  wait_ms: number;
  /** Provider attempts this call took (retries of 429, 5xx, resets included). */
  attempts: number;
  /** What traces record of the call (the GenAI conventions), when the runner knows it. */
  provider?: string;
  /** The model that answered, as the provider named it. */
  response_model?: string;
  finish_reasons?: string[];
  max_tokens?: number | null;
  temperature?: number | null;
}

export interface ModelResponse {
  /** Text for generate and analyze_text, data for generate_structured, a boolean for evaluate_condition. */
  value: unknown;
  model: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  latency_ms?: number;
  wait_ms?: number;
}

export interface ModelRunner {
  run(request: ModelRequest): Promise<ModelResponse>;
  /**
   * Chooses a model for a step that names none, from `requires_model` and the pipeline's
   * `selection_schema`; throws a ConfigurationError naming the filters when none fits.
   */
  select?(filters: Record<string, unknown>, schema: 'cost' | 'performance' | 'balanced'): Promise<{ model: string; reason: string }>;
}

/** Used when no provider is configured: a model step fails with a clear error, never a fake answer. */
export const NO_MODELS: ModelRunner = {
  async run(req) {
    throw new ToolError(`No model provider is configured to run '${req.model}' (action '${req.action}'): model providers are not available in this build`, 'ConfigurationError');
  },
};
