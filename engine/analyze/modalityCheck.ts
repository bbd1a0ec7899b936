// Images and audio given to a model step (`images:`, `audio:` among its parameters) need a model
// that takes them: the model registry's `modalities` (`image`, `audio`) of the model the step runs
// on (its `parameters.model`, its own `model:` or each model of its chain, its expert's, the
// pipeline's). A model the registry does not list is not judged. On the step's own model the
// quick fix offers the registry's models of the same provider that take it.
import { findModel, registryModels } from '../models/registry';
import type { Pipeline, Step, ValuePath } from '../spec/types';
import type { FindingSink } from './findingSink';

const MODEL_ACTIONS = new Set(['generate', 'generate_text', 'generate-text', 'generate_structured', 'generate-structured', 'analyze_text', 'analyze', 'agent']);
const NEEDS: [param: string, modality: string][] = [
  ['images', 'image'],
  ['audio', 'audio'],
];

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const given = (v: unknown) => (Array.isArray(v) ? v.length > 0 : typeof v === 'string' && v.trim() !== '');

/** The models a step runs on, each with where it is written (null: not on the step itself). */
function modelsOf(step: Step, pipeline: Pipeline, params: Record<string, unknown>): [string, ValuePath | null][] {
  if (typeof params.model === 'string') return [[params.model, [...step.path, 'parameters', 'model']]];
  const own = step.raw.model;
  if (typeof own === 'string') return [[own, [...step.path, 'model']]];
  if (Array.isArray(own)) return own.flatMap((m, i): [string, ValuePath][] => (typeof m === 'string' ? [[m, [...step.path, 'model', i]]] : []));
  if (step.expert !== null && Object.prototype.hasOwnProperty.call(pipeline.experts, step.expert)) return [[pipeline.experts[step.expert], null]];
  return pipeline.model ? [[pipeline.model, null]] : [];
}

export function checkModalities(pipeline: Pipeline, sink: FindingSink): void {
  const visit = (steps: Step[]) => {
    for (const step of steps) {
      if (step.body) visit(step.body);
      if (step.tool || !step.action || !MODEL_ACTIONS.has(step.action)) continue;
      const params = isObj(step.raw.parameters) ? step.raw.parameters : {};
      for (const [param, modality] of NEEDS) {
        if (!given(params[param])) continue;
        for (const [id, at] of modelsOf(step, pipeline, params)) {
          const m = findModel(id.trim());
          if (!m || m.modalities.includes(modality)) continue;
          const fits = registryModels().filter((x) => x.provider === m.provider && x.modalities.includes(modality)).map((x) => `${x.provider}:${x.name}`);
          const message = `Model '${m.provider}:${m.name}' takes no ${modality === 'image' ? 'images' : modality} (its modalities in the model registry: ${m.modalities.join(', ')}), and step '${step.id}' gives it '${param}'${fits.length ? `: ${fits.map((f) => `'${f}'`).join(', ')} ${fits.length === 1 ? 'takes' : 'take'} ${modality === 'image' ? 'images' : modality}` : ''}.`;
          if (at) sink.atValue('model.modality', message, at, { step: step.id, suggestions: fits });
          else sink.atKey('model.modality', message, [...step.path, 'parameters', param], { step: step.id });
        }
      }
    }
  };
  visit(pipeline.steps);
}
