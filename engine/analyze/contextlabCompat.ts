// Keys ContextLab's orchestrator accepts and ignores (or that have an equivalent here). Each one is a
// warning of its own code with a quick fix (remove it, or rewrite it to our form), never an error and
// never silently dropped; the schema and the run see the document without it.
import { exactSpan, writableSpan, type NodeSpan, type ParsedYaml } from '../parse/yamlDocument';
import { SpanChildren } from '../parse/nodeSpan';
import type { FindingFix, ValuePath } from '../spec/types';
import type { FindingSink } from './findingSink';
import { TOOL_SPECS } from '../toolkit/toolSpecs';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** What a key means in ContextLab and what to write here instead; `rewrite` gives our form, when there is one. */
interface Rule {
  why: string;
  /** `later`: ids of the steps after this one in its list (a jump goes forward only). */
  rewrite?: (value: unknown, owner: Obj, later: Set<string>) => { text: string; title: string } | null;
}

const TOP: Record<string, Rule> = {
  enhanced_outputs: { why: "ContextLab's output metadata; outputs here are the templates under 'outputs'" },
  config: { why: "ContextLab's pipeline settings block; here defaults for every step go under 'context' (timeout, max_retries, max_parallel, checkpoint)" },
};

const FAILURE_WORDS = ['fail', 'continue', 'skip', 'retry'];

const STEP: Record<string, Rule> = {
  continue_on_error: {
    why: "here a step that may fail without stopping the run says 'on_failure: continue'",
    rewrite: (v, owner) => (v === true && !has(owner, 'on_failure') ? { text: 'on_failure: continue', title: "Rewrite as 'on_failure: continue'" } : null),
  },
  on_error: {
    why: "ContextLab's error handlers do not run here; a step's failure is handled by 'on_failure' (fail, continue, skip, retry, or a step to jump to)",
    rewrite: (v, owner, later) =>
      typeof v === 'string' && !has(owner, 'on_failure') && (FAILURE_WORDS.includes(v) || later.has(v)) ? { text: `on_failure: ${v}`, title: `Rewrite as 'on_failure: ${v}'` } : null,
  },
  retry: {
    why: "a number of retries is written 'max_retries' here, counting every attempt (retry: 2 is three attempts); 'retry' takes the long form {max_attempts, backoff, ...}",
    rewrite: (v, owner) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && !has(owner, 'max_retries') ? { text: `max_retries: ${v + 1}`, title: `Rewrite as 'max_retries: ${v + 1}'` } : null),
  },
  retry_config: { why: "retries are set with 'max_retries', or 'retry: {max_attempts, backoff, initial_delay, max_delay}'" },
  parallel: { why: "steps run in parallel whenever their dependencies allow; 'max_parallel' bounds a for_each loop" },
  outputs: {
    why: "a step's result is what its action returns (read its fields as '<step>.result.<field>'); a pipeline's outputs are the top-level 'outputs'",
  },
  add_completion_task: {
    why: "a loop here ends as one step once every item is done (later steps wait for the loop step itself), so there is no completion task to add",
  },
  max_concurrent: {
    why: "a for_each loop's concurrency is 'max_parallel'; the run's is 'context.max_parallel'",
    rewrite: (v, owner) => (typeof v === 'number' && has(owner, 'for_each') && !has(owner, 'max_parallel') ? { text: `max_parallel: ${v}`, title: `Rewrite as 'max_parallel: ${v}'` } : null),
  },
};

const PARAMETER: Record<string, Rule> = {
  choices: {
    why: "the allowed values of a parameter are its 'enum'",
    rewrite: (v, owner) => (Array.isArray(v) && !has(owner, 'enum') ? { text: 'enum', title: "Rename to 'enum'" } : null),
  },
  validation: { why: "a parameter's value is checked against its 'type' and 'enum'" },
  range: { why: "a parameter's value is checked against its 'type' and 'enum'" },
  min: { why: "a parameter's value is checked against its 'type' and 'enum'" },
  max: { why: "a parameter's value is checked against its 'type' and 'enum'" },
  example: { why: "document a parameter with 'description' and 'default'" },
};
const DECL_KEYS = ['type', 'default', 'description', 'required', 'enum'];

