// Agents checked: the allow-list (`tools:`) of every `action: agent` step and of every named agent
// of `agents:` (each entry names a tool, an action, a declared MCP server and a tool it lists, a
// pipeline file that compiles, or a named agent), the models they run on (able to call tools, by the
// model registry), the entries that let a model act without a person's approval (agentSafety.ts),
// and the agent keys written on a step that is not an agent.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { exactSpan, keyRange, valueRange } from '../parse/yamlDocument';
import type { AgentToolEntry, Finding, NamedAgent, Pipeline, Range, Step, ValuePath } from '../spec/types';
import type { ToolCatalog } from '../toolkit/toolSpecs';
import { findModel } from '../models/registry';
import type { McpAnalysisInfo } from '../mcp/catalog';
import { withoutBom } from '../util/text';
import { AGENT_STEP_KEYS, ENTRY_OPTIONS, readToolEntry } from './agentDecl';
import { approveFix, riskOf } from './agentSafety';
import { TOOL_SYNONYMS } from './actionCheck';
import { isAutoTag } from './autoTags';
import type { FindingSink } from './findingSink';
import { didYouMean, suggest } from './suggest';

export interface AgentCheckOptions {
  catalog: ToolCatalog;
  mcp?: McpAnalysisInfo;
  /** The pipeline's own file: `pipeline: FILE` entries are read beside it (unchecked when unknown). */
  pipelineFile?: string;
  /** The findings of another pipeline's text (the analyzer itself, given by its caller). */
  compile: (text: string) => Finding[];
}

/** Who an allow-list belongs to, as messages name it. */
interface Owner {
  label: string;
  step: string | null;
}

const quote = (l: string[]) => l.map((x) => `'${x}'`).join(', ');
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function checkAgents(pipeline: Pipeline, sink: FindingSink, opts: AgentCheckOptions): void {
  const agents = pipeline.agents ?? {};
  const visit = (steps: Step[]) => {
    for (const step of steps) {
      if (step.agent) {
        const owner: Owner = { label: `agent step '${step.id}'`, step: step.id };
        checkToolList(step.raw.tools, [...step.path, 'tools'], owner, pipeline, sink, opts);
        checkStepModel(step, pipeline, sink);
        checkLimits(step.raw, step.path, sink, step.id);
        checkHandoffs(step.raw.handoffs, step.path, pipeline, sink, step.id);
        checkMemory(step.raw.memory, step.path, sink, step.id);
      } else if (!(typeof step.raw.action === 'string' && isAutoTag(step.raw.action))) {
        for (const k of AGENT_STEP_KEYS) {
          if (has(step.raw, k)) sink.atKey('agent.option-without-agent', `'${k}' applies to agent steps ('action: agent'); step '${step.id}' is not one, so it is ignored.`, [...step.path, k], { step: step.id });
        }
      }
      if (step.body) visit(step.body);
    }
  };
  visit(pipeline.steps);
  for (const name of Object.keys(agents)) {
    const agent = agents[name];
    const owner: Owner = { label: `agent '${name}'`, step: null };
    const all = isObj(sink.parsed.value) && isObj(sink.parsed.value.agents) ? sink.parsed.value.agents : {};
    const raw = isObj(all[name]) ? all[name] : {};
    checkToolList(raw.tools, [...agent.path, 'tools'], owner, pipeline, sink, opts);
    checkNamedAgent(agent, pipeline, sink);
    checkLimits(raw, agent.path, sink, null);
    checkHandoffs(raw.handoffs, agent.path, pipeline, sink, null);
  }
}

/** `handoffs:` names agents of `agents:` (each becomes a `transfer_to_NAME` tool). */
function checkHandoffs(raw: unknown, at: ValuePath, pipeline: Pipeline, sink: FindingSink, step: string | null): void {
  if (!Array.isArray(raw)) return;
  const agents = pipeline.agents ?? {};
  const names = Object.keys(agents);
  raw.forEach((name, i) => {
    if (typeof name !== 'string' || !name.trim() || has(agents, name.trim())) return;
    const near = suggest(name, names);
    const known = names.length ? `the agents are ${quote(names)}` : "the pipeline declares no 'agents'";
    sink.atValue('agent.unknown-agent', `No agent '${name}' to hand off to: ${known}.${didYouMean(near)}`, [...at, 'handoffs', i], { step, suggestions: near });
  });
}

