// The pipeline tool: runs another pipeline file as one step (depth-bounded by the runner).
import * as path from 'node:path';
import { resolveInWorkspace } from './filesystem';
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { ToolError } from '../toolkit/runtime';
import { TOOL_SPECS } from '../toolkit/toolSpecs';

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (action !== 'run') throw new ToolError(`pipeline has no action '${action}'`, 'ValueError');
  if (typeof p.pipeline !== 'string' || !p.pipeline) throw new ToolError("'pipeline' must be a path", 'ValueError');
  const base = ctx.pipelineFile ? path.dirname(ctx.pipelineFile) : ctx.cwd;
  const file = resolveInWorkspace(path.resolve(base, p.pipeline), ctx);
  const inputs = p.inputs && typeof p.inputs === 'object' && !Array.isArray(p.inputs) ? (p.inputs as Record<string, unknown>) : {};
  const r = await ctx.runNested(file, inputs);
  const result = { outputs: r.outputs, status: r.status, execution_id: r.execution_id };
  return r.success ? { success: true, result } : { success: false, result, error: r.error ?? `Nested pipeline ${p.pipeline} ${r.status}` };
}

export const pipelineTool: ToolDefinition = { spec: TOOL_SPECS.pipeline, run };
