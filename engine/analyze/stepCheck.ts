// Semantic checks of steps: ids, dependencies, jumps, tools, actions and their parameters, loops,
// models, experts, personalities, products; and the plan of every step list with its cycles.
import { removal } from './contextlabCompat';
import { exactSpan, stringOffsets, valueRange } from '../parse/yamlDocument';
import { buildPlan } from '../plan/plan';
import { failureTargets } from '../plan/failureHandlers';
import type { Finding, Pipeline, Plan, PlanEdge, Range, RelatedFinding, Step, ValuePath } from '../spec/types';
import { actionSpec, BUILTIN_ACTIONS, toolsWithAction, type ActionSpec, type ParamSpec, type ToolCatalog } from '../tools/specs';
import { hasTemplateSyntax } from '../template/parser';
import { isAutoSelect, isAutoTag } from './autoTags';
import type { FindingSink } from './findingSink';
import type { StepReference } from './model';
import { STEP_ALIASES, stepKey } from './normalize';
import { table } from '../util/table';
import { hasType, TYPE_WORDS } from '../spec/values';
import { didYouMean, suggest } from './suggest';
import type { StepListContext, TemplateCheckResult } from './templateCheck';
import { MCP_ACTION, type McpAnalysisInfo } from '../mcp/catalog';
import { parseMcpTool } from '../mcp/names';
import { findingInside, movedFinding, movedRange, movedReference, rangeInside, StepMemo, topLevelPlan, type StepMemoContext } from './stepMemo';
import { offsetAt } from '../parse/scalarOffsets';
import { appendAll, kept, keptFrom } from '../util/none';

/** `vscode:` names the editor's own language models (vscode.lm): they run only inside VS Code. */
export const MODEL_PROVIDERS = ['openai', 'anthropic', 'google', 'huggingface', 'ollama', 'openai-compatible', 'vscode'];

export interface StepIndexEntry {
  step: Step;
  ctx: StepListContext;
}

/** The range of a top-level step's id, kept across analyses by the step's text. */
const ID_RANGES = new StepMemo<Range>((r, lines) => (lines ? movedRange(r, lines) : r), rangeInside);

/** Every step of the pipeline, loop bodies included; the first of duplicated ids wins. */
export function indexSteps(pipeline: Pipeline, sink: FindingSink | null, references: StepReference[], memo?: StepMemoContext): Map<string, StepIndexEntry> {
  const index = new Map<string, StepIndexEntry>();
  const idRangeOf = (step: Step, top: boolean): Range => {
    const place = top ? memo?.place(step) : undefined;
    const known = place && ID_RANGES.get(memo!, step, place);
    if (known) return known;
    const range = valueRange(sink!.parsed, [...step.path, 'id']);
    if (place) ID_RANGES.set(memo!, step, place, range);
    return range;
  };
  const visit = (ctx: StepListContext) => {
    for (const step of ctx.steps) {
      const idRange = idRangeOf(step, !ctx.parent);
      const prior = index.get(step.id);
      if (prior) {
        sink?.atValue('step.duplicate-id', `Step id '${step.id}' is already used by another step; ids must be unique.`, [...step.path, 'id'], {
          step: step.id,
          related: [{ message: `'${step.id}' first defined here`, range: valueRange(sink.parsed, [...prior.step.path, 'id']) }],
        });
      } else {
        index.set(step.id, { step, ctx });
        references.push({ stepId: step.id, kind: 'definition', range: idRange, fromStep: step.id, path: step.path.concat('id') });
      }
      if (step.body) visit({ steps: step.body, loop: step, parent: ctx });
    }
  };
  visit({ steps: pipeline.steps, loop: null, parent: null });
  return index;
}

interface DepEntry {
  id: string;
  range: Range;
  path: ValuePath;
}

