// A step's action checked: its tool and action exist (MCP tools included), its parameters are known,
// of their type and none required is missing.
import { removal } from './contextlabCompat';
import { exactSpan } from '../parse/yamlDocument';
import type { Pipeline, Step, ValuePath } from '../spec/types';
import { actionSpec, BUILTIN_ACTIONS, toolsWithAction, type ActionSpec, type ParamSpec, type ToolCatalog } from '../toolkit/toolSpecs';
import { hasTemplateSyntax } from '../template/parser';
import { isAutoTag } from './autoTags';
import type { FindingSink } from './findingSink';
import { table } from '../util/table';
import { hasType, TYPE_WORDS } from '../spec/values';
import { didYouMean, suggest } from './suggest';
import { MCP_ACTION, type McpAnalysisInfo } from '../mcp/catalog';
import { parseMcpTool } from '../mcp/names';

/** Whether a value has one of the parameter's types. */
export function typeOk(value: unknown, spec: ParamSpec): boolean {
  if (spec.type === 'any') return true;
  return (Array.isArray(spec.type) ? spec.type : [spec.type]).some((t) => hasType(value, t));
}

function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && (hasTemplateSyntax(v) || isAutoTag(v));
}

/** Names people reach for first, and the tool that does it. */
export const TOOL_SYNONYMS: Record<string, string> = table({
  shell: 'terminal', bash: 'terminal', sh: 'terminal', command: 'terminal', exec: 'terminal',
  file: 'filesystem', files: 'filesystem', fs: 'filesystem', web: 'http', fetch: 'http', request: 'http', api: 'http',
  json: 'data', csv: 'data', transform: 'data', schema: 'validation', validate: 'validation', subpipeline: 'pipeline',
});

/** The step's tool and action exist and its parameters fit the action's. */
export function checkAction(step: Step, sink: FindingSink, catalog: ToolCatalog, pipeline: Pipeline, mcp?: McpAnalysisInfo): void {
  const p = step.path;
  const raw = step.raw;
  const sid = step.id;
  if (step.loop || raw.steps !== undefined) return;
  if (typeof raw.tool === 'string' && isAutoTag(raw.tool)) return;
  if (typeof raw.action === 'string' && isAutoTag(raw.action)) return;
  const tool = step.tool;
  const mcpTool = parseMcpTool(tool);
  if (mcpTool) {
    const mcpSpec = checkMcpTool(step, mcpTool, sink, catalog, pipeline, mcp);
    if (mcpSpec) checkParameters(step, mcpSpec, tool!, sink);
    return;
  }
  if (tool && !Object.prototype.hasOwnProperty.call(catalog, tool)) {
    const synonym = TOOL_SYNONYMS[tool.toLowerCase()];
    const suggestions = synonym ? [synonym] : suggest(tool, Object.keys(catalog));
    sink.atValue('tool.unknown', `Unknown tool '${tool}'.${didYouMean(suggestions)} Tools: ${Object.keys(catalog).join(', ')}.`, [...p, 'tool'], { step: sid, suggestions });
    return;
  }
  if (!step.action) {
    if (raw.action !== undefined) return; // a wrong type, reported by the schema
    const choices = tool ? Object.keys(catalog[tool].actions) : Object.keys(BUILTIN_ACTIONS);
    sink.atValue('step.missing-action', `Step '${sid}' has no 'action': use one of ${choices.map((c) => `'${c}'`).join(', ')}.`, [...p, 'id'], { step: sid, suggestions: choices });
    return;
  }
  const action = step.action;
  const spec = actionSpec(catalog, tool, action);
  if (!spec) {
    if (tool) {
      const choices = Object.keys(catalog[tool].actions);
      const suggestions = suggest(action, choices);
      sink.atValue('action.unknown', `Tool '${tool}' has no action '${action}'.${didYouMean(suggestions)} It has ${choices.map((c) => `'${c}'`).join(', ')}.`, [...p, 'action'], { step: sid, suggestions });
    } else {
      const owners = toolsWithAction(catalog, action);
      if (owners.length) {
        const named = owners.length <= 3 ? `the ${owners.map((o) => `'${o}'`).join(' or ')} tool` : `${owners.length} tools (${owners.slice(0, 3).map((o) => `'${o}'`).join(', ')}, ...)`;
        sink.atValue('action.needs-tool', `Action '${action}' belongs to ${named}: add 'tool: ${owners[0]}'${owners.length > 1 ? ' or the one you mean' : ''}.`, [...p, 'action'], { step: sid, suggestions: owners });
      } else {
        const choices = Object.keys(BUILTIN_ACTIONS);
        const suggestions = suggest(action, [...new Set([...choices, ...Object.values(catalog).flatMap((t) => Object.keys(t.actions))])]);
        sink.atValue('action.unknown', `Unknown action '${action}'.${didYouMean(suggestions)} Built-in actions: ${choices.join(', ')}; other actions need a 'tool'.`, [...p, 'action'], { step: sid, suggestions });
      }
    }
    return;
  }
  checkParameters(step, spec, tool ? `${tool}.${action}` : action, sink);
}

