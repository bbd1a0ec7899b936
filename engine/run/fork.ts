// A fork of a past run at a step: a new run (its own id and record) whose steps upstream of the
// fork point are answered from the parent's record — their results taken as recorded, so no model
// or tool is called again — and whose fork point and every step after it run anew, with values
// edited where the fork says (an upstream step's result, or an input of the steps that run again).
// The parent's record is only read. The fork names its parent and fork point in its record and
// result document (`trigger: {kind: 'fork', name: 'PARENT@STEP', parent, at}`), and is started as
// a resumed run from the record made here (runPipeline's `resume`).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Analysis } from '../analyze/index';
import type { Pipeline } from '../spec/types';
import type { StepResult } from './events';
import { loadCheckpoint } from './checkpointReader';
import { sha256, type Checkpoint } from './runFiles';
import { newExecutionId } from './runPipeline';

export class ForkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForkError';
  }
}

export interface ForkEdits {
  /** New results of upstream steps (`-i STEP=VALUE`), by step id. */
  steps?: Record<string, unknown>;
  /** Inputs of the pipeline (`-i NAME=VALUE`): the steps that run again see them. */
  inputs?: Record<string, unknown>;
}

/** The parent's pipeline, as it must still be for the fork to mean anything. */
export interface ForkSource {
  checkpoint: Checkpoint;
  /** The pipeline file, absolute. */
  file: string;
  source: string;
}

/** Reads a run's record and its pipeline file, which must not have changed since (the fork's upstream results are that pipeline's). */
export function forkSource(root: string, runId: string): ForkSource {
  const checkpoint = loadCheckpoint(root, runId);
  if (checkpoint.status === 'running') throw new ForkError(`run ${runId} is still running (or was stopped without ending): fork a run that ended, or 'orc resume' it`);
  const file = checkpoint.pipeline_file ? path.resolve(root, checkpoint.pipeline_file) : '';
  if (!file || !existsSync(file)) throw new ForkError(`run ${runId} ran ${checkpoint.pipeline_file || 'a pipeline from standard input'}, which is not there any more`);
  const source = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  if (sha256(source) !== checkpoint.pipeline_sha256) throw new ForkError(`${checkpoint.pipeline_file} has changed since run ${runId}: its recorded results are another pipeline's. Fork needs the pipeline as it ran.`);
  return { checkpoint, file, source };
}

/** The top-level step a checkpoint key belongs to (`loop[2]/body` → `loop`). */
const topOf = (key: string) => key.split('/')[0].replace(/\[\d+\]$/, '');

/** The fork point and every step that depends on it, directly or not: what runs again. */
export function downstreamOf(analysis: Analysis, at: string): Set<string> {
  const plan = analysis.plan;
  if (!plan) throw new ForkError('the pipeline has no plan (it does not compile)');
  if (!plan.steps.includes(at)) throw new ForkError(`no top-level step '${at}' to fork at: the steps are ${plan.steps.map((s) => `'${s}'`).join(', ')}`);
  const out = new Set([at]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const e of plan.edges) {
      if (out.has(e.from) && !out.has(e.to)) {
        out.add(e.to);
        grew = true;
      }
    }
  }
  return out;
}

/**
 * The record the fork starts from: the parent's results of the steps upstream of `at` (those that
 * completed, or were skipped as they ran), edited; the inputs, edited; a new id; `trigger` naming
 * the parent and the fork point. Nothing is written here.
 */
export function forkCheckpoint(parent: Checkpoint, analysis: Analysis & { pipeline: Pipeline }, at: string, edits: ForkEdits = {}, now = new Date()): Checkpoint {
  const again = downstreamOf(analysis, at);
  const steps: Record<string, StepResult> = {};
  for (const [key, r] of Object.entries(parent.steps)) {
    if (again.has(topOf(key))) continue;
    if (r.status === 'completed' || r.status === 'skipped') steps[key] = r;
  }
  for (const [id, value] of Object.entries(edits.steps ?? {})) {
    if (again.has(id)) throw new ForkError(`'${id}' runs again in this fork (it is the fork point or after it): only an upstream step's result can be given`);
    const was = steps[id];
    if (!was) throw new ForkError(`no recorded result of step '${id}' to edit: it did not complete in run ${parent.execution_id}`);
    steps[id] = { ...was, status: 'completed', success: true, result: value, error: null, error_type: null };
  }
  const params = new Set(analysis.pipeline.parameters.map((p) => p.name));
  for (const k of Object.keys(edits.inputs ?? {})) if (!params.has(k)) throw new ForkError(`'${k}' is neither a parameter of the pipeline nor an upstream step`);
  const { pid: _pid, generation: _g, file_header: _h, compacted: _c, traceparent: _t, ...rest } = parent;
  return {
    ...rest,
    execution_id: newExecutionId(now),
    inputs: { ...parent.inputs, ...(edits.inputs ?? {}) },
    // not 'running': a running record's process would be looked for and its commands killed
    status: 'failed',
    started_at: now.toISOString(),
    updated_at: now.toISOString(),
    trigger: { kind: 'fork', name: `${parent.execution_id}@${at}`, parent: parent.execution_id, at },
    steps,
  };
}
