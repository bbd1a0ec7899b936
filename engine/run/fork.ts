// A fork of a past run at a step: a new run (its own id and record) whose steps upstream of the
// fork point are answered from the parent's record — their results taken as recorded, so no model
// or tool is called again — and whose fork point and every step after it run anew, with values
// edited where the fork says (an upstream step's result, or an input of the steps that run again).
// The fork point may be a step in a loop's body at one iteration (`loop[2]/check`: the iterations
// before it kept), an iteration (`loop[2]`), or an agent step's turn (`reply.3`: its turns before
// 3 answered from the record by engine/agent/turnReplay.ts, through runPipeline's `forkTurns`).
// The parent's record is only read. The fork names its parent and fork point in its record and
// result document (`trigger: {kind: 'fork', name: 'PARENT@STEP', parent, at}`), and is started as
// a resumed run from the record made here (runPipeline's `resume`). An agent step with `memory:`
// that runs again in the fork reads its session as the parent run read it and adds nothing to it
// (`forkSessions`, engine/agent/sessionMemory.ts `SessionMemory.forked`).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Analysis } from '../analyze/index';
import type { Pipeline, Plan, Step } from '../spec/types';
import { isAgentResult, type AgentStepResult, type SessionRecord } from '../agent/types';
import { TurnReplay, TurnReplayError } from '../agent/turnReplay';
import type { StepResult } from './events';
import { loadCheckpoint } from './checkpointReader';
import { sha256, type Checkpoint } from './runFiles';
import { newExecutionId } from './executionId';

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

/** One level of a fork point or a checkpoint key: a step, or an iteration of a loop (`loop[2]`). */
interface Segment {
  id: string;
  iter: number | null;
}

/**
 * Where a fork starts: a path of steps as checkpoint keys spell them — `STEP`, `LOOP[I]` (that
 * iteration and those after it run again), `LOOP[I]/STEP` (a step of that iteration's body), and
 * on an agent step `STEP.TURN` (its turns before TURN answered from the record).
 */
export interface ForkPoint {
  at: string;
  path: Segment[];
  /** The first turn asked live (`STEP.TURN`), or null. */
  turn: number | null;
  /** What runs again at each level: the fork point's step there and every step that depends on it. */
  again: Set<string>[];
}

const ITER = /^(.+)\[(\d+)\]$/;
const TURN = /^(.+)\.(\d+)$/;
const quoted = (ids: string[]) => ids.map((s) => `'${s}'`).join(', ');

/** A fork point read against the pipeline's steps: ForkError names what does not fit. */
export function forkPoint(analysis: Analysis & { pipeline: Pipeline }, at: string): ForkPoint {
  const plan = analysis.plan;
  if (!plan) throw new ForkError('the pipeline has no plan (it does not compile)');
  const parts = at.split('/');
  const path: Segment[] = [];
  const again: Set<string>[] = [];
  let turn: number | null = null;
  let steps: Step[] = analysis.pipeline.steps;
  let listPlan: Plan = plan;
  let owner: string | null = null;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const byId = new Map(steps.map((s) => [s.id, s]));
    const where = owner === null ? 'top-level step' : `step in the body of loop '${owner}'`;
    const none = () => new ForkError(`no ${where} '${part}' to fork at: the steps are ${quoted(listPlan.steps)}`);
    let seg: Segment;
    const it = ITER.exec(part);
    const tn = TURN.exec(part);
    if (last && byId.has(part)) seg = { id: part, iter: null };
    else if (it && byId.has(it[1])) {
      if (!byId.get(it[1])!.loop) throw new ForkError(`'${it[1]}' is not a loop: '${part}' names an iteration of one`);
      seg = { id: it[1], iter: Number(it[2]) };
    } else if (last && tn && byId.has(tn[1])) {
      if (!byId.get(tn[1])!.agent) throw new ForkError(`'${tn[1]}' is not an agent step: a fork at a turn ('${part}') needs one`);
      seg = { id: tn[1], iter: null };
      turn = Number(tn[2]);
    } else if (!last && byId.has(part)) throw new ForkError(`'${part}' in '${at}' must name an iteration of a loop ('${part}[0]', ...)`);
    else throw none();
    path.push(seg);
    again.push(downstream(listPlan, seg.id));
    if (!last) {
      steps = byId.get(seg.id)!.body ?? [];
      listPlan = analysis.bodyPlans[seg.id];
      owner = seg.id;
      if (!listPlan) throw new ForkError(`loop '${seg.id}' has no plan for its body`);
    }
  });
  return { at, path, turn, again };
}

