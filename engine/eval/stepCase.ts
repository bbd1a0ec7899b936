// A step case (`step: ID` with `upstream: {STEP: value}` or `from_run: RUN_ID`): one top-level step
// of the pipeline run on its own. The case's run resumes a checkpoint made for it: the upstream
// steps completed with the given values as their results (or with a recorded run's results), every
// other step already skipped, so the scheduler runs the one step and nothing else, through the same
// engine as any run (its retries, guards, agents and assertions alike).
// A step in a loop's body (`step: LOOP/STEP`) runs in one iteration of that loop: `upstream` gives
// the loop's own values as `LOOP: {item, index}` and the body's other steps as `LOOP/SIBLING`; the
// loop runs as a for_each over that one item at that index (the iterations before it already
// skipped, as is every other step of the body), so the step sees its loop variables as in a run.
import type { Analysis } from '../analyze/index';
import { loadCheckpoint } from '../run/checkpointReader';
import type { StepResult } from '../run/events';
import type { Checkpoint } from '../run/runFiles';
import { readRunResult, runFolderLeadsOut } from '../run/runPacks';
import { newExecutionId } from '../run/runPipeline';
import type { McpStandIn } from '../mcp/session';
import type { ToolDefinition } from '../toolkit/runtime';
import { isMapping, type EvalCase } from './evalFile';
import { mockedTools, mocksOf } from './mocks';
import type { MockedCall } from './caseReport';

export interface StepCaseSpec {
  step: string;
  /** Results of the steps before it, by step id. */
  upstream: Record<string, unknown>;
  fromRun: string | null;
  /** A step in a loop's body: the loop, the iteration's values and its siblings' results. */
  inLoop?: LoopIteration;
}

/** The one iteration a loop-body step case runs. */
export interface LoopIteration {
  loop: string;
  /** The body step. */
  step: string;
  item: unknown;
  index: number;
  /** Results of the body's other steps in that iteration, by their id in the body. */
  siblings: Record<string, unknown>;
}

/** `step: LOOP/STEP`: checked against the pipeline; a message when it does not fit. */
function loopStepCase(o: Record<string, unknown>, a: Analysis, upstream: Record<string, unknown>): StepCaseSpec | string {
  const [loopId, bodyId, ...deeper] = (o.step as string).split('/');
  const steps = a.pipeline!.steps;
  const loop = steps.find((s) => s.id === loopId);
  if (!loop?.loop || !loop.body) return `'step: ${o.step as string}' names a step in a loop's body as LOOP/STEP, and '${loopId}' is not a top-level loop of the pipeline.`;
  const body = loop.body;
  const inner = body.find((s) => s.id === bodyId);
  if (deeper.length || !inner) return `'${loopId}' has no body step '${[bodyId, ...deeper].join('/')}' (its body: ${body.map((b) => b.id).join(', ')}); a step case reaches one loop deep.`;
  if (o.from_run !== undefined) return "'from_run' gives top-level results: a step in a loop's body takes its loop's values and its siblings' results from 'upstream'.";
  let item: unknown = null;
  let index = 0;
  const siblings: Record<string, unknown> = {};
  const top: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(upstream)) {
    if (k === loopId) {
      if (!isMapping(v) || Object.keys(v).some((x) => x !== 'item' && x !== 'index')) return `'upstream: {${loopId}: ...}' gives the iteration's loop values: {item, index}.`;
      if (v.index !== undefined && (typeof v.index !== 'number' || !Number.isInteger(v.index) || v.index < 0 || v.index > 10_000)) return `'upstream: {${loopId}: {index}}' is a whole number from 0 to 10000.`;
      item = v.item ?? null;
      index = (v.index as number | undefined) ?? 0;
    } else if (k.startsWith(`${loopId}/`)) {
      const sib = k.slice(loopId.length + 1);
      if (sib === bodyId || !body.some((b) => b.id === sib)) return `'upstream' names '${k}', which is not another step of loop '${loopId}''s body (${body.map((b) => b.id).join(', ')}).`;
      siblings[sib] = v;
    } else if (steps.some((s) => s.id === k && s.id !== loopId)) top[k] = v;
    else return `'upstream' names '${k}', which is neither another top-level step nor '${loopId}/STEP' of the loop's body.`;
  }
  const missing = [...loop.dependencies.filter((d) => !(d in top)), ...inner.dependencies.filter((d) => !(d in siblings)).map((d) => `${loopId}/${d}`)];
  if (missing.length) return `step '${o.step as string}' depends on ${missing.map((m) => `'${m}'`).join(', ')}: give ${missing.length === 1 ? 'its result' : 'their results'} in 'upstream'.`;
  return { step: loopId, upstream: top, fromRun: null, inLoop: { loop: loopId, step: bodyId, item, index, siblings } };
}

/** The analysis a loop-body step case runs: its loop a for_each over the one item, at its index. */
export function oneIteration(a: Analysis, it: LoopIteration): Analysis {
  const p = a.pipeline!;
  const steps = p.steps.map((s) => {
    if (s.id !== it.loop || !s.loop) return s;
    const loopVar = s.loop.kind === 'for_each' ? s.loop.loopVar : 'item';
    const items = [...Array.from({ length: it.index }, () => null), it.item];
    return { ...s, loop: { kind: 'for_each' as const, items, maxParallel: 1, loopVar } };
  });
  return { ...a, pipeline: { ...p, steps } };
}

