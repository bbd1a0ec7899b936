// A step case (`step: ID` with `upstream: {STEP: value}` or `from_run: RUN_ID`): one top-level step
// of the pipeline run on its own. The case's run resumes a checkpoint made for it: the upstream
// steps completed with the given values as their results (or with a recorded run's results), every
// other step already skipped, so the scheduler runs the one step and nothing else, through the same
// engine as any run (its retries, guards, agents and assertions alike).
import type { Analysis } from '../analyze/index';
import { loadCheckpoint } from '../run/checkpointReader';
import type { StepResult } from '../run/events';
import type { Checkpoint } from '../run/runFiles';
import { readRunResult } from '../run/runPacks';
import { newExecutionId } from '../run/runPipeline';
import type { ToolDefinition } from '../toolkit/runtime';
import { isMapping, type EvalCase } from './evalFile';
import { mockedTools, mocksOf } from './mocks';
import type { MockedCall } from './caseReport';

export interface StepCaseSpec {
  step: string;
  /** Results of the steps before it, by step id. */
  upstream: Record<string, unknown>;
  fromRun: string | null;
}

/** The case's `step`, `upstream` and `from_run`, checked against the pipeline; null for a whole-pipeline case; a message when they are wrong. */
export function stepCaseOf(c: EvalCase, a: Analysis): StepCaseSpec | null | string {
  const o = c.options ?? {};
  if (o.step === undefined) return o.upstream !== undefined || o.from_run !== undefined ? "'upstream' and 'from_run' go with 'step: ID' (the one step the case runs)." : null;
  const steps = a.pipeline!.steps;
  const ids = steps.map((s) => s.id);
  if (typeof o.step !== 'string' || !ids.includes(o.step)) return `'step' names a top-level step of the pipeline (${ids.join(', ')}), not ${JSON.stringify(o.step)}.`;
  if (o.upstream !== undefined && !isMapping(o.upstream)) return "'upstream' maps step ids to the results the step reads of them.";
  const upstream = (o.upstream as Record<string, unknown> | undefined) ?? {};
  const unknown = Object.keys(upstream).find((k) => !ids.includes(k) || k === o.step);
  if (unknown) return `'upstream' names '${unknown}', which is not another top-level step of the pipeline.`;
  if (o.from_run !== undefined && (typeof o.from_run !== 'string' || !o.from_run)) return "'from_run' is the id of a recorded run of this pipeline (orc runs).";
  const step = steps.find((s) => s.id === o.step)!;
  const fromRun = (o.from_run as string | undefined) ?? null;
  if (!fromRun) {
    const missing = step.dependencies.filter((d) => !Object.prototype.hasOwnProperty.call(upstream, d));
    if (missing.length) return `step '${step.id}' depends on ${missing.map((m) => `'${m}'`).join(', ')}: give ${missing.length === 1 ? 'its result' : 'their results'} in 'upstream' (or take a recorded run's with 'from_run').`;
  }
  return { step: o.step, upstream, fromRun };
}

const given = (value: unknown, at: string): StepResult => ({ status: 'completed', success: true, result: value, error: null, error_type: null, timed_out: false, attempts: 0, retries: 0, started_at: null, ended_at: at, duration_ms: 0, model: null, tokens_in: 0, tokens_out: 0, cost_usd: 0 });

/** The checkpoint a step case's run resumes: upstream results given, every other step but `s.step` skipped; and the inputs (a recorded run's under the case's own). */
export function stepCaseCheckpoint(root: string, a: Analysis, s: StepCaseSpec, inputs: Record<string, unknown>, pipelineFile: string, resolve: (given: Record<string, unknown>) => Record<string, unknown>): Checkpoint {
  const now = new Date();
  const at = now.toISOString();
  const steps: Record<string, StepResult> = {};
  let runInputs: Record<string, unknown> = {};
  if (s.fromRun) {
    const doc = readRunResult(root, s.fromRun);
    if (typeof doc === 'string') throw new Error(`from_run: run ${s.fromRun} is ${doc} (see orc runs)`);
    if (doc.pipeline_id !== a.pipeline!.id) throw new Error(`from_run: run ${s.fromRun} ran pipeline '${doc.pipeline_id}', not '${a.pipeline!.id}'`);
    runInputs = loadCheckpoint(root, s.fromRun, { journal: false }).inputs;
    for (const [id, r] of Object.entries(doc.steps)) if (id !== s.step && r.status === 'completed' && r.success === true) steps[id] = r;
  }
  for (const [id, v] of Object.entries(s.upstream)) steps[id] = given(v, at);
  for (const st of a.pipeline!.steps) {
    if (st.id === s.step || steps[st.id]) continue;
    steps[st.id] = { ...given(null, at), status: 'skipped', success: null, ended_at: null, skip_kind: 'policy', skip_reason: `not run: this case runs step '${s.step}' alone` };
  }
  return {
    format: 1,
    execution_id: newExecutionId(now),
    pipeline_id: a.pipeline!.id,
    pipeline_file: pipelineFile,
    pipeline_sha256: '',
    inputs: resolve({ ...runInputs, ...inputs }),
    max_parallel: 1,
    status: 'cancelled',
    started_at: at,
    updated_at: at,
    steps,
  };
}

/** How a case's run differs from a whole pipeline's: its inputs, the checkpoint a step case resumes, the mocked tools. */
export interface PreparedCase {
  inputs: Record<string, unknown>;
  resume?: Checkpoint;
  tools?: Record<string, ToolDefinition>;
  mocked?: () => MockedCall[];
}

/** A case's run, prepared: a step case's checkpoint and its mocks (any case may have mocks); throws what is wrong with them. */
export function prepareCase(root: string, a: Analysis, c: EvalCase, given: Record<string, unknown>, pipelineFile: string, resolve: (given: Record<string, unknown>) => Record<string, unknown>): PreparedCase {
  const sc = stepCaseOf(c, a);
  if (typeof sc === 'string') throw new Error(sc);
  const mocks = mocksOf(c.options?.mocks);
  if (typeof mocks === 'string') throw new Error(mocks);
  const out: PreparedCase = { inputs: {} };
  if (sc) {
    out.resume = stepCaseCheckpoint(root, a, sc, given, pipelineFile, resolve);
    out.inputs = out.resume.inputs;
  } else out.inputs = resolve(given);
  if (mocks.length) {
    const m = mockedTools(mocks);
    out.tools = m.tools;
    out.mocked = m.used;
  }
  return out;
}

/** Whether the case takes its inputs from a recorded run (its required parameters may be absent from it). */
export const inputsFromRun = (c: EvalCase): boolean => c.options?.step !== undefined && c.options?.from_run !== undefined;
