// A run of a pipeline that a server offers (`orc mcp`, `orc serve`): one path for both, so a run
// started over MCP, over HTTP or by a trigger is the same ordinary run `orc run` makes: the file as
// it is now, the AUTO lock's answers, records and checkpoints in ROOT/.orchestrator/, the server's
// one model runner (its rate limits hold across every run), and secret inputs redacted.
import { readFileSync, statSync } from 'node:fs';
import { lockFileFor } from '../auto/lockFile';
import { analyze, type Analysis } from '../analyze/index';
import type { ModelRunner } from '../models/index';
import type { RegistryModel } from '../models/registry';
import type { ResultDocument, RunListener, RunTrigger } from '../run/events';
import { callsMcp, mcpAnalyzeOptions } from '../run/mcpPrepare';
import { runPipeline } from '../run/runPipeline';
import { secretInputValues } from '../run/secretInputs';
import type { Interaction } from '../toolkit/interaction';
import { Redactor } from '../toolkit/redact';
import { withoutBom } from '../util/text';
import type { ServedPipeline } from './mcpWorkspace';
import { withLockedAutoAnswers } from './resume';

/** What every run of one server shares. */
export interface RunHost {
  /** The workspace: runs are recorded in its `.orchestrator/`, relative paths start from it. */
  root: string;
  env: NodeJS.ProcessEnv;
  /** One runner for all the server's runs. */
  models: ModelRunner;
  registry: RegistryModel[];
  /** The environment's secrets. */
  redactor: Redactor;
  /** A line for the server's log (already redacted by the caller's logger). */
  log(line: string): void;
}

/** The analysis a run of `sp` runs: the file as it is now (its MCP servers' tools listed when it calls any), with the AUTO lock's answers. */
export async function servedAnalysis(host: RunHost, sp: ServedPipeline): Promise<{ source: string; analysis: Analysis }> {
  // the file and its AUTO lock as they were at the last run (same inode, size and modification
  // time): the same analysis, without reading and comparing the file and reading the lock again
  // (0.2 ms of a served run's 0.9 ms over a bare node:http server running it, bench serve)
  const key = filesKey(sp.file);
  const known = lastAnalysis.get(sp);
  if (known && key !== null && known.key === key) return known.compiled;
  const compiled = await analysisNow(host, sp);
  // a file that calls MCP servers is analysed with their tools as they are listed now, every run
  if (key !== null && !callsMcp(compiled.source)) lastAnalysis.set(sp, { key, compiled });
  else lastAnalysis.delete(sp);
  return compiled;
}

/** The last analysis servedAnalysis made of a served pipeline, and the state of its files then. */
const lastAnalysis = new WeakMap<ServedPipeline, { key: string; compiled: { source: string; analysis: Analysis } }>();

/** The pipeline file's and its AUTO lock's identity, size and modification time (null when the file is gone). */
function filesKey(file: string): string | null {
  const f = statSync(file, { throwIfNoEntry: false, bigint: true });
  if (!f) return null;
  const l = statSync(lockFileFor(file), { throwIfNoEntry: false, bigint: true });
  return `${f.ino}:${f.size}:${f.mtimeNs}:${f.ctimeNs}|${l ? `${l.ino}:${l.size}:${l.mtimeNs}:${l.ctimeNs}` : '-'}`;
}

async function analysisNow(host: RunHost, sp: ServedPipeline): Promise<{ source: string; analysis: Analysis }> {
  let source = sp.source;
  try {
    source = withoutBom(readFileSync(sp.file, 'utf8'));
  } catch {
    // removed since it was listed: the table's text still describes what was called
  }
  let analysis = source === sp.source ? sp.analysis : analyze(source, { pipelineFile: sp.file });
  if (callsMcp(source)) analysis = analyze(source, { ...(await mcpAnalyzeOptions(source, { workspace: host.root, cwd: host.root, warn: (s) => host.log(s) })), pipelineFile: sp.file });
  return { source, analysis: withLockedAutoAnswers(sp.file, source, analysis) };
}

export interface ServedRunRequest {
  inputs: Record<string, unknown>;
  signal: AbortSignal;
  executionId?: string;
  trigger?: RunTrigger;
  /** Who the run's questions go to, given the run's redactor (which knows its secret inputs). */
  interaction?(redactor: Redactor): Interaction;
  listeners?(redactor: Redactor): RunListener[];
}

/** The redactor of a run given these inputs: the environment's secrets and its secret inputs' values. */
export function runRedactorOf(host: RunHost, analysis: Analysis, inputs: Record<string, unknown>): Redactor {
  const secrets = secretInputValues(analysis.pipeline?.parameters ?? [], inputs);
  return secrets.length ? new Redactor(host.env, secrets) : host.redactor;
}

/** Starts the run (an analysis without errors): its redactor and the promise of its result document. */
export function startServedRun(host: RunHost, sp: ServedPipeline, compiled: { source: string; analysis: Analysis }, req: ServedRunRequest): { redactor: Redactor; run: Promise<ResultDocument> } {
  const redactor = runRedactorOf(host, compiled.analysis, req.inputs);
  const run = runPipeline(compiled.analysis, {
    cwd: host.root,
    inputs: req.inputs,
    pipelineFile: sp.file,
    source: compiled.source,
    models: host.models,
    predict: true,
    registry: host.registry,
    redactor,
    signal: req.signal,
    ...(req.interaction ? { interaction: req.interaction(redactor) } : {}),
    ...(req.listeners ? { listeners: req.listeners(redactor) } : {}),
    ...(req.executionId ? { executionId: req.executionId } : {}),
    ...(req.trigger ? { trigger: req.trigger } : {}),
  });
  return { redactor, run };
}

/** The error a served run is cancelled with. */
export function cancelled(why: string): Error {
  const e = new Error(`The run was cancelled: ${why}`);
  e.name = 'CancelledError';
  return e;
}
