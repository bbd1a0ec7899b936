// `orc models [--json]`: the model registry (shipped, plus ORC_MODEL_REGISTRY's file) and which
// providers have a key or endpoint configured in this environment. Keys are never printed.
import { BASE_URL_VARIABLES, describeModel, KEY_VARIABLES, KEYLESS_PROVIDERS, ProviderModelRunner, readiness, unreachableWords } from '../api/index';
import { paint, type Style } from './findingFormat';

export interface ProviderStatus {
  provider: string;
  configured: boolean;
  /** Where the key or endpoint comes from: the variable's name, never its value. */
  source: string | null;
  base_url: string | null;
}

export async function modelsCommand(json: boolean, style: Style, out: (s: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const runner = new ProviderModelRunner({ env, registryFile: env.ORC_MODEL_REGISTRY || undefined });
  const models = runner.models();
  const providers: ProviderStatus[] = [];
  for (const provider of [...new Set(models.map((m) => m.provider))]) {
    const keyVar = (KEY_VARIABLES[provider] ?? []).find((v) => env[v]);
    const urlVar = BASE_URL_VARIABLES[provider];
    // a keyless provider (Ollama) is ready when a server answers at its address
    const configured = KEYLESS_PROVIDERS.has(provider) ? (await readiness(runner, provider)).ready : await runner.configured(provider);
    providers.push({
      provider,
      configured,
      source: keyVar ?? (configured && urlVar && env[urlVar] ? urlVar : configured && provider === 'ollama' ? (env.OLLAMA_HOST ? 'OLLAMA_HOST' : 'default address') : null),
      base_url: runner.baseUrl(provider) ?? null,
    });
  }
  if (json) {
    out(JSON.stringify({ providers, models: models.map(({ id, provider, name, size, expertise, capabilities, modalities, context_window, price_in, price_out }) => ({ id, provider, name, size, expertise, capabilities, modalities, context_window, price_in, price_out })) }, null, 2));
    return 0;
  }
  const ok = new Map(providers.map((p) => [p.provider, p]));
  const rows = models.map((m) => [m.id, ok.get(m.provider)?.configured ? 'yes' : 'no', m.expertise.join(', '), describeModel(m)]);
  const head = ['MODEL', 'KEY', 'EXPERTISE', 'PRICE · CONTEXT'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  out(paint(style, 'bold', head.map((h, i) => h.padEnd(widths[i])).join('  ').trimEnd()));
  for (const r of rows) out(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  out('');
  for (const p of providers) {
    if (KEYLESS_PROVIDERS.has(p.provider)) out(`${p.provider}: ${p.configured ? `a server answers at ${p.base_url}` : `${unreachableWords(p.provider, p.base_url ?? '(no address)')} (it takes no key: start it, or set ${BASE_URL_VARIABLES[p.provider]})`}`);
    else out(`${p.provider}: ${p.configured ? `configured (${p.source})` : `not configured (set ${(KEY_VARIABLES[p.provider] ?? []).join(' or ') || BASE_URL_VARIABLES[p.provider]})`}${p.base_url ? ` · ${p.base_url}` : ''}`);
  }
  return 0;
}
