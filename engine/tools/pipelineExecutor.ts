// The pipeline-executor tool (ContextLab's): runs a sub-pipeline, from a file or inline YAML, as one
// step. The runner analyzes it as a pipeline of its own and bounds how deep pipelines nest; this
// tool finds it, applies the timeout (which stops the sub-pipeline and every command it started),
// retries under `error_handling: retry`, and renames its outputs.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { setLongTimeout, sleep, type LongTimer } from '../util/longTimer';
import { resolveInWorkspace } from './filesystem';
import { pipelineExecutorSpec } from '../toolkit/specs/pipelineExecutor';
import type { NestedRunResult, ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { abortError, ToolError } from '../toolkit/runtime';

/** What inline text is called in messages (`<inline>:3:5: ...`). */
export const INLINE_NAME = '<inline>';

type Target = { file: string } | { source: string };

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Where a path or an id may be: this pipeline's folder, then the working directory (and, for an id, its `pipelines/` and `examples/`). */
function findPipeline(spec: string, ctx: ToolContext): Target {
  const text = spec.trim();
  if (!text) throw new ToolError("'pipeline' is empty: give a file path, a pipeline id or inline YAML", 'ValueError');
  const oneLine = !spec.trim().includes('\n');
  if (!oneLine || text.startsWith('id:')) return { source: spec };
  const base = ctx.pipelineFile ? path.dirname(ctx.pipelineFile) : ctx.cwd;
  const dirs = [...new Set([base, ctx.cwd])];
  let candidates: string[];
  if (/\.ya?ml$/i.test(text)) candidates = dirs.map((d) => path.resolve(d, text));
  else {
    if (!/^[\w.-]+$/.test(text)) throw new ToolError(`'pipeline' is neither a .yaml/.yml path, a pipeline id nor inline YAML: ${text}`, 'ValueError');
    const idDirs = [...dirs, path.join(ctx.cwd, 'pipelines'), path.join(ctx.cwd, 'examples')];
    candidates = idDirs.flatMap((d) => [`${text}.yaml`, `${text}.yml`, `${text}.pipeline.yaml`].map((f) => path.join(d, f)));
  }
  // every candidate is checked against the workspace before it is looked at
  for (const c of candidates) {
    let abs: string;
    try {
      abs = resolveInWorkspace(c, ctx);
    } catch (e) {
      // named as the pipeline gave it
      if (e instanceof ToolError && e.errorType === 'PermissionError') throw new ToolError(e.message.replace(c, text), e.errorType);
      throw e;
    }
    if (isFile(abs)) return { file: abs };
  }
  const where = /\.ya?ml$/i.test(text) ? `no such file in ${dirs.map((d) => path.relative(ctx.cwd, d) || '.').join(' or ')}` : `no ${text}.yaml, ${text}.yml or ${text}.pipeline.yaml in this pipeline's folder, the working directory, pipelines/ or examples/`;
  throw new ToolError(`Could not find the pipeline '${text}': ${where}`, 'ValueError');
}


function num(v: unknown, name: string, dflt: number, min: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new ToolError(`'${name}' must be a number of at least ${min}, got ${JSON.stringify(v)}`, 'ValueError');
  return v;
}

function mapOutputs(outputs: Record<string, unknown>, mapping: Record<string, unknown> | null, ctx: ToolContext): Record<string, unknown> {
  if (!mapping || !Object.keys(mapping).length) return outputs;
  const mapped: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(mapping)) {
    if (Object.prototype.hasOwnProperty.call(outputs, from)) mapped[String(to)] = outputs[from];
    else ctx.output('stderr', `output_mapping: the sub-pipeline has no output '${from}' (it has ${Object.keys(outputs).map((k) => `'${k}'`).join(', ') || 'none'})\n`);
  }
  return mapped;
}

