// Whether a provider can be called here, in words a user can act on. A provider with a key is
// ready when its key is set; a keyless one (Ollama) when a server answers at its address: it never
// says "no API key", it says which address did not answer.
import { unreachableWords } from './provider';
import { KEY_VARIABLES } from './runner';

export { unreachableWords };

/** Providers that take no key: their readiness is a server answering at their address. */
export const KEYLESS_PROVIDERS = new Set(Object.entries(KEY_VARIABLES).filter(([, vars]) => vars.length === 0).map(([p]) => p));


export interface Readiness {
  provider: string;
  ready: boolean;
  /** Why not, as a clause: `no API key (set OPENAI_API_KEY)`, `no Ollama answers at http://127.0.0.1:11434/v1`. */
  reason: string | null;
  /** For a keyless provider, the address probed. */
  address: string | null;
}

/** What readiness needs of a model runner. */
export interface ReadinessSource {
  configured(provider: string): Promise<boolean>;
  baseUrl(provider: string): string | undefined;
}


/**
 * Asks `GET <address>/models` (the OpenAI-compatible list route Ollama serves) with a short
 * timeout: any HTTP answer, even an error status, means a server is there.
 */
export async function answers(address: string, timeoutMs = 1500, signal?: AbortSignal): Promise<boolean> {
  const ctl = AbortSignal.timeout(timeoutMs);
  try {
    const r = await fetch(`${address.replace(/\/+$/, '')}/models`, { signal: signal ? AbortSignal.any([ctl, signal]) : ctl });
    await r.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

export async function readiness(source: ReadinessSource, provider: string, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Readiness> {
  if (KEYLESS_PROVIDERS.has(provider)) {
    const address = source.baseUrl(provider) ?? '';
    const ok = address !== '' && (await answers(address, o.timeoutMs, o.signal));
    return { provider, ready: ok, reason: ok ? null : unreachableWords(provider, address || '(no address)'), address };
  }
  if (await source.configured(provider)) return { provider, ready: true, reason: null, address: null };
  const vars = KEY_VARIABLES[provider] ?? [`${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`];
  return { provider, ready: false, reason: `no API key for ${provider} (set ${vars.join(' or ')})`, address: null };
}
