// What a tool may ask of models (prompt-optimization, task-delegation, validation.extract_structured,
// ...): the contract the model layer implements for a step (engine/models/toolModels.ts).

export interface RegistryModel {
  provider: string;
  name: string;
  /** `provider:name`. */
  id: string;
  size: number | null;
  expertise: string[];
  capabilities: string[];
  modalities: string[];
  context_window: number;
  /** USD per million tokens. */
  price_in: number;
  price_out: number;
  /** Models that stand in for this one when a call fails for a reason another provider could fix. */
  fallbacks?: string[];
}

export interface ToolModelRequest {
  prompt: string;
  system?: string | null;
  /** JSON Schema of a structured answer; without one the answer is text. */
  schema?: Record<string, unknown> | null;
  /** `provider:model` for this call; else the step's model (its `model:`, expert, the pipeline's, the default). */
  model?: string | null;
  /** Used only when neither `model` nor the step gives one (nor `requires_model` selects one). */
  fallbackModel?: string | null;
  max_tokens?: number | null;
  temperature?: number | null;
  /** Stream a text answer into the step's output (default true). */
  stream?: boolean;
}

export interface ToolModelAnswer {
  /** Text, or the data matching `schema`. */
  value: unknown;
  model: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
}

export interface ToolModels {
  generate(request: ToolModelRequest): Promise<ToolModelAnswer>;
  /** The registry's models whose provider has a key or an endpoint (the whole registry when the host cannot tell). */
  available(): Promise<RegistryModel[]>;
  /** Every model of the registry (the user's file laid over the shipped one). */
  registry(): RegistryModel[];
}
