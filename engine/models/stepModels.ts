// Which model providers a pipeline's model steps (and tool steps whose action calls a model) will call, before it runs: a step's `model:` (or
// `model` parameter), its expert's, the pipeline's, else a default. Steps that choose by
// `requires_model` are left out (selection picks among configured providers).
import type { Pipeline, Step } from '../spec/types';
import { actionSpec, TOOL_SPECS } from '../toolkit/toolSpecs';
import { fallbacksFor } from './fallback';

function walk(steps: Step[], visit: (s: Step) => void): void {
  for (const s of steps) {
    visit(s);
    if (s.body) walk(s.body, visit);
  }
}

/** The model a step will call first, as the run chooses it; null when it is chosen at run time. */
function firstModelOf(s: Step, p: Pipeline, defaultModel: string | null): string | null {
  // model actions, and tool actions that call a model (prompt-optimization, validation.extract_structured, ...)
  if (s.loop || !s.action || !actionSpec(TOOL_SPECS, s.tool, s.action)?.usesModel) return null;
  const own = typeof s.parameters.model === 'string' && s.parameters.model ? s.parameters.model : null;
  const expert = s.expert && Object.prototype.hasOwnProperty.call(p.experts, s.expert) ? p.experts[s.expert] : null;
  const model = own ?? s.model ?? expert ?? p.model ?? (s.requiresModel ? null : defaultModel);
  return model && model.indexOf(':') > 0 && !model.includes('<AUTO') && !model.includes('{{') ? model : null;
}

const providerOf = (model: string) => model.slice(0, model.indexOf(':'));

export function modelProvidersOf(p: Pipeline, defaultModel: string | null = null): string[] {
  const out = new Set<string>();
  walk(p.steps, (s) => {
    const model = firstModelOf(s, p, defaultModel);
    if (model) out.add(providerOf(model));
  });
  return [...out].sort();
}

/** A fallback chain the run will call, and the steps that call it. */
export interface ModelChainUse {
  chain: string[];
  steps: string[];
}

/**
 * The model chains of a pipeline's model steps, each once, in the run's order of precedence: the
 * list written in `model:`, else the pipeline's `fallbacks:` for the model, else the registry's
 * (`registryFallbacks`). Steps whose model is chosen at run time are left out.
 */
export function modelChainsOf(p: Pipeline, defaultModel: string | null = null, registryFallbacks: (model: string) => string[] | undefined = () => undefined): ModelChainUse[] {
  const byChain = new Map<string, ModelChainUse>();
  walk(p.steps, (s) => {
    const model = firstModelOf(s, p, defaultModel);
    if (!model) return;
    const list = model === s.model ? s.modelChain : model === p.model ? p.modelChain : undefined;
    const chain = [model, ...(fallbacksFor(model, list, p.fallbacks) ?? registryFallbacks(model) ?? [])];
    const key = chain.join('\n');
    const use = byChain.get(key);
    if (use) use.steps.push(s.id);
    else byChain.set(key, { chain, steps: [s.id] });
  });
  return [...byChain.values()];
}

/** Every provider a pipeline's chains name, first models and stand-ins alike. */
export function chainProviders(chains: ModelChainUse[]): string[] {
  return [...new Set(chains.flatMap((c) => c.chain.map(providerOf)))].sort();
}

/** A chain none of whose models can be called here, with why for each model. */
export interface UnusableChain extends ModelChainUse {
  reasons: { model: string; reason: string }[];
}

/**
 * The chains a run cannot do without: those none of whose models can be called here (`unready`:
 * each provider that cannot, with why). A chain with one callable model runs: the models before it
 * are passed over with the reason 'not configured', as at run time.
 */
export function unusableChains(chains: ModelChainUse[], unready: Map<string, string>): UnusableChain[] {
  return chains.filter((c) => c.chain.every((m) => unready.has(providerOf(m)))).map((c) => ({ ...c, reasons: c.chain.map((m) => ({ model: m, reason: unready.get(providerOf(m))! })) }));
}

/** `step 's' (openai:gpt-4o, then huggingface:...): openai:gpt-4o: no API key for openai (set OPENAI_API_KEY); ...`, one chain a line. */
export function describeUnusable(u: UnusableChain[]): string {
  return u
    .map((c) => {
      const steps = `${c.steps.length === 1 ? 'step' : 'steps'} ${c.steps.map((s) => `'${s}'`).join(', ')}`;
      const every = c.chain.length === 1 ? `${c.chain[0]} cannot be called` : `no model of the chain ${c.chain.join(' → ')} can be called`;
      return `${steps}: ${every}: ${c.reasons.map((r) => `${r.model}: ${r.reason}`).join('; ')}`;
    })
    .join('\n');
}
