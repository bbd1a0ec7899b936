// Completion: keys from the schema, step ids, tools, actions and their parameters, enum values,
// and inside templates the names in scope, a step's fields, filters and tests.
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem } from 'vscode-languageserver';
import { completionContext, type CompletionContext } from '../engine/analyze/completionContext';
import type { Analysis } from '../engine/analyze/index';
import { EXECUTION_FIELDS, GLOBAL_NAMES, LOOP_STEP_FIELDS, STEP_FIELDS } from '../engine/analyze/templateCheck';
import { enumAt, keysAt } from '../engine/spec/schemaNavigator';
import { connectionItems } from './connectionCompletion';
import { limitCompletions, typedWord } from './completionLimit';
import type { ParameterDecl, ValuePath } from '../engine/spec/types';
import { FILTERS } from '../engine/template/filters';
import { TESTS } from '../engine/template/tests';
import { actionSpec, BUILTIN_ACTIONS, TOOL_SPECS } from '../engine/toolkit/toolSpecs';
import { describeModel, registryModels } from '../engine/models/registry';
import { valueAt } from '../engine/spec/values';
import { mcpToolsOf, stepActionSpec } from './documents';
import type { ServerFeatures } from './features';
import { fileURLToPath } from 'node:url';
import { evalCompletions } from './evalCompletion';
import { agentEntryValueItems, agentKeysOf, agentToolCompletions } from './agentCompletion';
import { handoffCompletions } from './agentHandoffs';
import { entryKeyOffered } from './agentEntryKeys';
import { partValueItems } from './partCompletion';
import { AGENT_STEP_KEYS } from '../engine/analyze/agentDecl';
import { AGENT_STEP_SNIPPET, withAgentSnippet } from './agentSnippets';
import { timezoneItems, triggerKeyItems, triggerTemplateItems } from './triggerCompletion';
import { guardCompletions } from './guardCompletion';
import { monitorKeyItems, monitorValueItems } from './monitorCompletion';

const md = (value: string) => ({ kind: MarkupKind.Markdown, value });

const valueIn = (a: Analysis, path: ValuePath): unknown => valueAt(a.parsed.value, path);

/** The ids of the steps in the same list as the step at `mapping` (a step's path). */
function siblingIds(a: Analysis, mapping: ValuePath): string[] {
  const list = valueIn(a, mapping.slice(0, -1));
  if (!Array.isArray(list)) return [];
  return list.map((s) => (s && typeof s === 'object' ? (s as Record<string, unknown>).id : null)).filter((x): x is string => typeof x === 'string');
}

const SNIPPETS: CompletionItem[] = [
  { label: 'step (action)', kind: CompletionItemKind.Snippet, insertTextFormat: InsertTextFormat.Snippet, insertText: 'id: ${1:step_id}\naction: ${2|generate,generate_structured,analyze_text,evaluate_condition|}\nparameters:\n  prompt: "${3}"', documentation: md('A step that asks a model.') },
  { label: 'step (tool)', kind: CompletionItemKind.Snippet, insertTextFormat: InsertTextFormat.Snippet, insertText: 'id: ${1:step_id}\ntool: ${2|filesystem,terminal,http,data,validation,pipeline|}\naction: ${3}\nparameters:\n  $0', documentation: md('A step that runs a tool.') },
  { label: 'for_each loop', kind: CompletionItemKind.Snippet, insertTextFormat: InsertTextFormat.Snippet, insertText: 'id: ${1:each_item}\nfor_each: "{{ ${2:items} }}"\nmax_parallel: ${3:1}\nsteps:\n  - id: ${4:per_item}\n    action: generate\n    parameters:\n      prompt: "{{ item }}"', documentation: md('Runs the body once per item.') },
  { label: 'while loop', kind: CompletionItemKind.Snippet, insertTextFormat: InsertTextFormat.Snippet, insertText: 'id: ${1:repeat}\nwhile: "{{ ${2:iteration < 3} }}"\nmax_iterations: ${3:10}\nsteps:\n  - id: ${4:body}\n    action: generate\n    parameters:\n      prompt: "${5}"', documentation: md('Repeats the body while the condition holds.') },
];

