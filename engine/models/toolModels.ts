// Model access for tools: the toolkit's ToolModels for one step. A call picks its model as a model
// action does, streams into the step's output, and counts its tokens, cost and model into the
// step's result with the same `model-call` events.
import type { ToolModels } from '../toolkit/toolModels';
import { ToolError } from '../toolkit/runtime';
import type { ModelCallRecord, ModelRunner } from './modelRunner';
import { registryModels, type RegistryModel } from './registry';

/** What the step executor gives: the step's own model choice and where the accounting goes. */
export interface ToolModelsHost {
  runner: ModelRunner;
  stepId: string;
  /** The step's model: its `model:`, its expert's, the pipeline's, or the default (null: none). */
  stepModel: string | null;
  /** The step's `requires_model` filters and the pipeline's selection schema. */
  requiresModel: Record<string, unknown> | null;
  selectionSchema: 'cost' | 'performance' | 'balanced';
  signal: AbortSignal;
  output(stream: 'text', chunk: string): void;
  onCall(call: ModelCallRecord): void;
  /** Adds one answer's model, tokens, cost and timings to the step's result. */
  record(answer: { model: string; tokens_in: number; tokens_out: number; cost_usd: number; latency_ms?: number; wait_ms?: number }, reason?: string): void;
}

interface RegistryRunner {
  models(): RegistryModel[];
  configured(provider: string): Promise<boolean>;
}

function registryRunner(r: ModelRunner): RegistryRunner | null {
  const x = r as Partial<RegistryRunner>;
  return typeof x.models === 'function' && typeof x.configured === 'function' ? (r as unknown as RegistryRunner) : null;
}

export function createToolModels(h: ToolModelsHost): ToolModels {
  const rr = registryRunner(h.runner);
  const registry = (): RegistryModel[] => (rr ? rr.models() : registryModels());
  return {
    registry,
    async available() {
      // text models: an embedding model writes no answer
      const all = registry().filter((m) => !m.capabilities.includes('embeddings'));
      if (!rr) return all;
      const ok = new Map<string, boolean>();
      for (const m of all) if (!ok.has(m.provider)) ok.set(m.provider, await rr.configured(m.provider));
      return all.filter((m) => ok.get(m.provider));
    },
    async generate(req) {
      let model = req.model || h.stepModel;
      let reason: string | undefined;
      if (!model && h.requiresModel && h.runner.select) {
        const chosen = await h.runner.select(h.requiresModel, h.selectionSchema);
        model = chosen.model;
        reason = chosen.reason;
      }
      model ||= req.fallbackModel ?? null;
      // ContextLab names models bare (`gpt-4o-mini`): one registry model of that name is that model
      if (model && !model.includes(':')) {
        const named = registry().filter((m) => m.name === model);
        if (named.length === 1) model = named[0].id;
      }
      if (!model) throw new ToolError(`Step '${h.stepId}' needs a model: give it 'model:', an 'expert:', 'requires_model:', or a top-level 'model:'`, 'ConfigurationError');
      const schema = req.schema ?? null;
      const params: Record<string, unknown> = { prompt: req.prompt, stream: req.stream !== false };
      if (req.max_tokens !== undefined && req.max_tokens !== null) params.max_tokens = req.max_tokens;
      if (req.temperature !== undefined && req.temperature !== null) params.temperature = req.temperature;
      const res = await h.runner.run({
        model,
        action: schema ? 'generate_structured' : 'generate',
        params,
        system: req.system ?? null,
        schema,
        signal: h.signal,
        onText: (c) => h.output('text', c),
        onCall: h.onCall,
        stepId: h.stepId,
      });
      h.record(res, reason);
      return { value: res.value, model: res.model, tokens_in: res.tokens_in, tokens_out: res.tokens_out, cost_usd: res.cost_usd };
    },
  };
}