/** The dependency entries of a step with their ranges (a comma-separated string gives one per name). */
function dependencyEntries(step: Step, sink: FindingSink): DepEntry[] {
  const key = stepKey(step.raw, STEP_ALIASES[0]);
  const raw = step.raw[key];
  const path = step.path.concat(key);
  if (Array.isArray(raw)) {
    const out: DepEntry[] = [];
    for (let i = 0; i < raw.length; i++) {
      const x: unknown = raw[i];
      if (typeof x !== 'string' || isAutoTag(x)) continue;
      const p = path.concat(i);
      out.push({ id: x, range: valueRange(sink.parsed, p), path: p });
    }
    return out;
  }
  if (typeof raw === 'string' && !isAutoTag(raw)) {
    const offsets = stringOffsets(sink.parsed, path, raw);
    const out: DepEntry[] = [];
    const re = /[^,\s][^,]*/g;
    for (let m = re.exec(raw); m; m = re.exec(raw)) {
      const id = m[0].trim();
      const s = m.index;
      const e = m.index + id.length;
      const range = offsets !== null ? sink.parsed.lines.range(offsetAt(offsets, s), offsetAt(offsets, e - 1) + 1) : valueRange(sink.parsed, path);
      out.push({ id, range, path });
    }
    return out;
  }
  return [];
}

function typeOk(value: unknown, spec: ParamSpec): boolean {
  if (spec.type === 'any') return true;
  return (Array.isArray(spec.type) ? spec.type : [spec.type]).some((t) => hasType(value, t));
}


function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && (hasTemplateSyntax(v) || isAutoTag(v));
}

/** Names people reach for first, and the tool that does it. */
const TOOL_SYNONYMS: Record<string, string> = table({
  shell: 'terminal', bash: 'terminal', sh: 'terminal', command: 'terminal', exec: 'terminal',
  file: 'filesystem', files: 'filesystem', fs: 'filesystem', web: 'http', fetch: 'http', request: 'http', api: 'http',
  json: 'data', csv: 'data', transform: 'data', schema: 'validation', validate: 'validation', subpipeline: 'pipeline',
});

function checkAction(step: Step, sink: FindingSink, catalog: ToolCatalog, pipeline: Pipeline, mcp?: McpAnalysisInfo): void {
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
  const missing = names.filter((n) => spec.parameters[n].required && !(n in given) && !names.some((a) => spec.parameters[a].aliasOf === n && a in given));
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

function checkLoop(step: Step, sink: FindingSink): void {
  const raw = step.raw;
  const p = step.path;
  const sid = step.id;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(raw, k);
  if (has('for_each') && has('while')) {
    sink.atKey('loop.conflict', `Step '${sid}' has both 'for_each' and 'while': a step is one kind of loop.`, [...p, 'while'], { step: sid });
  }
  const isLoop = has('for_each') || has('while');
  if (isLoop && !has('steps')) {
    const key = has('for_each') ? 'for_each' : 'while';
    sink.atKey('loop.missing-body', `'${key}' needs a body: add 'steps:' with the steps to repeat.`, [...p, key], { step: sid });
  }
  if (!isLoop && has('steps')) {
    sink.atKey('loop.body-without-loop', `'steps:' inside step '${sid}' is a loop body, but the step has neither 'for_each' nor 'while'.`, [...p, 'steps'], { step: sid, suggestions: ['for_each', 'while'] });
  }
  if (isLoop && has('action')) {
    sink.atKey('loop.conflict', `A loop step runs its body: it takes no 'action' of its own.`, [...p, 'action'], { step: sid });
  }
  for (const k of ['max_parallel', 'loop_var']) {
    if (has(k) && !has('for_each')) sink.atKey('loop.option-without-loop', `'${k}' applies to 'for_each' loops; step '${sid}' is not one.`, [...p, k], { step: sid });
  }
  for (const k of ['until', 'max_iterations']) {
    if (has(k) && !has('while')) sink.atKey('loop.option-without-loop', `'${k}' applies to 'while' loops; step '${sid}' is not one.`, [...p, k], { step: sid });
  }
}

/** The file's value at a top-level key. */
function rawAt(sink: FindingSink, path: [string]): unknown {
  const v = sink.parsed.value;
  return v && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, path[0]) ? (v as Record<string, unknown>)[path[0]] : undefined;
}