/** `memory:` compacts before its bound, never after it: `summarize_after` is at most `max_messages`. */
function checkMemory(raw: unknown, at: ValuePath, sink: FindingSink, step: string): void {
  if (!isObj(raw) || typeof raw.summarize_after !== 'number') return;
  const max = typeof raw.max_messages === 'number' ? raw.max_messages : 50;
  if (raw.summarize_after > max) sink.atValue('schema.range', `'summarize_after' (${raw.summarize_after}) must be at most 'max_messages' (${max}): the session is compacted before it reaches its bound.`, [...at, 'memory', 'summarize_after'], { step });
}

/**
 * An agent's limits are finite: `.inf` (or 1e400) passes the schema's integer check (JSON Schema's
 * integer is any number with no fraction, and Infinity has none) and was taken as the default
 * limit in silence; it is refused as the other bad limits are.
 */
function checkLimits(raw: Record<string, unknown>, at: (string | number)[], sink: FindingSink, step: string | null): void {
  const budget = isObj(raw.budget) ? raw.budget : {};
  const limits: [unknown, (string | number)[]][] = [
    [raw.max_turns, [...at, 'max_turns']],
    [raw.max_tool_calls, [...at, 'max_tool_calls']],
    [budget.max_tokens, [...at, 'budget', 'max_tokens']],
    [budget.max_cost_usd, [...at, 'budget', 'max_cost_usd']],
  ];
  for (const [v, p] of limits) {
    // -.inf and .nan the schema refuses already
    if (v === Infinity) sink.atValue('schema.range', `'${p[p.length - 1]}' must be a finite number, got .inf.`, p, { step });
  }
}

/** Where an entry is written and how a replacement of that place is spelled. */
interface EntryPlace {
  range: Range;
  /** The replacement text for a name: the whole spelling, or only the name after `agent:`/`pipeline:`. */
  replacement: (spelling: string, bare: string) => string;
}

function placeOf(raw: unknown, p: ValuePath, sink: FindingSink): EntryPlace {
  if (isObj(raw)) {
    const form = typeof raw.pipeline === 'string' ? 'pipeline' : typeof raw.agent === 'string' ? 'agent' : typeof raw.a2a === 'string' ? 'a2a' : null;
    if (form) return { range: valueRange(sink.parsed, [...p, form]), replacement: (_s, bare) => bare };
    const named = Object.keys(raw).filter((k) => !(ENTRY_OPTIONS as readonly string[]).includes(k));
    if (named.length === 1) return { range: keyRange(sink.parsed, [...p, named[0]]), replacement: (s) => s };
  }
  return { range: valueRange(sink.parsed, p), replacement: (s) => s };
}

/** Why a written entry names nothing, or null when the schema already says (a wrong type, `{}`). */
function emptyEntryMessage(raw: unknown): string | null {
  const forms = "'TOOL.ACTION', 'TOOL', 'mcp:SERVER.TOOL', 'mcp:SERVER', 'pipeline: FILE' or 'agent: NAME'";
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (s === 'mcp:' || s.startsWith('mcp:.')) return `'${s}' names no MCP server: write 'mcp:SERVER' (every tool of it) or 'mcp:SERVER.TOOL'.`;
    if (s === 'pipeline:' || s === 'agent:') return `'${s}' names no ${s === 'agent:' ? 'agent' : 'pipeline file'}: write '${s} ${s === 'agent:' ? 'NAME' : 'FILE'}'.`;
    if (s.startsWith('mcp:') && s.endsWith('.')) return `'${s}' names no tool after the dot: write '${s}TOOL', or '${s.slice(0, -1)}' for every tool of the server.`;
    if (s.endsWith('.') && s.length > 1) return `'${s}' names no action after the dot: write '${s}ACTION', or '${s.slice(0, -1)}' for every action of the tool.`;
    if (s.startsWith('.') && s.length > 1) return `'${s}' names no tool before the dot: write 'TOOL${s}'.`;
    return `'${s}' names no tool: write ${forms}.`;
  }
  if (!isObj(raw) || !Object.keys(raw).length) return null;
  if (has(raw, 'pipeline') || has(raw, 'agent')) return `This entry names no ${has(raw, 'pipeline') ? 'pipeline file' : 'agent'}: write ${has(raw, 'pipeline') ? "'pipeline: FILE'" : "'agent: NAME'"}.`;
  const named = Object.keys(raw).filter((k) => !(ENTRY_OPTIONS as readonly string[]).includes(k));
  if (named.length > 1) return `One entry names one tool, this one names ${named.length} (${quote(named)}): give each its own entry.`;
  return `This entry has options but names no tool: write ${forms}.`;
}