/** Marks a loop step made from ContextLab's one-action shorthand; its value is the id of its one body step. */
export const ONE_ACTION_LOOP = Symbol('one-action loop');

/** What moves from a one-action loop step to its body step: everything about running the action. */
const ACTION_KEYS = ['tool', 'action', 'parameters', 'model', 'requires_model', 'expert', 'personality', 'vars', 'products', 'cache', 'timeout', 'max_retries', 'retry', 'output_schema', 'produces', 'location'];

/**
 * Rewrites `{id, for_each, action, parameters, ...}` as a loop whose body is one step `<id>_item` with
 * the action (ContextLab's shorthand). The body step's keys are found at the loop step's own lines,
 * so every finding about them points at what the user wrote.
 */
function oneActionLoop(step: Obj, id: string, path: ValuePath, sink: FindingSink): void {
  const itemId = `${id}_item`;
  const item: Obj = { id: itemId };
  for (const k of ACTION_KEYS) {
    if (!has(step, k)) continue;
    item[k] = step[k];
    delete step[k];
  }
  step.steps = [item];
  Object.defineProperty(step, ONE_ACTION_LOOP, { value: itemId });
  const span = exactSpan(sink.parsed, path)?.children?.has('steps') === false ? writableSpan(sink.parsed, path) : undefined;
  if (!span?.children) return;
  const children = new SpanChildren();
  for (const k of ['id', ...ACTION_KEYS]) {
    const c = span.children.get(k);
    if (c) children.set(k, c);
  }
  const at = span.children.get('action')!;
  const itemSpan: NodeSpan = { start: span.start, end: span.end, keyStart: -1, keyEnd: -1, children };
  span.children.set('steps', { start: span.start, end: span.end, keyStart: at.keyStart, keyEnd: at.keyEnd, children: new SpanChildren([0, itemSpan]) });
}

/** Removes one mapping entry: its whole lines when it stands on lines of its own. */
export function removal(parsed: ParsedYaml, path: ValuePath): FindingFix | null {
  const span = exactSpan(parsed, path);
  if (!span || span.keyStart < 0) return null;
  const text = parsed.text;
  const lineStart = text.lastIndexOf('\n', span.keyStart - 1) + 1;
  if (text.slice(lineStart, span.keyStart).trim() !== '') return null; // `- key:` or a flow mapping: no safe line edit
  let end = Math.max(span.end, span.keyEnd);
  const nl = text.indexOf('\n', end - (text[end - 1] === '\n' ? 1 : 0));
  end = nl === -1 ? text.length : nl + 1;
  return { title: `Remove '${String(path[path.length - 1])}'`, edits: [{ range: parsed.lines.range(lineStart, end), newText: '' }] };
}

function rewriteFix(parsed: ParsedYaml, path: ValuePath, text: string, title: string, keyOnly: boolean): FindingFix | null {
  const span = exactSpan(parsed, path);
  if (!span || span.keyStart < 0) return null;
  const end = keyOnly ? span.keyEnd : span.end;
  return { title, edits: [{ range: parsed.lines.range(span.keyStart, end), newText: text }] };
}

function report(sink: FindingSink, owner: Obj, key: string, rule: Rule, path: ValuePath, what: string, step: string | null, later: Set<string>): void {
  const fixes: FindingFix[] = [];
  const r = rule.rewrite?.(owner[key], owner, later);
  if (r) {
    const f = rewriteFix(sink.parsed, [...path, key], r.text, r.title, !r.text.includes(':'));
    if (f) fixes.push(f);
  }
  const rm = removal(sink.parsed, [...path, key]);
  if (rm) fixes.push(rm);
  sink.atKey('compat.ignored-key', `'${key}' in ${what} is ContextLab's and is ignored here: ${rule.why}.`, [...path, key], { step, fixes });
}