function keyItems(a: Analysis, ctx: Extract<CompletionContext, { kind: 'key' }>): CompletionItem[] {
  const mapping = ctx.mapping;
  // a step's `parameters`: the action's parameters
  if (mapping[mapping.length - 1] === 'parameters' && mapping[mapping.length - 3] === 'steps') {
    const step = valueIn(a, mapping.slice(0, -1)) as Record<string, unknown> | undefined;
    const spec = step ? stepActionSpec(a, typeof step.tool === 'string' ? step.tool : null, typeof step.action === 'string' ? step.action : null) : undefined;
    if (!spec) return [];
    const present = valueIn(a, mapping);
    return Object.entries(spec.parameters)
      .filter(([n]) => !(present && typeof present === 'object' && n in present))
      .map(([n, p]) => ({ label: n, kind: CompletionItemKind.Property, detail: `${Array.isArray(p.type) ? p.type.join(' | ') : p.type}${p.required ? ', required' : ''}`, documentation: md(p.description), insertText: `${n}: ` }));
  }
  const present = ctx.newListItem ? undefined : valueIn(a, mapping);
  // a step's agent keys: first on an agent step, left out on a step with another action
  const agentStep = mapping[mapping.length - 2] === 'steps' ? agentKeysOf(present) : 'maybe';
  // an agent's keys insert a value to fill in (on a step that may be an agent's, and on a named agent)
  const agentKeys = (mapping[mapping.length - 2] === 'steps' && agentStep !== 'no') || (mapping.length === 2 && mapping[0] === 'agents');
  const items: CompletionItem[] = keysAt(mapping)
    .filter((k) => !(present && typeof present === 'object' && !Array.isArray(present) && k.name in present && k.name !== ctx.partial))
    .filter((k) => agentStep !== 'no' || !(AGENT_STEP_KEYS as readonly string[]).includes(k.name))
    .filter((k) => entryKeyOffered(mapping, present, k.name))
    .map((k) => ({ label: k.name, kind: CompletionItemKind.Property, detail: k.required ? 'required' : undefined, documentation: md(k.description), insertText: `${k.name}: `, sortText: `${k.required || (agentStep === 'yes' && (AGENT_STEP_KEYS as readonly string[]).includes(k.name)) ? 0 : 1}${k.name}` }))
    .map((i) => (agentKeys ? withAgentSnippet(i) : i));
  if (ctx.newListItem && mapping[mapping.length - 2] === 'steps') items.push(...SNIPPETS, AGENT_STEP_SNIPPET);
  if (mapping.length === 2 && mapping[0] === 'triggers') return triggerKeyItems(items, present);
  const monitor = monitorKeyItems(mapping, items, present, ctx.newListItem);
  if (monitor) return monitor;
  return items;
}

function stepIdItems(a: Analysis, mapping: ValuePath, exclude: string[]): CompletionItem[] {
  const self = (valueIn(a, mapping) as Record<string, unknown> | undefined)?.id;
  return siblingIds(a, mapping)
    .filter((id) => id !== self && !exclude.includes(id))
    .map((id) => {
      const s = a.stepIndex.get(id)?.step;
      return { label: id, kind: CompletionItemKind.Reference, detail: s ? [s.tool, s.action].filter(Boolean).join('.') || (s.loop ? 'loop' : '') : undefined, documentation: s?.description ? md(s.description) : undefined };
    });
}