/** A model, or each model of a fallback chain (a list), each finding on its own item. */
function checkModels(model: unknown, path: ValuePath, sink: FindingSink, step: string | null): void {
  if (!Array.isArray(model)) return checkModel(model, path, sink, step);
  model.forEach((m, i) => checkModel(m, [...path, i], sink, step));
  const seen = new Set<unknown>();
  model.forEach((m, i) => {
    if (typeof m === 'string' && seen.has(m)) sink.atValue('model.invalid', `Model '${m}' is already in this fallback chain: it would be asked twice.`, [...path, i], { step });
    seen.add(m);
  });
}

function checkModel(model: unknown, path: ValuePath, sink: FindingSink, step: string | null, onKey = false): void {
  const at = (onKey ? sink.atKey : sink.atValue).bind(sink);
  if (typeof model !== 'string' || isAutoTag(model) || isAutoSelect(model)) return;
  const m = /^([a-z][a-z0-9-]*):(.+)$/.exec(model);
  if (!m) {
    at('model.invalid', `Model '${model}' must be 'provider:model', e.g. 'openai:gpt-4o-mini'.`, path, { step });
    return;
  }
  if (!MODEL_PROVIDERS.includes(m[1])) {
    const suggestions = suggest(m[1], MODEL_PROVIDERS).map((s) => `${s}:${m[2]}`);
    at('model.invalid', `Unknown model provider '${m[1]}': use ${MODEL_PROVIDERS.map((x) => `'${x}'`).join(', ')}.${didYouMean(suggestions)}`, path, { step, suggestions });
  }
}

function checkProducts(step: Step, sink: FindingSink): void {
  const varNames = step.vars.map((v) => v.name);
  for (const [k, v] of Object.entries(step.products)) {
    if (!varNames.includes(k)) {
      const suggestions = suggest(k, varNames);
      sink.atKey('products.unknown-var', `'products' names '${k}', but step '${step.id}' declares no such var.${didYouMean(suggestions)}`, [...step.path, 'products', k], { step: step.id, suggestions });
    }
    if (/^([/\\]|[A-Za-z]:)/.test(v) || v.split(/[/\\]/).includes('..')) {
      sink.atValue('products.path-escape', `Product path '${v}' must stay inside the run's output folder: use a relative path without '..'.`, [...step.path, 'products', k], { step: step.id });
    }
  }
}

function checkParameterDecls(pipeline: Pipeline, sink: FindingSink): void {
  for (const p of pipeline.parameters) {
    if (!p.type || !p.hasDefault || p.default === null) continue;
    const ok = typeOk(p.default, { type: p.type, description: '' });
    if (!ok) {
      sink.atValue('parameter.default-type', `The default of '${p.name}' is not ${TYPE_WORDS[p.type]}.`, [p.source, p.name, 'default'], {});
    } else if (p.enum && !p.enum.some((e) => JSON.stringify(e) === JSON.stringify(p.default))) {
      sink.atValue('parameter.default-type', `The default of '${p.name}' is not one of its enum values.`, [p.source, p.name, 'default'], {});
    }
  }
}

/** Tarjan's strongly connected components; returns components of more than one step. */
function cycles(ids: string[], edges: PlanEdge[]): string[][] {
  const adj = new Map<string, string[]>(ids.map((i) => [i, []]));
  for (const e of edges) adj.get(e.from)?.push(e.to);
  let counter = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    // iterative, so a 10,000-step chain cannot overflow the stack
    const work: { v: string; i: number }[] = [{ v, i: 0 }];
    idx.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    while (work.length) {
      const top = work[work.length - 1];
      const next = adj.get(top.v)!;
      if (top.i < next.length) {
        const w = next[top.i++];
        if (!idx.has(w)) {
          idx.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          on.add(w);
          work.push({ v: w, i: 0 });
        } else if (on.has(w)) low.set(top.v, Math.min(low.get(top.v)!, idx.get(w)!));
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].v;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
        }
        if (low.get(top.v) === idx.get(top.v)) {
          const comp: string[] = [];
          let w: string;
          do {
            w = stack.pop()!;
            on.delete(w);
            comp.push(w);
          } while (w !== top.v);
          if (comp.length > 1) out.push(comp);
        }
      }
    }
  };
  for (const i of ids) if (!idx.has(i)) strong(i);
  return out;
}

