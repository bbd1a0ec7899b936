// Before `orc run` starts: a model step whose fallback chain has no model that can be called here
// (no key, no server answering) would fail only when it is reached, after the steps before it ran.
// Such a run is refused with every model of the chain and why. A chain with one callable model runs:
// the models before it are passed over ('not configured'). A step of one model keeps failing when
// it runs, with its provider's ConfigurationError (as it always did). Only keys are checked: a
// provider that takes none (Ollama) counts as callable, as asking its server would send a request
// (and wait up to 1.5 s when none answers) before every run; the run finds out, and passes it over.
import { describeUnusable, KEYLESS_PROVIDERS, modelChainsOf, ProviderModelRunner, readiness, registryOrShipped, type Analysis, unusableChains } from '../api/index';

/** Null when every chain of two models or more has one that can be called; else the refusal, a chain a line. */
export async function unusableChainsMessage(a: Analysis, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (!a.pipeline) return null;
  const registryFile = env.ORC_MODEL_REGISTRY || undefined;
  const registry = registryOrShipped(registryFile);
  const chains = modelChainsOf(a.pipeline, null, (m) => registry.find((r) => r.id === m)?.fallbacks).filter((c) => c.chain.length > 1);
  if (!chains.length) return null;
  const runner = new ProviderModelRunner({ env, registryFile });
  const unready = new Map<string, string>();
  for (const provider of new Set(chains.flatMap((c) => c.chain.map((m) => m.slice(0, m.indexOf(':')))))) {
    if (KEYLESS_PROVIDERS.has(provider)) continue;
    if (provider === 'vscode') {
      unready.set(provider, "the editor's own language models exist only inside VS Code");
      continue;
    }
    const r = await readiness(runner, provider);
    if (!r.ready) unready.set(provider, r.reason ?? 'cannot be called here');
  }
  const unusable = unusableChains(chains, unready);
  return unusable.length ? describeUnusable(unusable) : null;
}