function checkToolList(list: unknown, listPath: ValuePath, owner: Owner, pipeline: Pipeline, sink: FindingSink, opts: AgentCheckOptions): void {
  if (!Array.isArray(list)) return; // absent, or the schema reports its type
  list.forEach((raw, i) => {
    const p = [...listPath, i];
    if (typeof raw === 'string' && isAutoTag(raw)) return;
    const entry = readToolEntry(raw, p);
    const written = typeof raw === 'string' ? raw.trim() : '';
    if (!entry || (written.endsWith('.') && written.startsWith('mcp:'))) {
      const why = emptyEntryMessage(raw);
      if (why) sink.add('agent.empty-entry', why, placeOf(raw, p, sink).range, p, { step: owner.step });
      return;
    }
    const place = placeOf(raw, p, sink);
    if (!checkEntry(entry, place, owner, pipeline, sink, opts)) return;
    const risk = riskOf(entry.ref);
    if (risk && !entry.approve) {
      const fix = approveFix(sink.parsed, raw, p, entry.spelling);
      sink.add('agent.unapproved-tool', `'${entry.spelling}' lets the model of ${owner.label} ${risk}, with no person approving the calls (excessive agency, OWASP LLM06): add 'approve: true' so each call waits for a yes.`, place.range, p, { step: owner.step, fixes: fix ? [fix] : undefined });
    }
  });
}

/** Whether the entry names something that exists; when not, the finding says what is wrong. */
function checkEntry(entry: AgentToolEntry, place: EntryPlace, owner: Owner, pipeline: Pipeline, sink: FindingSink, opts: AgentCheckOptions): boolean {
  const ref = entry.ref;
  const p = entry.path;
  const step = owner.step;
  const catalog = opts.catalog;
  switch (ref.kind) {
    case 'tool':
    case 'action': {
      if (!has(catalog, ref.tool) || ref.tool.startsWith('mcp:')) {
        const tools = Object.keys(catalog).filter((t) => !t.startsWith('mcp:'));
        const synonym = TOOL_SYNONYMS[ref.tool.toLowerCase()];
        const near = synonym ? [synonym] : suggest(ref.tool, tools);
        const suggestions = near.map((t) => (ref.kind === 'action' && has(catalog[t].actions, ref.action) ? `${t}.${ref.action}` : t));
        // the tools are listed when none is near: a list of 26 buries the suggestion
        const known = suggestions.length ? didYouMean(suggestions) : ` The tools are ${tools.join(', ')}.`;
        sink.add('agent.unknown-tool', `Unknown tool '${ref.tool}' in the allow-list of ${owner.label}.${known}`, place.range, p, { step, suggestions });
        return false;
      }
      if (ref.kind === 'action' && !has(catalog[ref.tool].actions, ref.action)) {
        const actions = Object.keys(catalog[ref.tool].actions);
        const suggestions = suggest(ref.action, actions).map((a) => `${ref.tool}.${a}`);
        sink.add('agent.unknown-tool', `Tool '${ref.tool}' has no action '${ref.action}'.${didYouMean(suggestions)} It has ${quote(actions)}; '${ref.tool}' alone allows them all.`, place.range, p, { step, suggestions });
        return false;
      }
      return true;
    }
    case 'mcp':
      return checkMcpEntry(ref.server, ref.tool, place, p, step, pipeline, sink, opts);
    case 'agent': {
      const agents = pipeline.agents ?? {};
      if (has(agents, ref.name)) return true;
      const names = Object.keys(agents);
      const near = suggest(ref.name, names);
      const known = names.length ? `the agents are ${quote(names)}` : "the pipeline declares no 'agents'";
      sink.add('agent.unknown-agent', `No agent '${ref.name}': ${known}.${didYouMean(near)}`, place.range, p, { step, suggestions: near.map((n) => place.replacement(`agent:${n}`, n)) });
      return false;
    }
    case 'pipeline': {
      if (!opts.pipelineFile) return true;
      const problem = pipelineFileProblem(ref.file, path.dirname(opts.pipelineFile), opts.compile);
      if (problem) sink.add('agent.pipeline-file', problem, place.range, p, { step });
      return !problem;
    }
    case 'a2a': {
      const problem = a2aUrlProblem(ref.url, ref.tokenEnv);
      if (problem) sink.add('agent.a2a-url', problem, place.range, p, { step });
      return !problem;
    }
  }
}