/** What checking one top-level step without a body added: findings, dependency references and edges. */
interface StepChecked {
  findings: Finding[];
  references: StepReference[];
  edges: { from: string; to: string; range: Range }[];
}

const MEMO = new StepMemo<StepChecked>(
  (d, lines) => ({
    findings: d.findings.map((f) => movedFinding(f, lines)),
    references: d.references.map((r) => movedReference(r, lines)),
    edges: lines ? d.edges.map((e) => ({ ...e, range: movedRange(e.range, lines) })) : d.edges,
  }),
  (d, place) => d.findings.every((f) => findingInside(f, place)) && d.references.every((r) => rangeInside(r.range, place)) && d.edges.every((e) => rangeInside(e.range, place)),
);

export interface StepCheckResult {
  plan: Plan;
  bodyPlans: Record<string, Plan>;
}

export function checkSteps(pipeline: Pipeline, sink: FindingSink, index: Map<string, StepIndexEntry>, templates: TemplateCheckResult, references: StepReference[], catalog: ToolCatalog, mcp?: McpAnalysisInfo, memo?: StepMemoContext): StepCheckResult {
  checkParameterDecls(pipeline, sink);
  const topKey = exactSpan(sink.parsed, ['model']) ? 'model' : 'default_model';
  checkModels(rawAt(sink, [topKey]) ?? pipeline.model, [topKey], sink, null);
  const fallbacks = rawAt(sink, ['fallbacks']);
  if (fallbacks && typeof fallbacks === 'object' && !Array.isArray(fallbacks))
    for (const [m, list] of Object.entries(fallbacks)) {
      checkModel(m, ['fallbacks', m], sink, null, true);
      checkModels(list, ['fallbacks', m], sink, null);
    }
  checkModel(pipeline.orchestrator, ['orchestrator'], sink, null);
  for (const [role, m] of Object.entries(pipeline.experts)) checkModel(m, ['experts', role], sink, null);

  const bodyPlans: Record<string, Plan> = {};
  const planList = (steps: Step[], owner: Step | null, parent: StepListContext | null): Plan => {
    const ctx: StepListContext = { steps, loop: owner, parent };
    const siblings = new Set(steps.map((s) => s.id));
    const edges: PlanEdge[] = [];
    // the range of edges[i] (a map by 'from>to' is made only for a cycle: one string and entry per
    // edge were a tenth of this check on a long pipeline)
    const edgeRanges: Range[] = [];
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k];
      const sid = step.id;
      // a top-level step without a body checked before in the same context: what it added then
      const place = memo && !owner && !step.body ? memo.place(step) : null;
      const known = place && MEMO.get(memo!, step, place);
      if (known) {
        appendAll(sink.findings, known.findings);
        appendAll(references, known.references);
        for (let j = 0; j < known.edges.length; j++) {
          const e = known.edges[j];
          edges.push({ from: e.from, to: e.to, kind: 'explicit' });
          edgeRanges.push(e.range);
        }
        continue;
      }
      const marks = [sink.findings.length, references.length, edges.length];
      checkLoop(step, sink);
      checkAction(step, sink, catalog, pipeline, mcp);
      checkProducts(step, sink);
      checkModels(Array.isArray(step.raw.model) ? step.raw.model : step.model, [...step.path, 'model'], sink, sid);
      if (step.expert !== null && !isAutoTag(step.expert) && !Object.prototype.hasOwnProperty.call(pipeline.experts, step.expert)) {
        const roles = Object.keys(pipeline.experts);
        const suggestions = suggest(step.expert, roles);
        sink.atValue('expert.unknown', `No expert '${step.expert}': ${roles.length ? `the experts are ${roles.map((r) => `'${r}'`).join(', ')}` : "the pipeline declares no 'experts'"}.${didYouMean(suggestions)}`, [...step.path, 'expert'], { step: sid, suggestions });
      }
      if (step.personality !== null && !Object.prototype.hasOwnProperty.call(pipeline.personalities, step.personality)) {
        const names = Object.keys(pipeline.personalities);
        const suggestions = suggest(step.personality, names);
        sink.atValue('personality.unknown', `No personality '${step.personality}': ${names.length ? `the personalities are ${names.map((r) => `'${r}'`).join(', ')}` : "the pipeline declares no 'personalities'"}.${didYouMean(suggestions)}`, [...step.path, 'personality'], { step: sid, suggestions });
      }
      const seen = new Set<string>();
      for (const dep of dependencyEntries(step, sink)) {
        if (dep.id === sid) {
          sink.add('step.self-dependency', `Step '${sid}' depends on itself.`, dep.range, dep.path, { step: sid });
          continue;
        }
        if (seen.has(dep.id)) {
          sink.add('step.duplicate-dependency', `'${dep.id}' is listed twice in the dependencies of '${sid}'.`, dep.range, dep.path, { step: sid });
          continue;
        }
        seen.add(dep.id);
        if (!siblings.has(dep.id)) {
          const elsewhere = index.get(dep.id);
          if (elsewhere) {
            const where = owner ? `the body of '${owner.id}'` : 'the top level';
            sink.add('step.unknown-dependency', `Step '${dep.id}' is not in ${where}: a step depends only on steps of its own list${owner ? `; make '${owner.id}' depend on it` : ''}.`, dep.range, dep.path, { step: sid });
          } else {
            const suggestions = suggest(dep.id, siblings);
            sink.add('step.unknown-dependency', `Unknown step '${dep.id}' in the dependencies of '${sid}'.${didYouMean(suggestions)}`, dep.range, dep.path, { step: sid, suggestions });
          }
          continue;
        }
        references.push({ stepId: dep.id, kind: 'dependency', range: dep.range, fromStep: sid, path: dep.path });
        edges.push({ from: dep.id, to: sid, kind: 'explicit' });
        edgeRanges.push(dep.range);
      }
      if (place) {
        const added = edges.slice(marks[2]).map((e, k) => ({ from: e.from, to: e.to, range: edgeRanges[marks[2] + k] }));
        MEMO.set(memo!, step, place, { findings: keptFrom(sink.findings, marks[0]), references: keptFrom(references, marks[1]), edges: kept(added) });
      }
      if (step.body) bodyPlans[sid] = planList(step.body, step, ctx);
    }
    const ids = steps.map((s) => s.id);
    // implied dependencies from templates, among this list's steps (the ancestor query is made at
    // the first one: most pipelines have none)
    let isAncestor: ((a: string, b: string) => boolean) | null = null;
    // an explicit edge makes its ends ancestors: only an implied edge can be met again here
    const impliedKeys = new Set<string>();
    for (let k = 0; k < templates.implied.length; k++) {
      const imp = templates.implied[k];
      if (!siblings.has(imp.from) || !siblings.has(imp.to)) continue;
      isAncestor ??= ancestorQuery(ids, edges);
      if (isAncestor(imp.from, imp.to)) continue; // already ordered by explicit dependencies
      const key = `${imp.from}>${imp.to}`;
      if (!impliedKeys.has(key)) {
        impliedKeys.add(key);
        edges.push({ from: imp.from, to: imp.to, kind: 'implied' });
        edgeRanges.push(imp.range);
      }
      sink.add('template.implied-dependency', `'${imp.to}' refers to '${imp.from}', which is not among its dependencies: it will wait for '${imp.from}'.`, imp.range, index.get(imp.to)?.step.path ?? [], { step: imp.to, suggestions: [imp.from] });
    }
    // the top-level plan is kept across the analyses that keep step results (long documents being
    // edited); a short one, an inline document or a run makes its own
    const plan = owner || !memo ? buildPlan({ steps: ids, edges }) : topLevelPlan(ids, edges);
    // Kahn's algorithm in buildPlan placed every step: no cycle, and no need to look for one
    if (plan.cyclic.length) {
      const edgeRange = new Map<string, { range: Range }>(edges.map((e, k) => [`${e.from}>${e.to}`, { range: edgeRanges[k] }]));
      for (const comp of cycles(plan.steps, plan.edges)) reportCycle(comp, plan.edges, edgeRange, sink, index);
    }
    checkJumps(steps, plan, sink, index, references);
    return plan;
  };
  const plan = planList(pipeline.steps, null, null);
  return { plan, bodyPlans };
}

