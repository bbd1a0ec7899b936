// `orc eval FILE --estimate`: the predicted cost and duration of an eval from the engine's
// predictor (earlier runs of the pipeline, else the model registry), per variant; no call is made.
import { chosenVariants, DatasetError, DEFAULT_MAX_PARALLEL, type EvalAnalysis, EvalInputError, inputsFor, predictionHistory, predict, readCases, type RegistryModel, resolveInputs, scan, variantAnalysis } from '../api/index';
import { estimateLines, type EstimateRow } from './evalOutput';

export async function estimateEval(a: EvalAnalysis, o: { variants: string[]; cases: string[]; parallel: number; registry: RegistryModel[]; root: string; out(s: string): void; err(s: string): void }): Promise<number> {
  const spec = a.eval!;
  const pa = a.pipeline!;
  const pipeline = pa.pipeline!;
  try {
    const variants = chosenVariants(spec, o.variants);
    const only = new Set(o.cases);
    const { cases } = await scan(spec, pa, variants, only, new AbortController().signal);
    // the first case that runs stands for all (its prompt lengths)
    let first: Record<string, unknown> = {};
    for await (const c of readCases(spec.cases)) {
      if ((only.size && !only.has(c.id)) || c.skip) continue;
      first = c.values;
      break;
    }
    const history = predictionHistory(o.root, pipeline.id);
    const names = pipeline.parameters.map((p) => p.name);
    const rows: EstimateRow[] = variants.map((v) => {
      const va = variantAnalysis(pa, v, false);
      const p = predict(va.pipeline!, va.plan!, { maxParallel: pipeline.context.maxParallel ?? DEFAULT_MAX_PARALLEL, inputs: resolveInputs(pipeline.parameters, inputsFor(first, v, names)), registry: o.registry, history });
      return { variant: v?.name ?? 'default', runs: cases * spec.repeat, cost: p.cost_usd, makespanMs: p.makespan_ms.expected, unknown: p.unknown };
    });
    for (const l of estimateLines(rows, cases, spec.repeat, o.parallel)) o.out(l);
    return 0;
  } catch (e) {
    if (e instanceof EvalInputError || e instanceof DatasetError) {
      o.err(`orc: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
