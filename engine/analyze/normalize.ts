// The YAML value → the engine's Pipeline: aliases folded, lists normalized, defaults applied.
// Tolerant of invalid input (the schema pass reports it); reports a key given with its alias.
import { ONE_ACTION_LOOP } from './contextlabCompat';
import type { ConnectionDecl, FailurePolicy, LoopSpec, McpServerDecl, ParameterDecl, ParamType, Pipeline, RetryPolicy, Step, ValuePath, VarDecl } from '../spec/types';
import type { FindingSink } from './findingSink';
import { NONE } from '../util/none';
import { AGENT_ACTION, agentDeclOf, namedAgents } from './agentDecl';
import { budgetOf, guardrailsOf, repairAttemptsOf } from './guardDecl';
import { triggerDecls } from './triggerDecl';
import { monitorDecls } from './monitorDecl';

type Obj = Record<string, unknown>;

export const STEP_ALIASES: [string, string][] = [
  ['dependencies', 'depends_on'],
  ['condition', 'if'],
];
export const TOP_ALIASES: [string, string][] = [
  ['parameters', 'inputs'],
  ['model', 'default_model'],
];

export const DEFAULT_MAX_ITERATIONS = 10;

/** Sets a key taken from the file as an own property (a key named `__proto__` stays a key). */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
/** `model:` as a string, or the first of a list of strings (a fallback chain). */
function firstModel(v: unknown): string | null {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : null;
}
function modelChainOf(v: unknown): { modelChain?: string[] } {
  return Array.isArray(v) && v.length > 1 && v.every((x) => typeof x === 'string') ? { modelChain: v as string[] } : {};
}
function topModel(v: unknown, fallbacks: unknown): Pick<Pipeline, 'model' | 'modelChain' | 'fallbacks'> {
  const declared: Record<string, string[]> = {};
  if (isObj(fallbacks)) for (const [k, list] of Object.entries(fallbacks)) if (Array.isArray(list) && list.every((x) => typeof x === 'string')) setOwn(declared, k, list as string[]);
  return { model: firstModel(v), ...modelChainOf(v), ...(isObj(fallbacks) ? { fallbacks: declared } : {}) };
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(s) ? s : `pipeline_${s || 'unnamed'}`;
}

function aliased(obj: Obj, pair: [string, string], path: ValuePath, sink: FindingSink | null, step: string | null): unknown {
  const [main, alias] = pair;
  const hasMain = Object.prototype.hasOwnProperty.call(obj, main);
  const hasAlias = Object.prototype.hasOwnProperty.call(obj, alias);
  if (hasMain && hasAlias && sink) {
    sink.atKey('key.alias-conflict', `'${alias}' is an alias of '${main}': give one of them, not both.`, [...path, alias], { step });
  }
  return hasMain ? obj[main] : obj[alias];
}

/** A dependency list: a YAML list, or a comma-separated string. */
export function stepRefList(v: unknown): string[] {
  // a copy of the exact length when all are names (what filter builds keeps room for 17 or more)
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') ? (v.slice() as string[]) : v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

/** The policies without a target, one object each for every step (nothing changes a step's policy
 * once it is made): a long pipeline kept one per step, most of them 'fail'. */
const FAIL: FailurePolicy = Object.freeze({ kind: 'fail' });
const CONTINUE: FailurePolicy = Object.freeze({ kind: 'continue' });
const SKIP: FailurePolicy = Object.freeze({ kind: 'skip' });
const RETRY: FailurePolicy = Object.freeze({ kind: 'retry' });

const NO_PRODUCTS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function failurePolicy(v: unknown): FailurePolicy {
  switch (v) {
    case undefined:
    case null:
    case 'fail':
      return FAIL;
    case 'continue':
      return CONTINUE;
    case 'skip':
      return SKIP;
    case 'retry':
      return RETRY;
  }
  return typeof v === 'string' ? { kind: 'jump', target: v } : FAIL;
}

function retryPolicy(raw: Obj): RetryPolicy | null {
  const r = isObj(raw.retry) ? raw.retry : null;
  const attempts = num(r?.max_attempts) ?? num(raw.max_retries);
  if (attempts === null && !r) return null;
  return {
    maxAttempts: Math.max(1, Math.trunc(attempts ?? 1)),
    backoff: r?.backoff === 'fixed' ? 'fixed' : 'exponential',
    initialDelay: num(r?.initial_delay) ?? 1,
    maxDelay: num(r?.max_delay) ?? 60,
  };
}

const PARAM_TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'object'];