/** `isAncestor(a, b)`: does b depend on a through explicit edges? A direct parent is answered at once. */
function ancestorQuery(ids: string[], edges: PlanEdge[]): (a: string, b: string) => boolean {
  const parents = new Map<string, string[]>(ids.map((s) => [s, []]));
  for (const e of edges) parents.get(e.to)?.push(e.from);
  return (a, b) => {
    const direct = parents.get(b);
    if (!direct || direct.length === 0) return false;
    if (direct.includes(a)) return true;
    const seen = new Set<string>([b]);
    const stack = [...direct];
    while (stack.length) {
      const x = stack.pop()!;
      if (x === a) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(...(parents.get(x) ?? []));
    }
    return false;
  };
}

function reportCycle(comp: string[], edges: PlanEdge[], edgeRange: Map<string, { range: Range }>, sink: FindingSink, index: Map<string, StepIndexEntry>): void {
  const members = new Set(comp);
  const docOrder = [...comp].sort((a, b) => index.get(a)!.step.path.join('.').localeCompare(index.get(b)!.step.path.join('.'), undefined, { numeric: true }));
  // walk "depends on" edges from the first step until we come back
  const parentsInCycle = new Map<string, string[]>();
  for (const e of edges) if (members.has(e.from) && members.has(e.to)) parentsInCycle.set(e.to, [...(parentsInCycle.get(e.to) ?? []), e.from]);
  const dependsOn = (id: string) => parentsInCycle.get(id) ?? [];
  const start = docOrder[0];
  const cycle: string[] = [start];
  const visited = new Set([start]);
  let cur = start;
  for (;;) {
    const nexts = dependsOn(cur);
    const back = nexts.find((n) => n === start);
    if (back && cycle.length > 1) break;
    const n = nexts.find((x) => !visited.has(x)) ?? back;
    if (!n || n === start) break;
    cycle.push(n);
    visited.add(n);
    cur = n;
  }
  const next = (i: number) => cycle[(i + 1) % cycle.length];
  const message = `Dependency cycle: '${cycle[0]}' depends on ${cycle.map((_, i) => `'${next(i)}'`).join(', which depends on ')}. No step of the cycle can start.`;
  const edgeAt = (to: string, from: string) => edgeRange.get(`${from}>${to}`)?.range ?? valueRange(sink.parsed, [...index.get(to)!.step.path, 'id']);
  const related: RelatedFinding[] = [];
  for (let i = 1; i < cycle.length; i++) {
    related.push({ message: `'${cycle[i]}' depends on '${next(i)}'`, range: edgeAt(cycle[i], next(i)) });
  }
  sink.add('step.cycle', message, edgeAt(cycle[0], cycle[1]), index.get(cycle[0])!.step.path, { step: cycle[0], related });
}