/** The step's `parameters` against the action's: unknown, missing, of the wrong type. */
function checkParameters(step: Step, spec: ActionSpec, label: string, sink: FindingSink): void {
  const p = step.path;
  const raw = step.raw;
  const sid = step.id;
  const params = raw.parameters;
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) return; // schema reports it
  const given = (params ?? {}) as Record<string, unknown>;
  const names = Object.keys(spec.parameters);
  const keys = Object.keys(given);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = given[k];
    const ps = spec.parameters[k];
    if (!ps) {
      const suggestions = suggest(k, names);
      const rm = removal(sink.parsed, [...p, 'parameters', k]);
      sink.atKey('param.unknown', `'${label}' has no parameter '${k}': it is ignored.${didYouMean(suggestions)} It takes ${names.map((n) => `'${n}'`).join(', ')}.`, [...p, 'parameters', k], { step: sid, suggestions, fixes: rm ? [rm] : undefined });
      continue;
    }
    if (v === null && !ps.required) continue;
    if (isTemplated(v)) continue;
    if (!typeOk(v, ps)) {
      const want = ps.type === 'any' ? 'a value' : (Array.isArray(ps.type) ? ps.type : [ps.type]).map((t) => TYPE_WORDS[t]).join(' or ');
      sink.atValue('param.type', `Parameter '${k}' of '${label}' must be ${want}.`, [...p, 'parameters', k], { step: sid });
    } else if (ps.enum && !ps.enum.includes(v)) {
      const suggestions = typeof v === 'string' ? suggest(v, ps.enum.map(String)) : [];
      sink.atValue('param.type', `Parameter '${k}' of '${label}' must be one of ${ps.enum.map((e) => `'${e}'`).join(', ')}.${didYouMean(suggestions)}`, [...p, 'parameters', k], { step: sid, suggestions });
    }
  }
  const missing = names.filter((n) => spec.parameters[n].required && !(n in given) && !names.some((a) => spec.parameters[a].aliasOf === n && a in given) && !(spec.parameters[n].unlessGiven ?? []).some((a) => a in given));
  if (missing.length) {
    const at: ValuePath = (exactSpan(sink.parsed, [...p, 'parameters'])?.keyStart ?? -1) >= 0 ? [...p, 'parameters'] : raw.action !== undefined ? [...p, 'action'] : [...p, 'tool'];
    sink.atKey('param.missing', `'${label}' needs the parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}.`, at, { step: sid, suggestions: missing });
  }
}

/**
 * A `tool: mcp:<server>.<tool>` step: the server must be declared (the pipeline's `mcp_servers` or the
 * user's settings), the action is `call` or absent, and when the server's tools are listed the tool
 * must be one of them. Returns the tool's action spec when its parameters can be checked.
 */
function checkMcpTool(step: Step, ref: { server: string; tool: string | null }, sink: FindingSink, catalog: ToolCatalog, pipeline: Pipeline, mcp: McpAnalysisInfo | undefined): ActionSpec | undefined {
  const p = [...step.path, 'tool'];
  const sid = step.id;
  const quote = (l: string[]) => l.map((x) => `'${x}'`).join(', ');
  if (step.action !== null && step.action !== MCP_ACTION) {
    sink.atValue('action.unknown', `An MCP tool step's action is '${MCP_ACTION}' (or leave 'action' out), not '${step.action}'.`, [...step.path, 'action'], { step: sid, suggestions: [MCP_ACTION] });
  }
  const own = (s: string) => Object.prototype.hasOwnProperty.call(pipeline.mcpServers, s);
  const user = mcp?.userServers ?? [];
  const declared = [...Object.keys(pipeline.mcpServers), ...user.filter((s) => !own(s))];
  if (!own(ref.server) && !user.includes(ref.server)) {
    if (!mcp) {
      // the user's settings were not read: the server may be declared there
      sink.atValue('mcp.unchecked', `MCP server '${ref.server}' is not in this pipeline's 'mcp_servers' (it may be in your settings): the tool and its parameters are not checked here.`, p, { step: sid });
      return undefined;
    }
    const suggestions = suggest(ref.server, declared).map((s) => (ref.tool ? `mcp:${s}.${ref.tool}` : `mcp:${s}`));
    const known = declared.length ? `the declared servers are ${quote(declared)}` : "the pipeline declares no 'mcp_servers' (nor do your settings)";
    sink.atValue('mcp.unknown-server', `No MCP server '${ref.server}': ${known}.${didYouMean(suggestions)}`, p, { step: sid, suggestions });
    return undefined;
  }
  const prefix = `mcp:${ref.server}.`;
  const listed = Object.keys(catalog).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const status = mcp?.status[ref.server];
  if (!ref.tool) {
    sink.atValue('mcp.unknown-tool', `Name the tool: 'mcp:${ref.server}.<tool>'${status?.listed ? `; '${ref.server}' has ${quote(listed)}` : ''}.`, p, { step: sid, suggestions: listed.map((t) => `${prefix}${t}`) });
    return undefined;
  }
  if (!status || !status.listed) {
    const why = status ? status.reason : 'not listed yet';
    sink.atValue('mcp.unchecked', `The tools of MCP server '${ref.server}' are not known (${why}): the parameters of this step are not checked.`, p, { step: sid, severity: status && status.failed ? 'warning' : 'info' });
    return undefined;
  }
  const name = `${prefix}${ref.tool}`;
  if (!Object.prototype.hasOwnProperty.call(catalog, name)) {
    const suggestions = suggest(ref.tool, listed).map((s) => `${prefix}${s}`);
    sink.atValue('mcp.unknown-tool', `MCP server '${ref.server}' has no tool '${ref.tool}'.${didYouMean(suggestions)} It has ${listed.length ? quote(listed) : 'no tools'}.`, p, { step: sid, suggestions });
    return undefined;
  }
  return catalog[name].actions[MCP_ACTION];
}