function varDecls(v: unknown): VarDecl[] {
  if (!isObj(v)) return NONE;
  return Object.entries(v).map(([name, d]) => {
    if (isObj(d)) {
      const type = (PARAM_TYPES.includes(String(d.type)) ? d.type : 'string') as ParamType;
      const schema: Obj = { type };
      for (const k of ['description', 'enum', 'items', 'properties', 'minimum', 'maximum']) if (d[k] !== undefined) schema[k] = d[k];
      return { name, type, description: str(d.description) ?? '', schema, required: d.required !== false };
    }
    return { name, type: 'string' as ParamType, description: str(d) ?? '', schema: { type: 'string', description: str(d) ?? '' }, required: true };
  });
}

function loopSpec(raw: Obj): LoopSpec | null {
  if (raw.for_each !== undefined) {
    const single = (raw as { [ONE_ACTION_LOOP]?: string })[ONE_ACTION_LOOP];
    return { kind: 'for_each', items: raw.for_each, maxParallel: Math.max(1, Math.trunc(num(raw.max_parallel) ?? 1)), loopVar: str(raw.loop_var) ?? 'item', ...(single ? { single } : {}) };
  }
  if (raw.while !== undefined || (raw.until !== undefined && Array.isArray(raw.steps))) {
    return { kind: 'while', condition: raw.while ?? true, until: raw.until ?? null, maxIterations: typeof raw.max_iterations === 'string' && raw.max_iterations.includes('{{') ? raw.max_iterations : Math.max(1, Math.trunc(num(raw.max_iterations) ?? DEFAULT_MAX_ITERATIONS)) };
  }
  return null;
}

/**
 * Top-level steps normalized by an analysis that keeps step results (engine/analyze/stepMemo.ts),
 * by their raw value: the section parse shares a step's value between analyses exactly when its
 * text is unchanged, and a step is the same function of its value and index, so an edit does not
 * make the other steps again (at 2,000 steps that was an eighth of an edit, and 2,000 objects of
 * 25 fields for the collector). Only a step that reported nothing is kept: its findings hold
 * ranges that an edit before it moves. Nothing changes a step once it is made.
 */
let normalizedSteps = new WeakMap<object, Step>();

/** Makes every step be normalized again (with `forgetStepMemo`, for a reference analysis in tests). */
export function forgetNormalizedSteps(): void {
  normalizedSteps = new WeakMap();
}