/** A step of a list and every step that depends on it there, directly or not. */
function downstream(plan: Plan, id: string): Set<string> {
  const out = new Set([id]);
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

/** The fork point and every step that depends on it, directly or not: what runs again at the top level. */
export function downstreamOf(analysis: Analysis & { pipeline: Pipeline }, at: string): Set<string> {
  return forkPoint(analysis, at).again[0];
}

/** Whether the parent's result at checkpoint key `key` is kept by a fork at `point` (else it runs again, or not at all). */
function keeps(point: ForkPoint, key: string): boolean {
  const segs = key.split('/').map((k): Segment => {
    const m = ITER.exec(k);
    return m ? { id: m[1], iter: Number(m[2]) } : { id: k, iter: null };
  });
  for (let l = 0; l < point.path.length; l++) {
    const f = point.path[l];
    const k = segs[l];
    if (!k) return false;
    if (!point.again[l].has(k.id)) return true; // upstream of the fork point in this list (or beside it)
    if (k.id !== f.id) return false; // after it
    // the fork point's own loop: the iterations before the one forked at are kept
    if (f.iter === null || k.iter === null || k.iter > f.iter) return false;
    if (k.iter < f.iter) return true;
    if (l === point.path.length - 1) return false; // the iteration forked at runs again
  }
  return false;
}

/**
 * The record the fork starts from: the parent's results that the fork point does not lead to
 * (those that completed, or were skipped as they ran), edited; the inputs, edited; a new id;
 * `trigger` naming the parent and the fork point. Nothing is written here.
 */
export function forkCheckpoint(parent: Checkpoint, analysis: Analysis & { pipeline: Pipeline }, at: string, edits: ForkEdits = {}, now = new Date()): Checkpoint {
  const point = forkPoint(analysis, at);
  for (let l = 0; l < point.path.length - 1; l++) {
    const loopKey = point.path.slice(0, l + 1).map((s, i) => (i === l ? s.id : `${s.id}[${s.iter}]`)).join('/');
    if (parent.compacted?.[loopKey]) throw new ForkError(`iterations of loop '${loopKey}' were dropped from run ${parent.execution_id}'s record (a long while loop keeps its first and latest): fork at the loop itself`);
  }
  if (point.turn !== null) forkTurns(parent, point);
  const steps: Record<string, StepResult> = {};
  for (const [key, r] of Object.entries(parent.steps)) {
    if (!keeps(point, key)) continue;
    if (r.status === 'completed' || r.status === 'skipped') steps[key] = r;
  }
  for (const [id, value] of Object.entries(edits.steps ?? {})) {
    if (!keeps(point, id)) throw new ForkError(`'${id}' runs again in this fork (it is the fork point or after it): only an upstream step's result can be given`);
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

/** A fork at an agent's turn: the step's recorded result, which answers its turns before the fork point. */
export interface ForkTurns {
  /** The agent step's checkpoint key (`loop[2]/reply`). */
  key: string;
  /** The first turn asked live. */
  turn: number;
  recorded: AgentStepResult;
}

/**
 * What runPipeline's `forkTurns` takes for a fork at `STEP.TURN` (undefined for a fork at a step):
 * the parent's result of that agent step, checked to answer every turn before TURN.
 */
export function forkTurns(parent: Checkpoint, point: ForkPoint): ForkTurns | undefined {
  if (point.turn === null) return undefined;
  const key = point.path.map((s, i) => (i < point.path.length - 1 ? `${s.id}[${s.iter}]` : s.id)).join('/');
  const r = parent.steps[key];
  if (!r || !isAgentResult(r.result)) throw new ForkError(`run ${parent.execution_id} has no recorded turns of agent step '${key}'${r ? ` (it ${r.status === 'skipped' ? 'was skipped' : `ended ${r.status} without an agent's result`})` : ' (it did not run)'}`);
  try {
    new TurnReplay(r.result, point.turn, `agent step '${key}'`);
  } catch (e) {
    if (e instanceof TurnReplayError) throw new ForkError(`cannot fork at '${point.at}': ${e.message}`);
    throw e;
  }
  return { key, turn: point.turn, recorded: r.result };
}

/** What a fork's agent steps with `memory:` need of the parent run: its id, and each agent step's record of its session. */
export interface ForkSessions {
  parent: string;
  /** The parent's agent steps' `result.session`, by checkpoint key (`loop[2]/reply`). */
  sessions: Record<string, SessionRecord>;
  /** How those of them that did not complete ended (`failed`, `cancelled`): such a step may have added nothing to its session. */
  ended: Record<string, string>;
}

/** runPipeline's `forkSessions` for a fork of `parent` (the parent's record is only read). */
export function forkSessions(parent: Checkpoint): ForkSessions {
  const sessions: Record<string, SessionRecord> = {};
  const ended: Record<string, string> = {};
  for (const [key, r] of Object.entries(parent.steps)) {
    if (!isAgentResult(r.result) || !r.result.session) continue;
    sessions[key] = r.result.session;
    if (r.status !== 'completed') ended[key] = r.status;
  }
  return { parent: parent.execution_id, sessions, ended };
}
