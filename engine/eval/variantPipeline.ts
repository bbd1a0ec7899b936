// A variant of a pipeline: its models replaced (`*`: every model step; a step id: that step), and
// its model steps cached, so an unchanged case of an eval does not pay twice. The analysis is
// copied, never changed: every variant runs on the same compiled pipeline.
import type { Analysis } from '../analyze/index';
import type { Pipeline, Step } from '../spec/types';
import { actionSpec, TOOL_SPECS } from '../toolkit/toolSpecs';
import type { EvalVariant } from './evalFile';

const usesModel = (s: Step): boolean => !s.loop && !!s.action && !!actionSpec(TOOL_SPECS, s.tool, s.action)?.usesModel;

function stepFor(s: Step, models: Record<string, string>, cache: boolean): Step {
  const own = Object.prototype.hasOwnProperty.call(models, s.id) ? models[s.id] : null;
  const model = own ?? (models['*'] && usesModel(s) ? models['*'] : null);
  const out: Step = { ...s };
  if (model) {
    out.model = model;
    out.expert = null;
    out.requiresModel = null;
    // ContextLab's `model:` inside parameters wins over the step's: replace it too
    if (typeof s.parameters.model === 'string') out.parameters = { ...s.parameters, model };
  }
  if (cache && usesModel(s)) out.cache = true;
  if (s.body) out.body = s.body.map((b) => stepFor(b, models, cache));
  return out;
}

/** The analysis a variant runs. `cache`: model steps reuse the results of identical calls (.orchestrator/cache/). */
export function variantAnalysis(a: Analysis, variant: EvalVariant | null, cache: boolean): Analysis {
  const p = a.pipeline!;
  const models = variant?.models ?? {};
  if (!Object.keys(models).length && !cache) return a;
  const pipeline: Pipeline = { ...p, model: models['*'] ?? p.model, steps: p.steps.map((s) => stepFor(s, models, cache)) };
  return { ...a, pipeline };
}

/** Steps of a trial: its cached steps keyed apart from the other trials' (a `trial` in the definition the cache key hashes). */
function trialStep(s: Step, trial: number): Step {
  const out: Step = s.cache ? { ...s, raw: { ...s.raw, trial } } : { ...s };
  if (s.body) out.body = s.body.map((b) => trialStep(b, trial));
  return out;
}
const trialAnalyses = new WeakMap<Analysis, Map<number, Analysis>>();

/** The analysis trial `trial` (0-based) of a case runs: the first is the variant's own, so it shares the cache with runs outside trials. */
export function trialAnalysis(a: Analysis, trial: number): Analysis {
  if (!trial || !a.pipeline) return a;
  let byTrial = trialAnalyses.get(a);
  if (!byTrial) trialAnalyses.set(a, (byTrial = new Map()));
  let made = byTrial.get(trial);
  if (!made) byTrial.set(trial, (made = { ...a, pipeline: { ...a.pipeline, steps: a.pipeline.steps.map((s) => trialStep(s, trial)) } }));
  return made;
}

/** A case's inputs for a variant: the case's columns that are parameters, then the variant's parameters over them. */
export function inputsFor(values: Record<string, unknown>, variant: EvalVariant | null, parameters: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of parameters) if (Object.prototype.hasOwnProperty.call(values, p)) out[p] = values[p];
  if (variant) for (const [k, v] of Object.entries(variant.parameters)) out[k] = v;
  return out;
}