export function normalizeSteps(list: unknown, path: ValuePath, sink: FindingSink | null, reuse = false): Step[] {
  if (!Array.isArray(list)) return [];
  const out: Step[] = [];
  list.forEach((raw, i) => {
    if (!isObj(raw)) return;
    if (reuse) {
      const known = normalizedSteps.get(raw);
      if (known && known.path[1] === i) return void out.push(known);
    }
    const reported = reuse && sink ? sink.findings.length : -1;
    const p = path.concat(i); // concat, not spread: an array of its own length (a spread's holds 17)
    const id = str(raw.id) ?? (typeof raw.id === 'number' ? String(raw.id) : null);
    if (id === null) return;
    const loop = loopSpec(raw);
    // most steps have none: they share one frozen empty record
    let products: Record<string, string> = NO_PRODUCTS;
    if (isObj(raw.products)) {
      products = {};
      for (const [k, v] of Object.entries(raw.products)) if (typeof v === 'string') setOwn(products, k, v);
    }
    // one literal without a spread: a spread in the middle of it gave every step an out-of-object
    // property store (the rare model chain and agent are added after)
    const step: Step = {
      id,
      path: p,
      name: str(raw.name),
      description: str(raw.description),
      action: str(raw.action),
      tool: str(raw.tool),
      parameters: isObj(raw.parameters) ? raw.parameters : {},
      dependencies: stepRefList(aliased(raw, STEP_ALIASES[0], p, sink, id)),
      condition: aliased(raw, STEP_ALIASES[1], p, sink, id),
      onFalse: str(raw.on_false),
      onSuccess: str(raw.on_success),
      onFailure: failurePolicy(raw.on_failure),
      timeout: num(raw.timeout),
      retry: retryPolicy(raw),
      loop,
      body: Array.isArray(raw.steps) ? normalizeSteps(raw.steps, [...p, 'steps'], sink) : null,
      model: firstModel(raw.model),
      requiresModel: isObj(raw.requires_model) ? raw.requires_model : null,
      expert: str(raw.expert),
      personality: str(raw.personality),
      vars: varDecls(raw.vars),
      products,
      cache: raw.cache === true,
      location: str(raw.location),
      outputSchema: isObj(raw.output_schema) ? raw.output_schema : null,
      raw,
    };
    const chain = modelChainOf(raw.model).modelChain;
    if (chain) step.modelChain = chain;
    if (raw.action === AGENT_ACTION && raw.tool === undefined) step.agent = agentDeclOf(raw, p);
    // guardrails, repair and a model step's budget are rare: added after, as the agent is
    if (raw.guardrails !== undefined) step.guardrails = guardrailsOf(raw.guardrails, p.concat('guardrails'));
    if (raw.repair !== undefined) step.repairAttempts = repairAttemptsOf(raw.repair);
    if (raw.budget !== undefined && !step.agent) step.budget = budgetOf(raw.budget);
    if (reported >= 0 && sink!.findings.length === reported) normalizedSteps.set(raw, step);
    out.push(step);
  });
  return out;
}

/** The parameters of `parameters:` and of `inputs:`, merged as ContextLab merges them; a name declared
 * in both is a warning on its `inputs:` entry, and the `parameters:` declaration wins. */
function mergedParameters(value: Obj, sink: FindingSink | null): ParameterDecl[] {
  const own = parameterDecls(value.parameters, 'parameters');
  reservedParameterNames(own, sink);
  if (!Object.prototype.hasOwnProperty.call(value, 'inputs')) return own;
  const names = new Set(own.map((p) => p.name));
  const out = [...own];
  const inputs = parameterDecls(value.inputs, 'inputs');
  reservedParameterNames(inputs, sink);
  for (const d of inputs) {
    if (!names.has(d.name)) out.push(d);
    else sink?.atKey('parameter.declared-twice', `Parameter '${d.name}' is declared in both 'parameters' and 'inputs': the one in 'parameters' is used.`, ['inputs', d.name]);
  }
  return out;
}

/** Names every object has (`constructor`, `toString`, `__proto__`, `prototype`...): inputs are read and
 * offered (JSON schema, MCP tools) as plain objects, where such a key is dropped or reaches the prototype. */
const RESERVED_PARAMETER_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

function reservedParameterNames(decls: ParameterDecl[], sink: FindingSink | null): void {
  for (const d of decls) {
    if (RESERVED_PARAMETER_NAMES.has(d.name)) sink?.atKey('parameter.reserved-name', `Parameter '${d.name}' names a part of every object (like 'constructor', 'toString', '__proto__'): no run or tool could be given it. Choose another name.`, [d.source, d.name]);
  }
}

