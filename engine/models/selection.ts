// Model selection for a step that names no model: the registry filtered by `requires_model` and
// by which providers are configured, ordered by the pipeline's `selection_schema`.
import { ToolError } from '../toolkit/runtime';
import type { RegistryModel } from './registry';

export type SelectionSchema = 'cost' | 'performance' | 'balanced';

export interface Selection {
  model: string;
  reason: string;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)]);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Blended price: the mean of input and output USD per million tokens. */
export function blendedPrice(m: RegistryModel): number {
  return (m.price_in + m.price_out) / 2;
}

/** A capability score: expertise areas, plus one for a context of 200k or more, plus size in tens of billions. */
export function capabilityScore(m: RegistryModel): number {
  return m.expertise.length + (m.context_window >= 200_000 ? 1 : 0) + (m.size ?? 0) / 10;
}

function describeFilters(f: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(f)) parts.push(`${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  return parts.length ? parts.join('; ') : 'no filters';
}

/**
 * Picks a model. Orders: `cost` cheapest first; `performance` highest capability score first, then
 * the dearer (a proxy for strength); `balanced` lowest price per capability point. `preferred`
 * models that pass the filters come before all others, in their listed order.
 */
export function selectModel(models: RegistryModel[], filters: Record<string, unknown>, schema: SelectionSchema, configured: (provider: string) => boolean): Selection {
  const expertise = list(filters.expertise);
  const capabilities = list(filters.capabilities);
  const modalities = list(filters.modalities);
  const excluded = new Set(list(filters.excluded));
  const preferred = list(filters.preferred);
  const minSize = num(filters.min_size);
  const maxSize = num(filters.max_size);
  const costLimit = num(filters.cost_limit);
  // an embedding model writes no text: chosen only when `embeddings` is asked for
  const embeddings = capabilities.includes('embeddings');
  const fits = models.filter(
    (m) =>
      m.capabilities.includes('embeddings') === embeddings &&
      !excluded.has(m.id) &&
      !excluded.has(m.name) &&
      expertise.every((e) => m.expertise.includes(e)) &&
      capabilities.every((c) => m.capabilities.includes(c)) &&
      modalities.every((c) => m.modalities.includes(c)) &&
      (minSize === null || (m.size !== null && m.size >= minSize)) &&
      (maxSize === null || (m.size !== null && m.size <= maxSize)) &&
      (costLimit === null || blendedPrice(m) <= costLimit),
  );
  const eligible = fits.filter((m) => configured(m.provider));
  if (!eligible.length) {
    const why = fits.length
      ? ` (${fits.map((m) => m.id).join(', ')} fit, but no key or endpoint is configured for ${[...new Set(fits.map((m) => m.provider))].join(', ')})`
      : '';
    throw new ToolError(`No model in the registry fits requires_model (${describeFilters(filters)})${why}`, 'ConfigurationError');
  }
  const key: Record<SelectionSchema, (m: RegistryModel) => number> = {
    cost: (m) => blendedPrice(m),
    performance: (m) => -(capabilityScore(m) * 1000 + blendedPrice(m)),
    balanced: (m) => blendedPrice(m) / Math.max(1, capabilityScore(m)),
  };
  const rank = (m: RegistryModel) => {
    const p = preferred.findIndex((x) => x === m.id || x === m.name);
    return p < 0 ? preferred.length : p;
  };
  const sorted = [...eligible].sort((a, b) => rank(a) - rank(b) || key[schema](a) - key[schema](b) || a.id.localeCompare(b.id));
  const m = sorted[0];
  const words: Record<SelectionSchema, string> = { cost: 'cheapest', performance: 'most capable', balanced: 'best price per capability' };
  const reason = `${rank(m) < preferred.length ? 'preferred' : words[schema]} model (selection_schema ${schema}) with ${describeFilters(filters)}, among ${eligible.length} configured`;
  return { model: m.id, reason };
}
