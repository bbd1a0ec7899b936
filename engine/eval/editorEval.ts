// What the editor needs of an eval beyond running it: its outline (variants and cases with the
// lines they are written on, for the Test Explorer and the lenses), the inputs and pipeline of one
// case in one variant (Debug runs exactly that), the baseline to compare a finished eval with (the
// eval of the same file before it), and the estimate `orc eval --estimate` prints, as data.
import * as path from 'node:path';
import type { RegistryModel } from '../models/registry';
import { keyRange, parseYaml } from '../parse/yamlDocument';
import { predict } from '../run/predict';
import { predictionHistory } from '../run/history';
import { resolveInputs } from '../run/inputs';
import { DEFAULT_MAX_PARALLEL } from '../run/runPipeline';
import { readCases } from './dataset';
import type { EvalAnalysis } from './evalAnalysis';
import { chosenVariants, scan } from './evalRunner';
import { listEvals, type EvalMeta } from './evalRecord';
import { inputsFor, variantAnalysis } from './variantPipeline';

/** How many cases of a dataset file the Test Explorer lists (a 100,000-row dataset is run, not listed). */
export const MAX_LISTED_CASES = 500;

export interface OutlineCase {
  id: string;
  /** The file the case is written in (the eval file, or its dataset) and its 0-based line. */
  file: string;
  line: number;
  skip: string | null;
}

export interface EvalOutline {
  /** Variant names with their 0-based lines (one `default` on line 0 when the eval has none). */
  variants: { name: string; line: number }[];
  cases: OutlineCase[];
  /** More cases than listed (a long dataset). */
  truncated: boolean;
}

/** The variants and (up to MAX_LISTED_CASES) cases of an analysed eval file. */
export async function evalOutline(a: EvalAnalysis, text: string): Promise<EvalOutline> {
  const spec = a.eval;
  if (!spec) return { variants: [], cases: [], truncated: false };
  const parsed = parseYaml(text);
  const variants = spec.variants.length ? spec.variants.map((v) => ({ name: v.name, line: keyRange(parsed, [...v.path, 'name']).start.line })) : [{ name: 'default', line: 0 }];
  const cases: OutlineCase[] = [];
  let truncated = false;
  try {
    for await (const c of readCases(spec.cases)) {
      if (cases.length >= MAX_LISTED_CASES) {
        truncated = true;
        break;
      }
      const inFile = spec.cases.kind === 'file';
      cases.push({ id: c.id, file: inFile && spec.cases.kind === 'file' ? spec.cases.file : (spec.file ?? ''), line: Math.max(0, c.line - 1), skip: c.skip });
    }
  } catch {
    // a dataset that cannot be read: the diagnostics say why; the outline lists what was read
  }
  return { variants, cases, truncated };
}

/** The inputs one case gets in one variant (`default`: the eval has no variants), as a run of the eval gives them. */
export async function caseInputs(a: EvalAnalysis, caseId: string, variant: string): Promise<Record<string, unknown> | null> {
  const spec = a.eval;
  const pa = a.pipeline?.pipeline;
  if (!spec || !pa) return null;
  const v = spec.variants.find((x) => x.name === variant) ?? null;
  for await (const c of readCases(spec.cases)) {
    if (c.id === caseId) return inputsFor(c.values, v, pa.parameters.map((p) => p.name));
  }
  return null;
}

/** The eval of the same file that finished before `current` (its baseline in the editor), if any. */
export function previousEval(root: string, current: EvalMeta): EvalMeta | null {
  return listEvals(root).find((m) => m.eval_file === current.eval_file && m.eval_id !== current.eval_id && m.started_at <= current.started_at && m.status === 'completed') ?? null;
}

export interface EvalEstimate {
  variant: string;
  runs: number;
  cost_usd: number;
  makespan_ms: number;
  /** Steps whose cost or time the predictor does not know. */
  unknown: string[];
}

/** `orc eval --estimate` as data: per variant, the predicted cost and duration of its runs; no call is made. */
export async function estimateEvalRuns(a: EvalAnalysis, root: string, registry: RegistryModel[], onlyVariants: string[] = []): Promise<{ cases: number; rows: EvalEstimate[] }> {
  const spec = a.eval!;
  const pa = a.pipeline!;
  const pipeline = pa.pipeline!;
  const variants = chosenVariants(spec, onlyVariants);
  const { cases } = await scan(spec, pa, variants, new Set(), new AbortController().signal);
  let first: Record<string, unknown> = {};
  for await (const c of readCases(spec.cases)) {
    if (c.skip) continue;
    first = c.values;
    break;
  }
  const history = predictionHistory(root, pipeline.id);
  const names = pipeline.parameters.map((p) => p.name);
  const rows = variants.map((v) => {
    const va = variantAnalysis(pa, v, false);
    const p = predict(va.pipeline!, va.plan!, { maxParallel: pipeline.context.maxParallel ?? DEFAULT_MAX_PARALLEL, inputs: resolveInputs(pipeline.parameters, inputsFor(first, v, names)), registry, history });
    return { variant: v?.name ?? "default", runs: cases * spec.repeat, cost_usd: p.cost_usd.expected * cases * spec.repeat, makespan_ms: p.makespan_ms.expected, unknown: [...p.unknown] };
  });
  return { cases, rows };
}

/** The eval file's path as eval records name it (relative to the folder holding `.orchestrator/`). */
export function evalFileKey(root: string, file: string): string {
  return path.relative(root, file);
}