function parameterDecls(v: unknown, source: ParameterDecl['source']): ParameterDecl[] {
  if (!isObj(v)) return [];
  return Object.entries(v).map(([name, d]) => {
    const isDecl = isObj(d) && ['type', 'default', 'description', 'required', 'enum', 'secret'].some((k) => k in d);
    if (isDecl) {
      const dd = d as Obj;
      return {
        name,
        type: PARAM_TYPES.includes(String(dd.type)) ? (dd.type as ParamType) : null,
        description: str(dd.description),
        required: dd.required === true,
        default: dd.default,
        hasDefault: 'default' in dd,
        enum: Array.isArray(dd.enum) ? dd.enum : null,
        ...(dd.secret === true ? { secret: true } : {}),
        source,
      };
    }
    return { name, type: null, description: null, required: false, default: d, hasDefault: true, enum: null, source };
  });
}

/** `reuseSteps`: an analysis that keeps step results reuses the top-level steps an earlier one made
 * of the same values (see `normalizedSteps`). */
export function normalizePipeline(value: unknown, sink: FindingSink | null, reuseSteps = false): Pipeline | null {
  if (!isObj(value)) return null;
  const name = str(value.name);
  const context = isObj(value.context) ? value.context : {};
  const personalities: Pipeline['personalities'] = {};
  if (isObj(value.personalities)) {
    for (const [k, v] of Object.entries(value.personalities)) {
      if (typeof v === 'string') setOwn(personalities, k, { prompt: v });
      else if (isObj(v) && typeof v.file === 'string') setOwn(personalities, k, { file: v.file });
    }
  }
  const experts: Record<string, string> = {};
  if (isObj(value.experts)) for (const [k, v] of Object.entries(value.experts)) if (typeof v === 'string') setOwn(experts, k, v);
  const mcpServers: Pipeline['mcpServers'] = {};
  if (isObj(value.mcp_servers)) for (const [k, v] of Object.entries(value.mcp_servers)) if (isObj(v)) setOwn(mcpServers, k, v as McpServerDecl);
  const connections: Pipeline['connections'] = {};
  if (isObj(value.connections)) for (const [k, v] of Object.entries(value.connections)) if (isObj(v)) setOwn(connections, k, v as ConnectionDecl);
  const sel = value.selection_schema;
  return {
    id: str(value.id) ?? (name ? slug(name) : 'pipeline'),
    name,
    description: str(value.description),
    version: str(value.version),
    parameters: mergedParameters(value, sink),
    outputs: isObj(value.outputs) ? value.outputs : {},
    ...(isObj(value.variables) ? { variables: value.variables } : {}),
    ...topModel(aliased(value, TOP_ALIASES[1], [], sink, null), value.fallbacks),
    orchestrator: str(value.orchestrator),
    experts,
    selectionSchema: sel === 'cost' || sel === 'performance' ? sel : 'balanced',
    personalities,
    mcpServers,
    connections,
    context: {
      timeout: num(context.timeout),
      maxRetries: num(context.max_retries),
      maxParallel: num(context.max_parallel),
      checkpoint: context.checkpoint !== false,
    },
    ...(isObj(value.agents) ? { agents: namedAgents(value.agents) } : {}),
    ...(isObj(value.budget) ? { budget: budgetOf(value.budget) } : {}),
    ...(Array.isArray(value.triggers) ? { triggers: triggerDecls(value.triggers) } : {}),
    ...(Array.isArray(value.monitors) ? { monitors: monitorDecls(value.monitors) } : {}),
    steps: normalizeSteps(value.steps, ['steps'], sink, reuseSteps),
  };
}


/** The key under which a step holds its dependencies / condition (the alias when only it is given). */
export function stepKey(raw: Obj, pair: [string, string]): string {
  return Object.prototype.hasOwnProperty.call(raw, pair[0]) || !Object.prototype.hasOwnProperty.call(raw, pair[1]) ? pair[0] : pair[1];
}
