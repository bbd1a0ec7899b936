// Hover on a model id: the registry's facts, and its fallback chain, whether written as a list
// (`model: [a, b]`), declared in the pipeline's `fallbacks:`, or in the registry.
import type { Analysis } from '../engine/analyze/index';
import { describeStats, type ModelStats } from '../engine/run/modelStats';
import { describeModel, findModel } from '../engine/models/registry';
import { valueAt } from '../engine/spec/values';

const MODEL_KEYS = new Set(['model', 'default_model', 'orchestrator']);

/** The markdown for a hover at `path` (a value, not a key), or null when no model is there. */
export function modelHover(a: Analysis, path: (string | number)[], stats?: (model: string) => ModelStats | undefined): string | null {
  const last = path[path.length - 1];
  const inList = typeof last === 'number' && path.length >= 2 && (MODEL_KEYS.has(String(path[path.length - 2])) || path[0] === 'fallbacks');
  if (!inList && !MODEL_KEYS.has(String(last)) && path[0] !== 'experts') return null;
  const id = valueAt(a.parsed.value, path);
  if (typeof id !== 'string' || id.includes('<AUTO')) return null;
  const m = findModel(id);
  const facts = m ? `${describeModel(m)}\n\nexpertise: ${m.expertise.join(', ')}; capabilities: ${m.capabilities.join(', ')}` : 'Not in the model registry: no price or context window known.';
  const seen = stats?.(id);
  const figures = seen ? `\n\n**In this workspace's runs:** ${describeStats(seen)}` : '';
  return `**model \`${id}\`**\n\n${facts}${chainWords(a, path, id, inList)}${figures}`;
}

function chainWords(a: Analysis, path: (string | number)[], id: string, inList: boolean): string {
  const arrow = (ids: string[]) => ids.map((x) => `\`${x}\``).join(' → ');
  if (inList) {
    const list = valueAt(a.parsed.value, path.slice(0, -1));
    if (Array.isArray(list) && path[0] !== 'fallbacks') return `\n\n**Fallback chain** (model ${Number(path[path.length - 1]) + 1} of ${list.length}): ${arrow(list.map(String))}`;
    if (Array.isArray(list)) return `\n\n**Fallback** of \`${String(path[1])}\`: ${arrow([String(path[1]), ...list.map(String)])}`;
  }
  const declared = a.pipeline?.fallbacks;
  if (declared && Object.prototype.hasOwnProperty.call(declared, id)) return `\n\n**Falls back to** (this pipeline's \`fallbacks:\`): ${arrow([id, ...declared[id]])}`;
  const registry = findModel(id)?.fallbacks;
  if (registry?.length) return `\n\n**Falls back to** (the model registry): ${arrow([id, ...registry])}`;
  return '';
}