/** Strips ContextLab's ignored keys from a copy of the document, reporting each; the original is untouched. */
export function stripContextlabKeys(value: unknown, sink: FindingSink): unknown {
  if (!isObj(value)) return value;
  let top: Obj = value;
  const copyTop = () => (top === value ? (top = { ...value }) : top);
  for (const key of Object.keys(TOP)) {
    if (!has(value, key)) continue;
    report(sink, value, key, TOP[key], [], 'the pipeline', null, new Set());
    delete copyTop()[key];
  }
  for (const pkey of ['parameters', 'inputs']) {
    const params = value[pkey];
    if (!isObj(params)) continue;
    let copy: Obj | null = null;
    for (const [name, decl] of Object.entries(params)) {
      if (!isObj(decl) || !DECL_KEYS.some((k) => has(decl, k))) continue;
      const found = Object.keys(PARAMETER).filter((k) => has(decl, k));
      if (!found.length) continue;
      const declCopy: Obj = { ...decl };
      for (const k of found) {
        report(sink, decl, k, PARAMETER[k], [pkey, name], `a parameter declaration`, null, new Set());
        delete declCopy[k];
      }
      copy ??= { ...params };
      copy[name] = declCopy;
    }
    if (copy) copyTop()[pkey] = copy;
  }
  const steps = stripSteps(value.steps, ['steps'], sink);
  if (steps !== value.steps) copyTop().steps = steps;
  return top;
}

/** ContextLab's tools whose handler never reads the step's `action`: a sentence, or a word ContextLab's
 * examples spell it with, runs them. Any other word stays unknown here (a typo we can catch). */
const ACTION_BLIND_TOOLS: Record<string, string[]> = { terminal: ['execute_command'], 'python-executor': [] };
/** The step actions ContextLab's dispatcher sends to its filesystem tool when no `tool:` is given. */
const FILESYSTEM_WORDS = new Set(['filesystem', 'file']);

/**
 * ContextLab's tool step whose `action` is not one of the tool's actions, where its dispatcher still
 * runs the tool: a sentence (`action: Run the numbers`, `tool: python-executor`) only describes the
 * step; `parameters.action` names the operation (for a sentence, and for `filesystem` whatever the
 * step's action, since its handler reads the parameter first); `terminal`'s `execute_command` (its
 * handler ignores the action) is `execute`; and `action: filesystem` (or `file`)
 * with no tool is the filesystem tool. Null when the action is the tool's own, or when none applies.
 */
function contextlabToolAction(step: Obj): { tool: string; action: string; fromParameters: boolean; sentence: boolean } | null {
  const action = step.action;
  if (typeof action !== 'string') return null;
  const params = step.parameters;
  const named = isObj(params) && typeof params.action === 'string' ? params.action : null;
  const fsActions = TOOL_SPECS.filesystem.actions;
  if (step.tool === undefined) {
    if (!FILESYSTEM_WORDS.has(action.trim()) || named === null || !Object.prototype.hasOwnProperty.call(fsActions, named)) return null;
    return { tool: 'filesystem', action: named, fromParameters: fromParameters(fsActions, named), sentence: false };
  }
  const tool = step.tool;
  if (typeof tool !== 'string' || !Object.prototype.hasOwnProperty.call(TOOL_SPECS, tool)) return null;
  const actions = TOOL_SPECS[tool].actions;
  if (Object.prototype.hasOwnProperty.call(actions, action)) return null;
  const sentence = /\s/.test(action.trim());
  if (named !== null && Object.prototype.hasOwnProperty.call(actions, named) && (sentence || tool === 'filesystem')) return { tool, action: named, fromParameters: fromParameters(actions, named), sentence };
  const names = Object.keys(actions);
  const blind = Object.prototype.hasOwnProperty.call(ACTION_BLIND_TOOLS, tool) ? ACTION_BLIND_TOOLS[tool] : null;
  return names.length === 1 && (sentence || (blind !== null && blind.includes(action))) ? { tool, action: names[0], fromParameters: false, sentence } : null;
}