/** The case's `step`, `upstream` and `from_run`, checked against the pipeline; null for a whole-pipeline case; a message when they are wrong. */
export function stepCaseOf(c: EvalCase, a: Analysis): StepCaseSpec | null | string {
  const o = c.options ?? {};
  if (o.step === undefined) return o.upstream !== undefined || o.from_run !== undefined ? "'upstream' and 'from_run' go with 'step: ID' (the one step the case runs)." : null;
  const steps = a.pipeline!.steps;
  const ids = steps.map((s) => s.id);
  if (o.upstream !== undefined && !isMapping(o.upstream)) return "'upstream' maps step ids to the results the step reads of them.";
  const upstream = (o.upstream as Record<string, unknown> | undefined) ?? {};
  if (typeof o.step === 'string' && o.step.includes('/')) return loopStepCase(o, a, upstream);
  if (typeof o.step !== 'string' || !ids.includes(o.step)) return `'step' names a top-level step of the pipeline (${ids.join(', ')}), not ${JSON.stringify(o.step)}; a step in a loop's body is LOOP/STEP.`;
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

/**
 * A recorded run's folder is read only when its real path is in this workspace's runs: a folder that
 * is a link out of them (to another workspace's run) is refused, as every reader of run records
 * refuses it (readRunResult). A run with no folder (a packed one) passes.
 */
function ownRunFolder(root: string, runId: string): void {
  const real = runFolderLeadsOut(root, runId);
  if (real) throw new Error(`from_run: run ${runId} is a link that leads out of this workspace's runs (to ${real}); it was not read`);
}

const given = (value: unknown, at: string): StepResult => ({ status: 'completed', success: true, result: value, error: null, error_type: null, timed_out: false, attempts: 0, retries: 0, started_at: null, ended_at: at, duration_ms: 0, model: null, tokens_in: 0, tokens_out: 0, cost_usd: 0 });

/** The checkpoint a step case's run resumes: upstream results given, every other step but `s.step` skipped; and the inputs (a recorded run's under the case's own). */
export function stepCaseCheckpoint(root: string, a: Analysis, s: StepCaseSpec, inputs: Record<string, unknown>, pipelineFile: string, resolve: (given: Record<string, unknown>) => Record<string, unknown>): Checkpoint {
  const now = new Date();
  const at = now.toISOString();
  const steps: Record<string, StepResult> = {};
  let runInputs: Record<string, unknown> = {};
  if (s.fromRun) {
    ownRunFolder(root, s.fromRun);
    const doc = readRunResult(root, s.fromRun);
    if (typeof doc === 'string') throw new Error(`from_run: run ${s.fromRun} is ${doc} (see orc runs)`);
    if (doc.pipeline_id !== a.pipeline!.id) throw new Error(`from_run: run ${s.fromRun} ran pipeline '${doc.pipeline_id}', not '${a.pipeline!.id}'`);
    runInputs = loadCheckpoint(root, s.fromRun, { journal: false }).inputs;
    for (const [id, r] of Object.entries(doc.steps)) if (id !== s.step && r.status === 'completed' && r.success === true) steps[id] = r;
  }
  for (const [id, v] of Object.entries(s.upstream)) steps[id] = given(v, at);
  const alone = s.inLoop ? `${s.inLoop.loop}/${s.inLoop.step}` : s.step;
  const skipped = (): StepResult => ({ ...given(null, at), status: 'skipped', success: null, ended_at: null, skip_kind: 'policy', skip_reason: `not run: this case runs step '${alone}' alone` });
  for (const st of a.pipeline!.steps) {
    if (st.id === s.step || steps[st.id]) continue;
    steps[st.id] = skipped();
  }
  if (s.inLoop) {
    // the iterations before the case's, and its iteration's other steps: given or skipped
    const it = s.inLoop;
    const body = a.pipeline!.steps.find((st) => st.id === it.loop)!.body ?? [];
    for (let i = 0; i <= it.index; i++)
      for (const b of body) {
        if (i === it.index && b.id === it.step) continue;
        steps[`${it.loop}[${i}]/${b.id}`] = i === it.index && Object.prototype.hasOwnProperty.call(it.siblings, b.id) ? given(it.siblings[b.id], at) : skipped();
      }
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
  /** A loop-body step case: the loop's one iteration (oneIteration() of the analysis it runs). */
  inLoop?: LoopIteration;
  tools?: Record<string, ToolDefinition>;
  /** The MCP servers the mocks answer for (never started). */
  mcp?: McpStandIn;
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
    if (sc.inLoop) out.inLoop = sc.inLoop;
  } else out.inputs = resolve(given);
  if (mocks.length) {
    const m = mockedTools(mocks);
    out.tools = m.tools;
    if (m.mcp) out.mcp = m.mcp;
    out.mocked = m.used;
  }
  return out;
}

/** Whether the case takes its inputs from a recorded run (its required parameters may be absent from it). */
export const inputsFromRun = (c: EvalCase): boolean => c.options?.step !== undefined && c.options?.from_run !== undefined;