/** One run; what keeps it from starting (an input it does not declare, nesting too deep) is a ValueError: running again cannot fix it. */
async function runOnce(target: Target, inputs: Record<string, unknown>, options: { signal: AbortSignal; inherit: boolean }, ctx: ToolContext): Promise<NestedRunResult> {
  try {
    return 'file' in target ? await ctx.runNested(target.file, inputs, options) : await ctx.runNested(INLINE_NAME, inputs, { ...options, source: target.source });
  } catch (e) {
    if (e instanceof ToolError || !(e instanceof Error) || options.signal.aborted) throw e;
    throw new ToolError(e.message, 'ValueError');
  }
}

async function execute(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (typeof p.pipeline !== 'string') throw new ToolError("'pipeline' must be text: a file path, a pipeline id or inline YAML", 'ValueError');
  const inputs = p.inputs ?? {};
  if (typeof inputs !== 'object' || Array.isArray(inputs)) throw new ToolError("'inputs' must be a mapping of parameter names to values", 'ValueError');
  const mapping = p.output_mapping ?? null;
  if (mapping !== null && (typeof mapping !== 'object' || Array.isArray(mapping))) throw new ToolError("'output_mapping' must be a mapping of output names to new names", 'ValueError');
  const handling = p.error_handling ?? 'fail';
  if (handling !== 'fail' && handling !== 'continue' && handling !== 'retry') throw new ToolError(`Invalid error_handling '${String(handling)}': use fail, continue or retry`, 'ValueError');
  const timeout = num(p.timeout, 'timeout', 0, 0);
  const attempts = handling === 'retry' ? Math.floor(num(p.retry_count, 'retry_count', 3, 1)) : 1;
  let delay = num(p.retry_delay, 'retry_delay', 1, 0);
  const inherit = p.inherit_context !== false;
  const target = findPipeline(p.pipeline, ctx);

  // one deadline for every attempt (ContextLab's): the step's own signal stops the sub-pipeline too
  if (ctx.signal.aborted) throw abortError(ctx.signal);
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer: LongTimer | null = timeout > 0 ? setLongTimeout(() => ((timedOut = true), ctl.abort(new ToolError(`Pipeline execution timed out after ${timeout} seconds`, 'TimeoutError'))), timeout * 1000) : null;
  const t0 = performance.now();
  let r: NestedRunResult;
  let n = 0;
  try {
    for (;;) {
      n++;
      r = await runOnce(target, inputs as Record<string, unknown>, { signal: ctl.signal, inherit }, ctx);
      if (r.success || n >= attempts || ctl.signal.aborted) break;
      ctx.output('stderr', `sub-pipeline failed (attempt ${n} of ${attempts}): ${r.error}; retrying in ${delay} s\n`);
      if (!(await sleep(delay * 1000, ctl.signal))) break;
      delay *= 2;
    }
  } finally {
    if (timer) timer.clear();
    ctx.signal.removeEventListener('abort', onAbort);
  }
  if (ctx.signal.aborted) throw abortError(ctx.signal);
  const ok = r.success && !timedOut;
  const error = ok ? null : timedOut ? `Pipeline execution timed out after ${timeout} seconds` : (r.error ?? `the sub-pipeline ${r.status}`);
  const result = {
    success: ok,
    pipeline_id: r.pipeline_id ?? null,
    outputs: mapOutputs(r.outputs, mapping as Record<string, unknown> | null, ctx),
    status: r.status,
    execution_id: r.execution_id,
    execution_time: Math.round(performance.now() - t0) / 1000,
    steps_executed: r.steps_executed ?? 0,
    recursion_depth: r.depth ?? 1,
    attempts: n,
    error,
    continued: false,
  };
  if (result.success) return { success: true, result };
  if (handling === 'continue') return { success: true, result: { ...result, continued: true } };
  return { success: false, result, error: `Sub-pipeline failed: ${error}` };
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (action === 'execute') return execute(p, ctx);
  throw new ToolError(`pipeline-executor has no action '${action}': use execute`, 'ValueError');
}

export const pipelineExecutorTool: ToolDefinition = { spec: pipelineExecutorSpec, run };