/** An `a2a:` entry's URL: http(s), no credentials in it (the token comes from `token_env`), a variable's name for the token. */
function a2aUrlProblem(url: string, tokenEnv: string | null): string | null {
  if (url.includes('{{')) return null; // rendered when the agent runs
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `'${url}' is not a URL: an A2A agent is named by its card's URL (https://HOST/.well-known/agent-card.json) or the URL it is served under.`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `An A2A agent is reached over http or https, not ${u.protocol.replace(/:$/, '')}.`;
  if (u.username || u.password) return "Credentials do not go in an A2A agent's URL (they would be in every log and result that names the tool): put the bearer token in an environment variable and name it with 'token_env'.";
  if (tokenEnv !== null && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) return `'token_env' names an environment variable: '${tokenEnv}' is not a variable's name.`;
  return null;
}

/** `mcp:SERVER` or `mcp:SERVER.TOOL`: the server is declared and, when its tools are listed, has the tool. */
function checkMcpEntry(server: string, tool: string | null, place: EntryPlace, p: ValuePath, step: string | null, pipeline: Pipeline, sink: FindingSink, opts: AgentCheckOptions): boolean {
  const own = (s: string) => has(pipeline.mcpServers, s);
  const mcp = opts.mcp;
  const user = mcp?.userServers ?? [];
  if (!own(server) && !user.includes(server)) {
    if (!mcp) {
      sink.add('mcp.unchecked', `MCP server '${server}' is not in this pipeline's 'mcp_servers' (it may be in your settings): this entry is not checked here.`, place.range, p, { step });
      return true;
    }
    const declared = [...Object.keys(pipeline.mcpServers), ...user.filter((s) => !own(s))];
    const suggestions = suggest(server, declared).map((s) => (tool ? `mcp:${s}.${tool}` : `mcp:${s}`));
    const known = declared.length ? `the declared servers are ${quote(declared)}` : "the pipeline declares no 'mcp_servers' (nor do your settings)";
    sink.add('mcp.unknown-server', `No MCP server '${server}': ${known}.${didYouMean(suggestions)}`, place.range, p, { step, suggestions });
    return false;
  }
  const status = mcp?.status[server];
  if (status && !status.listed && (status.failed || tool)) {
    const what = tool ? `whether it has '${tool}' is not checked` : 'the run will try to list them again';
    sink.add('mcp.unchecked', `The tools of MCP server '${server}' are not known (${status.reason}): ${what}.`, place.range, p, { step, severity: status.failed ? 'warning' : 'info' });
    return true;
  }
  if (!tool || !status?.listed) return true;
  const prefix = `mcp:${server}.`;
  if (has(opts.catalog, `${prefix}${tool}`)) return true;
  const listed = Object.keys(opts.catalog).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const suggestions = suggest(tool, listed).map((s) => `${prefix}${s}`);
  sink.add('mcp.unknown-tool', `MCP server '${server}' has no tool '${tool}'.${didYouMean(suggestions)} It has ${listed.length ? quote(listed) : 'no tools'}.`, place.range, p, { step, suggestions });
  return false;
}

/** Another pipeline's file read and compiled, kept while its size and time are unchanged. */
const PIPELINE_FILES = new Map<string, { mtimeMs: number; size: number; problem: string | null }>();
const MAX_KEPT_FILES = 64;
/** The largest pipeline file read (as the analyzer's own limit on a document). */
const MAX_PIPELINE_BYTES = 5_000_000;

/** Why `pipeline: FILE` cannot be run as a tool (no such file, too large, does not compile), or null. */
export function pipelineFileProblem(file: string, dir: string, compile: (text: string) => Finding[]): string | null {
  const abs = path.resolve(dir, file);
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    return `No pipeline file '${file}' (looked for ${abs}).`;
  }
  if (!stat.isFile()) return `'${file}' is a folder, not a pipeline file.`;
  if (stat.size > MAX_PIPELINE_BYTES) return `The pipeline file '${file}' has ${stat.size} bytes; pipelines over ${MAX_PIPELINE_BYTES} are not read.`;
  const kept = PIPELINE_FILES.get(abs);
  if (kept && kept.mtimeMs === stat.mtimeMs && kept.size === stat.size) return kept.problem;
  let problem: string | null = null;
  try {
    const errors = compile(withoutBom(readFileSync(abs, 'utf8'))).filter((f) => f.severity === 'error');
    const first = errors[0];
    if (first) problem = `The pipeline file '${file}' does not compile: ${file}:${first.range.start.line + 1}:${first.range.start.character + 1}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : ''}`;
  } catch (e) {
    problem = `The pipeline file '${file}' cannot be read: ${e instanceof Error ? e.message : String(e)}.`;
  }
  PIPELINE_FILES.delete(abs);
  PIPELINE_FILES.set(abs, { mtimeMs: stat.mtimeMs, size: stat.size, problem });
  if (PIPELINE_FILES.size > MAX_KEPT_FILES) PIPELINE_FILES.delete(PIPELINE_FILES.keys().next().value!);
  return problem;
}