function valueItems(a: Analysis, ctx: Extract<CompletionContext, { kind: 'value' | 'list-item' }>, documentFile: string | null): CompletionItem[] {
  const step = valueIn(a, ctx.mapping) as Record<string, unknown> | undefined;
  const entry = agentEntryValueItems(a, ctx, documentFile);
  if (entry) return entry;
  const part = partValueItems(ctx, step?.[ctx.key], documentFile);
  if (part) return part;
  switch (ctx.key) {
    case 'tool':
      return [...Object.values(TOOL_SPECS), ...Object.values(mcpToolsOf(a))].map((t) => ({ label: t.name, kind: CompletionItemKind.Module, documentation: md(`${t.description}\n\nActions: ${Object.keys(t.actions).map((x) => `\`${x}\``).join(', ')}`) }));
    case 'action': {
      const tool = typeof step?.tool === 'string' ? TOOL_SPECS[step.tool] : undefined;
      const actions = tool ? tool.actions : BUILTIN_ACTIONS;
      return Object.entries(actions).map(([n, s]) => ({ label: n, kind: CompletionItemKind.Function, detail: Object.keys(s.parameters).join(', '), documentation: md(s.description) }));
    }
    case 'dependencies':
    case 'depends_on': {
      const listed = Array.isArray(step?.[ctx.key]) ? (step![ctx.key] as unknown[]).map(String) : [];
      return stepIdItems(a, ctx.mapping, listed);
    }
    case 'on_success':
    case 'on_false':
      return stepIdItems(a, ctx.mapping, []);
    case 'on_failure':
      return [
        ...['fail', 'continue', 'skip', 'retry'].map((p) => ({ label: p, kind: CompletionItemKind.EnumMember })),
        ...stepIdItems(a, ctx.mapping, []),
      ];
    case 'expert': {
      const experts = a.pipeline?.experts ?? {};
      return Object.entries(experts).map(([r, m]) => ({ label: r, kind: CompletionItemKind.Value, detail: m }));
    }
    case 'personality':
      return Object.keys(a.pipeline?.personalities ?? {}).map((p) => ({ label: p, kind: CompletionItemKind.Value }));
    case 'model':
    case 'default_model':
    case 'orchestrator':
      return modelItems();
    case 'connection':
      if (ctx.mapping[ctx.mapping.length - 1] === 'parameters' && (valueIn(a, ctx.mapping.slice(0, -1)) as { tool?: unknown } | undefined)?.tool === 'sql') return connectionItems(a);
      break;
    case 'timezone':
      if (ctx.mapping.length === 2 && ctx.mapping[0] === 'triggers') return timezoneItems();
      break;
    case 'cache':
    case 'checkpoint':
      return ['true', 'false'].map((b) => ({ label: b, kind: CompletionItemKind.Keyword }));
  }
  // the value of an `experts` entry is a model too
  if (ctx.mapping.length === 1 && ctx.mapping[0] === 'experts') return modelItems();
  return enumAt([...ctx.mapping, ctx.key]).map((v) => ({ label: v, kind: CompletionItemKind.EnumMember }));
}

function modelItems(): CompletionItem[] {
  return registryModels().map((m) => ({ label: m.id, kind: CompletionItemKind.Value, detail: describeModel(m), documentation: md(`expertise: ${m.expertise.join(', ')}; capabilities: ${m.capabilities.join(', ')}`) }));
}

function templateItems(a: Analysis, ctx: Extract<CompletionContext, { kind: 'template' }>): CompletionItem[] {
  const expr = ctx.expression;
  if (/\|\s*[\w]*$/.test(expr)) {
    return Object.entries(FILTERS).map(([n, f]) => ({ label: n, kind: CompletionItemKind.Function, documentation: md(f.doc) }));
  }
  if (/\bis\s+(not\s+)?\w*$/.test(expr)) {
    return Object.entries(TESTS).filter(([n]) => /^\w+$/.test(n)).map(([n, t]) => ({ label: n, kind: CompletionItemKind.Function, documentation: md(t.doc) }));
  }
  // a trigger's inputs are rendered when it fires: a webhook's request, nothing of a run
  if (ctx.mapping[0] === 'triggers' && ctx.mapping.length > 2) return triggerTemplateItems(valueIn(a, ctx.mapping.slice(0, 2)), expr);
  const scope = ctx.site?.scope;
  const steps = scope?.steps ?? [...a.stepIndex.keys()];
  const chain = /((?:[\w$]+|\[\s*'[^']*'\s*\])(?:\s*\.\s*[\w$]+|\[\s*'[^']*'\s*\])*)\s*\.\s*[\w$]*$/.exec(expr);
  if (chain) {
    const parts = [...chain[1].matchAll(/[\w$]+|'([^']*)'/g)].map((m) => m[1] ?? m[0]);
    let [root, ...rest] = parts;
    if (root === 'steps' && rest.length) [root, ...rest] = rest;
    else if (root === 'steps') return steps.map((s) => ({ label: s, kind: CompletionItemKind.Reference }));
    if (root === 'execution' && !rest.length) return EXECUTION_FIELDS.map((f) => ({ label: f, kind: CompletionItemKind.Field }));
    if ((root === 'inputs' || root === 'parameters') && !rest.length) return (a.pipeline?.parameters ?? []).map((p) => ({ label: p.name, kind: CompletionItemKind.Variable }));
    const target = a.stepIndex.get(root)?.step;
    if (target && steps.includes(root)) {
      if (!rest.length) {
        const own = STEP_FIELDS.map((f): CompletionItem => ({ label: f, kind: CompletionItemKind.Field, sortText: f === 'result' ? '0' : f === 'vars' ? '1' : `3${f}` }));
        // the action's result fields read as the step's own (ContextLab's `search.total_results`); a loop's iterations
        const spec = target.action ? actionSpec(TOOL_SPECS, target.tool, target.action) : undefined;
        const fields = Object.entries(spec?.result ?? {}).filter(([f]) => !STEP_FIELDS.includes(f));
        const loop = target.loop ? [...LOOP_STEP_FIELDS, ...(target.loop.kind === 'for_each' && target.loop.single ? ['results'] : [])] : [];
        return [
          ...own,
          ...fields.map(([f, d]): CompletionItem => ({ label: f, kind: CompletionItemKind.Field, detail: 'result field', documentation: md(d), sortText: `2${f}` })),
          ...loop.map((f): CompletionItem => ({ label: f, kind: CompletionItemKind.Field, detail: 'loop', sortText: `2${f}` })),
        ];
      }
      if (rest.length === 1 && rest[0] === 'vars') return target.vars.map((v) => ({ label: v.name, kind: CompletionItemKind.Field, documentation: v.description ? md(v.description) : undefined }));
      if (rest.length === 1 && rest[0] === 'result' && target.action) {
        const spec = actionSpec(TOOL_SPECS, target.tool, target.action);
        return Object.entries(spec?.result ?? {}).map(([f, d]) => ({ label: f, kind: CompletionItemKind.Field, documentation: md(d) }));
      }
    }
    return [];
  }
  const items: CompletionItem[] = parameterItems(a.pipeline?.parameters ?? []).slice();
  for (const s of steps) if (s !== ctx.step) items.push({ label: /^[\w$]+$/.test(s) ? s : `steps['${s}']`, kind: CompletionItemKind.Reference, detail: 'step', sortText: `1${s}` });
  for (const v of scope?.loopVariables ?? []) items.push({ label: v, kind: CompletionItemKind.Variable, detail: 'loop variable', sortText: `2${v}` });
  for (const g of GLOBAL_NAMES) items.push({ label: g, kind: CompletionItemKind.Module, sortText: `3${g}` });
  return items;
}

/** The parameters' items of the last completion in a template, with the declarations they were made
 * from, and (made when an item is first resolved) the declarations by name. */
let lastParameters: { decls: readonly ParameterDecl[]; items: CompletionItem[]; byName?: Map<string, ParameterDecl> } | null = null;

/** The sortText of every parameter's item: parameters come first, and an editor orders items of one
 * sortText by their labels, so the name need not be repeated in it. */
const PARAMETER_ORDER = '0';

/** The parameters as completion items: the last completion's items when the declarations are the same
 * (each analysis of an edit declares them anew). A document of 60,000 parameters made 60,000 items
 * on every completion in a template, a third of its time. An item holds its name, kind and order
 * only: its type and description come when the editor shows it (`resolveCompletion`). With them in
 * every item, the answer at 60,000 parameters was 4.7 MB of JSON instead of 2.9, and the editor's
 * reading of it most of the time a completion took; with the name in the sortText too ('0p123'),
 * 2.9 MB instead of 2.6, and the slowest of 20 completions 92-100 ms instead of 73-81. */
function parameterItems(decls: readonly ParameterDecl[]): CompletionItem[] {
  const last = lastParameters;
  if (last && sameDecls(last.decls, decls)) return last.items;
  const items: CompletionItem[] = new Array(decls.length);
  for (let i = 0; i < decls.length; i++) items[i] = { label: decls[i].name, kind: CompletionItemKind.Variable, sortText: PARAMETER_ORDER };
  lastParameters = { decls, items };
  return items;
}

/** A parameter's item (see `parameterItems`) with its type and description; any other item as it is. */
export function resolveCompletion(item: CompletionItem): CompletionItem {
  const last = lastParameters;
  if (!last || item.kind !== CompletionItemKind.Variable || item.sortText !== PARAMETER_ORDER) return item;
  last.byName ??= new Map(last.decls.map((d) => [d.name, d]));
  const p = last.byName.get(item.label);
  if (!p) return item;
  return { ...item, detail: p.type ? `parameter: ${p.type}` : 'parameter', ...(p.description ? { documentation: md(p.description) } : {}) };
}

function sameDecls(a: readonly ParameterDecl[], b: readonly ParameterDecl[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].name !== b[i].name || a[i].type !== b[i].type || a[i].description !== b[i].description) return false;
  return true;
}

/** `documentFile`: the document's own file, when it is saved (the pipeline files beside it are offered to agents). */
export function completions(a: Analysis, offset: number, documentFile: string | null = null): CompletionItem[] {
  const agentTools = agentToolCompletions(a, offset, documentFile);
  if (agentTools) return agentTools;
  const handoffs = handoffCompletions(a, offset);
  if (handoffs) return handoffs;
  const ctx = completionContext(a, offset);
  const guards = guardCompletions(a, ctx);
  if (guards) return guards;
  const monitor = monitorValueItems(ctx);
  if (monitor) return monitor;
  switch (ctx.kind) {
    case 'key':
      return keyItems(a, ctx);
    case 'value':
    case 'list-item':
      return valueItems(a, ctx, documentFile);
    case 'template':
      return templateItems(a, ctx);
  }
  return [];
}

/** Answers completion requests from the document's analysis. */
export function registerCompletion({ connection, withDoc, withEval }: ServerFeatures): void {
  const fileOf = (uri: string) => (uri.startsWith('file:') ? fileURLToPath(uri) : null);
  // a list longer than COMPLETION_LIMIT is cut to the best matches of the word typed, and marked incomplete
  connection.onCompletion(
    (p) =>
      withEval(p.textDocument.uri, 'evalCompletion', [], (d, doc) => limitCompletions(evalCompletions(d, p.position, fileOf(p.textDocument.uri)), typedWord(doc, p.position))) ??
      withDoc(p.textDocument.uri, 'completion', [], (a, doc) => limitCompletions(completions(a, a.parsed.lines.offset(p.position), fileOf(p.textDocument.uri)), typedWord(doc, p.position))),
  );
  connection.onCompletionResolve((item) => resolveCompletion(item));
}