/** Whether the action `name` takes no `action` parameter of its own (so `parameters.action` named it). */
function fromParameters(actions: Record<string, { parameters: Obj }>, name: string): boolean {
  return !Object.prototype.hasOwnProperty.call(actions[name].parameters, 'action');
}

/** The step's copy to change: `copy` once made, else a new one (the document's value stays as it is). */
function ownCopy(copy: Obj, step: Obj): Obj {
  return copy === step ? { ...step } : copy;
}

/** The keys of STEP, listed once: this runs for every step of every analysis. */
const STEP_KEYS = Object.keys(STEP);

function stripSteps(list: unknown, path: ValuePath, sink: FindingSink): unknown {
  if (!Array.isArray(list)) return list;
  // the ids are listed only when a key is reported (a rewrite may name a later step)
  let ids: (string | null)[] | null = null;
  let out: unknown[] | null = null;
  for (let i = 0; i < list.length; i++) {
    const step: unknown = list[i];
    if (!isObj(step)) continue;
    // (no closure over the copy: this runs for every step of every analysis, and this pass's
    // closures, one a step here and one in contextlabToolAction, were a quarter of what an edit of a
    // 2,000-step document allocated)
    let copy: Obj = step;
    const id = typeof step.id === 'string' ? step.id : null;
    for (let k = 0; k < STEP_KEYS.length; k++) {
      const key = STEP_KEYS[k];
      if (!has(step, key)) continue;
      // `retry:` as a mapping is our own long form
      if (key === 'retry' && isObj(step.retry)) continue;
      ids ??= list.map((s) => (isObj(s) && typeof s.id === 'string' ? s.id : null));
      report(sink, step, key, STEP[key], [...path, i], 'a step', id, new Set(ids.slice(i + 1).filter((x): x is string => x !== null)));
      copy = ownCopy(copy, step);
      delete copy[key];
    }
    // `foreach` is ContextLab's other spelling of `for_each`: read as it, and found at its own place
    if (has(step, 'foreach')) {
      if (has(step, 'for_each')) sink.atKey('key.alias-conflict', "'foreach' is an alias of 'for_each': give one of them, not both.", [...path, i, 'foreach'], { step: id });
      else {
        const c = (copy = ownCopy(copy, step));
        c.for_each = c.foreach;
        const span = exactSpan(sink.parsed, [...path, i]);
        const at = span?.children?.get('foreach');
        if (at && !span!.children!.has('for_each')) writableSpan(sink.parsed, [...path, i])!.children!.set('for_each', at);
      }
      copy = ownCopy(copy, step);
      delete copy.foreach;
    }
    const toolAction = contextlabToolAction(copy);
    if (toolAction) {
      const c = (copy = ownCopy(copy, step));
      if (toolAction.sentence && !has(c, 'description')) c.description = c.action;
      c.tool = toolAction.tool;
      c.action = toolAction.action;
      if (toolAction.fromParameters) {
        const params = { ...(c.parameters as Obj) };
        delete params.action;
        c.parameters = params;
      }
    }
    // ContextLab's one-action loop: `for_each` with an `action` and no `steps` runs the action per item
    if (has(copy, 'for_each') && has(copy, 'action') && !has(copy, 'steps') && id !== null) oneActionLoop((copy = ownCopy(copy, step)), id, [...path, i], sink);
    if (Array.isArray(copy.steps)) {
      const body = stripSteps(copy.steps, [...path, i, 'steps'], sink);
      if (body !== copy.steps) (copy = ownCopy(copy, step)).steps = body;
    }
    if (copy !== step) (out ??= [...list])[i] = copy;
  }
  return out ?? list;
}
