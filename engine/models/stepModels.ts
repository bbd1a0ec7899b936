// Which model providers a pipeline's model steps (and tool steps whose action calls a model) will call, before it runs: a step's `model:` (or
// `model` parameter), its expert's, the pipeline's, else a default. Steps that choose by
// `requires_model` are left out (selection picks among configured providers).
import type { Pipeline, Step } from '../spec/types';
import { actionSpec, TOOL_SPECS } from '../toolkit/toolSpecs';

function walk(steps: Step[], visit: (s: Step) => void): void {
  for (const s of steps) {
    visit(s);
    if (s.body) walk(s.body, visit);
  }
}

export function modelProvidersOf(p: Pipeline, defaultModel: string | null = null): string[] {
  const out = new Set<string>();
  walk(p.steps, (s) => {
    // model actions, and tool actions that call a model (prompt-optimization, validation.extract_structured, ...)
    if (s.loop || !s.action || !actionSpec(TOOL_SPECS, s.tool, s.action)?.usesModel) return;
    const own = typeof s.parameters.model === 'string' && s.parameters.model ? s.parameters.model : null;
    const expert = s.expert && Object.prototype.hasOwnProperty.call(p.experts, s.expert) ? p.experts[s.expert] : null;
    const model = own ?? s.model ?? expert ?? p.model ?? (s.requiresModel ? null : defaultModel);
    const i = model ? model.indexOf(':') : -1;
    if (model && i > 0 && !model.includes('<AUTO') && !model.includes('{{')) out.add(model.slice(0, i));
  });
  return [...out].sort();
}