/** The registry's entry for a model that it says cannot call tools (a model not in it is not judged). */
function toolless(model: unknown): { id: string; capabilities: string[] } | null {
  if (typeof model !== 'string') return null;
  const m = findModel(model.trim());
  return m && !m.capabilities.includes('tools') ? m : null;
}

/** What the registry says of a model that cannot call tools. */
function registryNote(m: { capabilities: string[] }): string {
  return m.capabilities.length ? `its capabilities in the model registry: ${m.capabilities.join(', ')}` : 'the model registry gives it no capabilities';
}

/** The model an agent step runs on (`parameters.model`, its own or its fallbacks, its expert's, the pipeline's) can call tools. */
function checkStepModel(step: Step, pipeline: Pipeline, sink: FindingSink): void {
  const sid = step.id;
  const needs = `agent step '${sid}' needs a model with the 'tools' capability.`;
  const params = isObj(step.raw.parameters) ? step.raw.parameters : {};
  if (typeof params.model === 'string') {
    const m = toolless(params.model);
    if (m) sink.atValue('agent.model-without-tools', `Model '${m.id}' cannot call tools (${registryNote(m)}): ${needs}`, [...step.path, 'parameters', 'model'], { step: sid });
    return;
  }
  const own = step.raw.model;
  if (own !== undefined) {
    const list: [unknown, ValuePath][] = Array.isArray(own) ? own.map((m, i) => [m, [...step.path, 'model', i]]) : [[own, [...step.path, 'model']]];
    for (const [model, at] of list) {
      const m = toolless(model);
      if (m) sink.atValue('agent.model-without-tools', `Model '${m.id}' cannot call tools (${registryNote(m)}): ${needs}`, at, { step: sid });
    }
    return;
  }
  if (step.expert !== null) {
    const m = has(pipeline.experts, step.expert) ? toolless(pipeline.experts[step.expert]) : null;
    if (m) sink.atValue('agent.model-without-tools', `Expert '${step.expert}' is model '${m.id}', which cannot call tools (${registryNote(m)}): ${needs}`, [...step.path, 'expert'], { step: sid });
    return;
  }
  const m = toolless(pipeline.model);
  if (m && exactSpan(sink.parsed, [...step.path, 'action'])) {
    sink.atValue('agent.model-without-tools', `Agent step '${sid}' runs on the pipeline's model '${m.id}', which cannot call tools (${registryNote(m)}): give the step a 'model:' that has the 'tools' capability.`, [...step.path, 'action'], { step: sid });
  }
}

/** A named agent's expert and personality exist, and its model (its own or its expert's) can call tools. */
function checkNamedAgent(agent: NamedAgent, pipeline: Pipeline, sink: FindingSink): void {
  const p = agent.path;
  const needs = `agent '${agent.name}' needs a model with the 'tools' capability.`;
  if (agent.expert !== null && !has(pipeline.experts, agent.expert)) {
    const roles = Object.keys(pipeline.experts);
    const suggestions = suggest(agent.expert, roles);
    sink.atValue('expert.unknown', `No expert '${agent.expert}': ${roles.length ? `the experts are ${quote(roles)}` : "the pipeline declares no 'experts'"}.${didYouMean(suggestions)}`, [...p, 'expert'], { suggestions });
  }
  if (agent.personality !== null && !has(pipeline.personalities, agent.personality)) {
    const names = Object.keys(pipeline.personalities);
    const suggestions = suggest(agent.personality, names);
    sink.atValue('personality.unknown', `No personality '${agent.personality}': ${names.length ? `the personalities are ${quote(names)}` : "the pipeline declares no 'personalities'"}.${didYouMean(suggestions)}`, [...p, 'personality'], { suggestions });
  }
  if (agent.model !== null) {
    const m = toolless(agent.model);
    if (m) sink.atValue('agent.model-without-tools', `Model '${m.id}' cannot call tools (${registryNote(m)}): ${needs}`, [...p, 'model'], {});
    return;
  }
  // without a model of its own or an expert's, a named agent runs on its caller's, checked there
  const m = agent.expert !== null && has(pipeline.experts, agent.expert) ? toolless(pipeline.experts[agent.expert]) : null;
  if (m) sink.atValue('agent.model-without-tools', `Expert '${agent.expert}' is model '${m.id}', which cannot call tools (${registryNote(m)}): ${needs}`, [...p, 'expert'], {});
}