function checkJumps(steps: Step[], plan: Plan, sink: FindingSink, index: Map<string, StepIndexEntry>, references: StepReference[]): void {
  // built when first needed: most steps jump nowhere, and this runs on every edit
  let orderMap: Map<string, number> | null = null;
  const order = () => (orderMap ??= new Map(plan.executionOrder.map((id, i) => [id, i])));
  const siblings = new Set(steps.map((s) => s.id));
  const jumpTargets = new Set<string>();
  const checkJump = (step: Step, key: string, target: string | null) => {
    if (target === null || isAutoTag(target)) return;
    const path = step.path.concat(key);
    if (!siblings.has(target)) {
      const pool = key === 'on_failure' ? [...siblings, 'fail', 'continue', 'skip', 'retry'] : [...siblings];
      const suggestions = suggest(target, pool);
      const extra = key === 'on_failure' ? " (or 'fail', 'continue', 'skip', 'retry')" : '';
      sink.atValue('jump.unknown-target', `'${key}' names no step '${target}'${index.has(target) ? ' in the same list' : ''}${extra}.${didYouMean(suggestions)}`, path, { step: step.id, suggestions });
      return;
    }
    references.push({ stepId: target, kind: 'jump', range: valueRange(sink.parsed, path), fromStep: step.id, path });
    jumpTargets.add(target);
    const a = order().get(step.id);
    const b = order().get(target);
    if (a !== undefined && b !== undefined && b <= a) {
      sink.atValue('jump.backward', `'${key}' jumps back to '${target}', which runs ${b === a ? 'as' : 'before'} '${step.id}': jumps go forward only.`, path, { step: step.id });
    }
  };
  for (const step of steps) {
    checkJump(step, 'on_success', step.onSuccess);
    checkJump(step, 'on_false', step.onFalse);
    checkJump(step, 'on_failure', step.onFailure.kind === 'jump' ? step.onFailure.target : null);
    if (step.onFalse !== null && step.condition === undefined) {
      sink.atKey('jump.on-false-without-condition', `'on_false' never fires: step '${step.id}' has no 'condition'.`, [...step.path, 'on_false'], { step: step.id });
    }
  }
  // an on_failure target that is not a pure handler runs on the normal path too: say so
  for (const [target, why] of failureTargets(steps, plan).alsoNormal) {
    const names = (l: string[]) => l.map((x) => `'${x}'`).join(', ');
    const because = why.dependents.length ? `${names(why.dependents)} ${why.dependents.length > 1 ? 'depend' : 'depends'} on it` : `${names(why.otherJumps)} also ${why.otherJumps.length > 1 ? 'jump' : 'jumps'} to it`;
    for (const src of why.sources) {
      const from = steps.find((s) => s.id === src)!;
      sink.atValue('jump.failure-target-runs-anyway', `'${target}' runs even when '${src}' does not fail: ${because}. A step only an on_failure names, that nothing depends on, runs only on failure.`, [...from.path, 'on_failure'], { step: src });
    }
  }
  // unreachable: a step always jumped over by an unconditional on_success, reached by no jump
  let graph: { byId: Map<string, Step>; children: Map<string, string[]> } | null = null;
  for (const s of steps) {
    if (s.onSuccess === null || !siblings.has(s.onSuccess)) continue;
    if (s.condition !== undefined || s.onFailure.kind !== 'fail') continue; // another outcome lets the run go on
    if (!graph) {
      const children = new Map<string, string[]>(plan.steps.map((x) => [x, []]));
      for (const e of plan.edges) children.get(e.from)!.push(e.to);
      graph = { byId: new Map(steps.map((x) => [x.id, x])), children };
    }
    const { byId, children } = graph;
    const from = order().get(s.id);
    const to = order().get(s.onSuccess);
    if (from === undefined || to === undefined || to <= from) continue;
    // descendants of s strictly between s and the target; a jump target shields itself and what follows it
    const stack = [...children.get(s.id)!];
    const seen = new Set<string>();
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      const ox = order().get(x);
      if (ox === undefined || ox >= to || jumpTargets.has(x)) continue;
      const step = byId.get(x)!;
      sink.atValue('step.unreachable', `Step '${x}' never runs: '${s.id}' always jumps past it to '${s.onSuccess}' (on_success), and no jump leads to it.`, [...step.path, 'id'], {
        step: x,
        related: [{ message: `'${s.id}' jumps to '${s.onSuccess}'`, range: valueRange(sink.parsed, [...s.path, 'on_success']) }],
      });
      stack.push(...children.get(x)!);
    }
  }
}
