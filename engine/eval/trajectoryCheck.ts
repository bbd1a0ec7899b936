// What the analysis of an eval file checks of the assertions on an agent step's trajectory
// (trajectory.ts): that they look at a top-level agent step (`step: ID`), and that every tool they
// name is in that step's allow-list. A tool the step cannot call is a warning, not an error: the
// assertion still runs, but `tool_called` could never pass and `tool_not_called` never fail.
import type { AgentToolEntry, Pipeline, Step, ValuePath } from '../spec/types';
import { TOOL_SPECS } from '../toolkit/toolSpecs';
import { didYouMean, suggest } from '../analyze/suggest';
import type { EvalAssertion, EvalSink } from './evalFile';

/** The tools an allow-list lets an agent call: spellings, and prefixes (`mcp:files.`: every tool of a server). */
export interface AllowedTools {
  exact: string[];
  prefixes: string[];
}

/** An allow-list as the calls of a result spell their tools (`filesystem` becomes each of its actions). */
export function allowedTools(entries: AgentToolEntry[]): AllowedTools {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const e of entries) {
    const ref = e.ref;
    if (ref.kind === 'tool') {
      const spec = Object.prototype.hasOwnProperty.call(TOOL_SPECS, ref.tool) ? TOOL_SPECS[ref.tool] : null;
      if (spec) exact.push(...Object.keys(spec.actions).map((a) => `${ref.tool}.${a}`));
      else prefixes.push(`${ref.tool}.`);
    } else if (ref.kind === 'mcp' && !ref.tool) prefixes.push(`mcp:${ref.server}.`);
    else exact.push(e.spelling);
  }
  return { exact: [...new Set(exact)], prefixes };
}

export function allows(a: AllowedTools, tool: string): boolean {
  return a.exact.includes(tool) || a.prefixes.some((p) => tool.startsWith(p) && tool.length > p.length);
}

function agentSteps(steps: Step[]): string {
  const ids = steps.filter((s) => s.agent).map((s) => s.id);
  return ids.length ? `Agent steps: ${ids.join(', ')}.` : 'The pipeline has no agent step (`action: agent`).';
}

/** The named agents the step may call that could call `tool` themselves (their calls are not the step's). */
function calledBy(step: Step, pipeline: Pipeline, tool: string): string[] {
  const out: string[] = [];
  for (const e of step.agent?.tools ?? []) {
    if (e.ref.kind !== 'agent') continue;
    const named = pipeline.agents?.[e.ref.name];
    if (named && allows(allowedTools(named.tools), tool)) out.push(e.ref.name);
  }
  return out;
}

function checkTool(sink: EvalSink, step: Step, pipeline: Pipeline, tool: string, at: ValuePath, kind: string): void {
  const allowed = allowedTools(step.agent!.tools);
  if (allows(allowed, tool)) return;
  const s = suggest(tool, allowed.exact);
  const list = [...allowed.exact, ...allowed.prefixes.map((p) => `${p}*`)];
  const never = kind === 'tool_not_called' ? 'so this assertion cannot fail' : 'so this assertion cannot pass';
  const via = calledBy(step, pipeline, tool);
  const hint = via.length ? ` It is in the allow-list of ${via.map((n) => `agent '${n}'`).join(', ')}, whose calls are its own: assert 'tool_called: agent:${via[0]}' instead.` : '';
  sink.atValue('eval.unknown-tool', `Step '${step.id}' cannot call '${tool}': it is not in its allow-list (${list.join(', ') || 'empty'}), ${never}.${didYouMean(s)}${hint}`, at, s);
}

/** The checks of one trajectory assertion (`tool_called`, `tool_not_called`, `tool_sequence`, `max_turns`, `max_tool_calls`). */
export function checkTrajectory(sink: EvalSink, a: EvalAssertion, pipeline: Pipeline): void {
  const steps = pipeline.steps;
  if (!a.target) {
    sink.atKey('eval.assertion-target', `'${a.kind}' looks at an agent step's calls and turns: say which with 'step: ID'. ${agentSteps(steps)}`, [...a.path, a.kind]);
    return;
  }
  if ('output' in a.target) {
    sink.atKey('eval.assertion-target', `'${a.kind}' looks at an agent step's calls and turns, not at an output: use 'step: ID'. ${agentSteps(steps)}`, [...a.path, 'output']);
    return;
  }
  const step = steps.find((s) => s.id === (a.target as { step: string }).step);
  if (!step) return;
  if (!step.agent) {
    sink.atValue('eval.assertion-target', `Step '${step.id}' is not an agent step${step.action ? ` (its action is '${step.action}')` : ''}: '${a.kind}' looks at an agent step's calls and turns. ${agentSteps(steps)}`, [...a.path, 'step']);
    return;
  }
  if ((a.kind === 'tool_called' || a.kind === 'tool_not_called') && typeof a.operand === 'string' && a.operand.trim()) checkTool(sink, step, pipeline, a.operand, [...a.path, a.kind], a.kind);
  if (a.kind === 'tool_sequence' && Array.isArray(a.operand)) {
    a.operand.forEach((t, i) => {
      if (typeof t === 'string' && t.trim()) checkTool(sink, step, pipeline, t, [...a.path, a.kind, i], a.kind);
    });
  }
}
