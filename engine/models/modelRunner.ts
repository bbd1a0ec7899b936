// The seam between the runner and model providers: a model step asks a ModelRunner. Provider
// adapters (openai, @anthropic-ai/sdk, @google/genai, the editor's language models) implement it.
import type { ContentPart } from './contentParts';
import { ToolError } from '../toolkit/runtime';
import type { AssistantMessage, ChatCall, ModelProvider, ProviderAnswer, WireToolCall } from './provider';

/** What a call needs of the run's cassette (RunCassette in cassette.ts is the one there is). */
export interface RequestCassette {
  modeFor(stepId: string | null): 'record' | 'replay' | 'live';
  /** Answers the call from the cassette, with the recorded tokens and cost as one attempt. */
  replay<T extends ProviderAnswer>(id: string, provider: string, stepId: string | null, signal: AbortSignal, fn: (p: ModelProvider, signal: AbortSignal) => Promise<T>): Promise<{ answer: T; record: ModelCallRecord }>;
  /** The provider with every answer it gives written to the cassette. */
  recorder(inner: ModelProvider, provider: string, stepId: string | null, price: (tokensIn: number, tokensOut: number) => number): ModelProvider;
}

export interface ModelRequest {
  /** `provider:model`. */
  model: string;
  /**
   * The models that stand in for `model`, in order, when a call fails for a reason another
   * provider could fix (engine/models/fallback.ts). Undefined: the registry's `fallbacks` for it.
   */
  fallbacks?: string[];
  action: string;
  params: Record<string, unknown>;
  system: string | null;
  /** JSON Schema of a structured answer (generate_structured, vars). */
  schema: Record<string, unknown> | null;
  signal: AbortSignal;
  onText(chunk: string): void;
  /** Told about every successful provider call (a structured answer retried once makes two). */
  onCall?(call: ModelCallRecord): void;
  /** The step that asks (a cassette's `live` steps, its misses). */
  stepId?: string;
  /** The run's cassette: calls are recorded to it or answered from it (runPipeline sets it). */
  cassette?: RequestCassette;
  /** The run's budget (engine/guard/ledger.ts): every provider call reserves its worst case here first (runPipeline sets it). */
  budget?: BudgetHook;
  /** Structured answers: how many more calls may repair an answer that fails its schema (default 1). */
  repairAttempts?: number;
  /** Images, files and audio sent with the prompt (`images:`, `files:`, `audio:`), read and checked by the run (engine/models/contentParts.ts). */
  parts?: ContentPart[];
}

/** Tokens out a call is reserved for when its request sets no `max_tokens`. */
export const WORST_CASE_OUT_TOKENS = 4096;

/** A call's worst case, reserved before it starts: tokens in (estimated) and out (`max_tokens`), and their price. */
export interface WorstCase {
  model: string;
  tokensIn: number;
  tokensOut: number;
  usd: number;
  /** false: the registry has no price for the model, so `usd` is not its cost (a cost budget refuses the call). */
  priced?: boolean;
}

/** What a reserved call holds of the budget: settled to what it really cost, or released when it failed. */
export interface BudgetHold {
  /** Aborted when the budget is spent while the call is in flight (its reason a BudgetExceededError). */
  readonly signal: AbortSignal;
  settle(tokens: number, usd: number): void;
}

/** The budget a call draws on: `reserve` waits while calls in flight may free room, and throws BudgetExceededError when the worst case cannot fit. */
export interface BudgetHook {
  reserve(worst: WorstCase, signal: AbortSignal): Promise<BudgetHold>;
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
  /** Set when the provider's token counts could not be taken (engine/models/usageFigures.ts): which, and that they were counted as 0. */
  usage?: string;
  /** What traces record of the call (the GenAI conventions), when the runner knows it. */
  provider?: string;
  /** The model that answered, as the provider named it. */
  response_model?: string;
  finish_reasons?: string[];
  max_tokens?: number | null;
  temperature?: number | null;
}

/** One model of a fallback chain: what it did for the step (the step result's `models_tried`). */
export interface ModelTry {
  model: string;
  /** `answered`; `passed-over` (failed, the next model was asked); `failed` (the chain ended here). */
  outcome: 'answered' | 'passed-over' | 'failed';
  /** Why it was passed over or why the chain stopped at it. */
  reason?: string;
  error?: string;
  error_type?: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
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
  /** Every model asked, in order, when the call had fallbacks. */
  tried?: ModelTry[];
}

/** One turn of an agent's conversation: the provider's call (the conversation so far and the tools it may call), the model as `provider:model`, and what the runner does with the answer. */
export interface ChatRequest extends Omit<ChatCall, 'model'> {
  /** `provider:model`. */
  model: string;
  /** Stream the text to `onText` as it comes (default true). */
  stream: boolean;
  onText(chunk: string): void;
  onCall?(call: ModelCallRecord): void;
  stepId?: string;
  cassette?: RequestCassette;
  budget?: BudgetHook;
}

export interface ChatResponse extends Required<Pick<ModelResponse, 'model' | 'tokens_in' | 'tokens_out' | 'cost_usd' | 'latency_ms' | 'wait_ms'>> {
  /** The model's text, secrets redacted. */
  text: string;
  /** The calls it asked for, as it wrote them (the agent validates them). */
  toolCalls: WireToolCall[];
  /** What goes back into the conversation. */
  message: AssistantMessage;
  /** A structured answer's data (`schema` given). */
  data?: unknown;
  finish_reasons?: string[];
  /** The provider's token counts could not be taken: which, counted as 0 (ModelCallRecord.usage). */
  usage?: string;
}

export interface ModelRunner {
  run(request: ModelRequest): Promise<ModelResponse>;
  /** A turn of a conversation with tools (agent steps); absent: this runner's models cannot call tools. */
  chat?(request: ChatRequest): Promise<ChatResponse>;
  /** Honours `ModelRequest.cassette` (a run with a cassette refuses a runner that does not). */
  readonly playsCassettes?: boolean;
  /** Reserves every provider call on `ModelRequest.budget` itself (else the run reserves around each request). */
  readonly honoursBudget?: boolean;
  /**
   * Chooses a model for a step that names none, from `requires_model` and the pipeline's
   * `selection_schema`; throws a ConfigurationError naming the filters when none fits.
   */
  /** Embeds texts with one model: vectors in order, tokens and cost (engine/models/embedCalls.ts). */
  embed?(model: string, texts: string[], signal: AbortSignal, onCall?: (c: ModelCallRecord) => void, via?: Pick<ModelRequest, 'stepId' | 'budget'>): Promise<{ vectors: number[][]; tokensIn: number; costUsd: number; model: string }>;
  select?(filters: Record<string, unknown>, schema: 'cost' | 'performance' | 'balanced'): Promise<{ model: string; reason: string }>;
}

/** Used when no provider is configured: a model step fails with a clear error, never a fake answer. */
export const NO_MODELS: ModelRunner = {
  async run(req) {
    throw new ToolError(`No model provider is configured to run '${req.model}' (action '${req.action}'): model providers are not available in this build`, 'ConfigurationError');
  },
};
