// Templates in a pipeline: where they are, what they refer to, and whether every name, filter,
// test, step field and var exists in the scope where the template stands.
import { hasTemplateSyntax } from '../template/parser';
import { TemplateSyntaxError } from '../template/ast';
import { referencesOf, type NameRef } from '../template/references';
import { FILTERS } from '../template/filters';
import { TESTS } from '../template/tests';
import { spanOf, stringOffsets } from '../parse/yamlDocument';
import { actionSpec, inlineDocumentParams, type ToolCatalog } from '../toolkit/toolSpecs';
import type { Finding, Pipeline, Step, ValuePath } from '../spec/types';
import type { FindingSink } from './findingSink';
import type { ScopeInfo, StepReference, TemplateKind, TemplateSite } from './model';
import { didYouMean, suggest } from './suggest';
import { isAutoTag } from './autoTags';
import { findingInside, movedFinding, movedRange, movedReference, movedSite, rangeInside, siteInside, StepMemo, type StepMemoContext } from './stepMemo';
import { offsetAt } from '../parse/scalarOffsets';
import { appendAll, keptFrom } from '../util/none';

/** Fields of a step in templates: the result document's per-step fields plus `vars`. */
/** What a loop step has besides a step's fields: each iteration's index, item, status and body results. */
export const LOOP_STEP_FIELDS = ['iterations'];

const describeAction = (step: Step): string => (step.tool ? `${step.tool}.${step.action}` : String(step.action));

export const STEP_FIELDS = [
  'result', 'status', 'success', 'error', 'error_type', 'vars', 'attempts', 'retries', 'timed_out',
  'started_at', 'ended_at', 'duration_ms', 'model', 'tokens_in', 'tokens_out', 'cost_usd',
];

export const LOOP_VARIABLES = ['index', 'position', 'is_first', 'is_last', 'length'];
export const WHILE_VARIABLES = ['iteration'];

/** Names every template sees besides parameters and steps. */
export const GLOBAL_NAMES = ['inputs', 'parameters', 'steps', 'execution', 'pipeline_id', 'timestamp', 'output_path'];
export const EXECUTION_FIELDS = ['id', 'started_at', 'timestamp', 'date', 'time'];

const BUILTIN_FUNCTIONS = ['range', 'dict'];

/** A list of steps and the loop around it (null at the top level). */
export interface StepListContext {
  steps: Step[];
  loop: Step | null;
  parent: StepListContext | null;
}

export interface TemplateCheckResult {
  sites: TemplateSite[];
  references: StepReference[];
  /** Edges a template reference adds: from the referenced step to the step (or loop) that must wait. */
  implied: { from: string; to: string; listOwner: string | null; range: import('../spec/types').Range }[];
}

const TEMPLATE_KEYS = ['location', 'max_iterations'];

// The loops that run once per step or per template while a document opens are indexed loops over
// Object.keys, not for-of or Object.entries: until V8 has optimized them (most of an open), each
// for-of turn allocates an iterator result and each entry a pair, about 7 MiB of garbage for a
// 5,000-step document.

/** Which strings of a step are templates, and which are bare expressions. */
function stepTemplatePaths(step: Step, catalog: ToolCatalog): { path: ValuePath; value: string }[] {
  const out: { path: ValuePath; value: string }[] = [];
  const raw = step.raw;
  const walk = (v: unknown, p: ValuePath) => {
    if (typeof v === 'string') out.push({ path: p, value: v });
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) walk(v[i], p.concat(i));
    else if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) walk((v as Record<string, unknown>)[keys[i]], p.concat(keys[i]));
    }
  };
  const params = raw.parameters;
  if (params && typeof params === 'object') {
    // an inline document (a sub-pipeline's text) has templates of its own: stepCheck checks it as a pipeline
    const own = step.action ? inlineDocumentParams(actionSpec(catalog, step.tool, step.action), step.parameters) : [];
    const keys = Object.keys(params);
    for (let i = 0; i < keys.length; i++) if (!own.includes(keys[i])) walk((params as Record<string, unknown>)[keys[i]], step.path.concat('parameters', keys[i]));
  }
  for (let i = 0; i < TEMPLATE_KEYS.length; i++) {
    const v = raw[TEMPLATE_KEYS[i]];
    if (typeof v === 'string') out.push({ path: step.path.concat(TEMPLATE_KEYS[i]), value: v });
  }
  if (raw.products && typeof raw.products === 'object') walk(raw.products, step.path.concat('products'));
  return out;
}

const EXPRESSION_KEYS = ['condition', 'if', 'while', 'until', 'for_each'];

/** What checking the templates of one top-level step (its loop body included) added. */
interface StepTemplates {
  findings: Finding[];
  sites: TemplateSite[];
  references: StepReference[];
  implied: TemplateCheckResult['implied'];
}

const MEMO = new StepMemo<StepTemplates>(
  (d, lines, offsets) => ({
    findings: d.findings.map((f) => movedFinding(f, lines)),
    sites: d.sites.map((s) => movedSite(s, lines, offsets)),
    references: d.references.map((r) => movedReference(r, lines)),
    implied: lines ? d.implied.map((i) => ({ ...i, range: movedRange(i.range, lines) })) : d.implied,
  }),
  (d, place) => d.findings.every((f) => findingInside(f, place)) && d.sites.every((s) => siteInside(s, place)) && d.references.every((r) => rangeInside(r.range, place)) && d.implied.every((i) => rangeInside(i.range, place)),
);

export function checkTemplates(pipeline: Pipeline, sink: FindingSink, stepById: Map<string, { step: Step; ctx: StepListContext }>, catalog: ToolCatalog, memo?: StepMemoContext): TemplateCheckResult {
  const result: TemplateCheckResult = { sites: [], references: [], implied: [] };
  const parsed = sink.parsed;
  // the names in scope, one list per context (sites kept across analyses hold them)
  const paramNames = pipeline.parameters.map((p) => p.name);
  const shared = <T>(name: string, value: T): T => (memo ? memo.canonical(name, value) : value);
  const paramSet = new Set(paramNames);
  const sharedParams = shared('parameter names', paramNames);

  // the steps a template in a list can see: its list and every enclosing one (computed once a list)
  interface Visible {
    map: Map<string, StepListContext>;
    ids: string[];
  }
  const visibleCache = new Map<StepListContext, Visible>();
  const visibleSteps = (ctx: StepListContext, extra: StepListContext | null): Visible => {
    let v = visibleCache.get(ctx);
    if (!v) {
      const map = new Map<string, StepListContext>();
      for (let c: StepListContext | null = ctx; c; c = c.parent) {
        for (let k = 0; k < c.steps.length; k++) if (!map.has(c.steps[k].id)) map.set(c.steps[k].id, c);
      }
      v = { map, ids: ctx.parent ? [...map.keys()] : shared('top-level step ids', [...map.keys()]) };
      visibleCache.set(ctx, v);
    }
    if (!extra) return v;
    const map = new Map(v.map);
    for (const s of extra.steps) if (!map.has(s.id)) map.set(s.id, extra);
    return { map, ids: [...map.keys()] };
  };

  const loopVarsOf = (ctx: StepListContext | null, includeOwnLoop: Step | null): string[] => {
    const names: string[] = [];
    const add = (loop: Step) => {
      if (loop.loop?.kind === 'for_each') {
        for (const n of [loop.loop.loopVar, ...LOOP_VARIABLES]) names.push(n, `$${n}`);
        if (loop.loop.loopVar !== 'item') names.push('item', '$item');
      } else if (loop.loop?.kind === 'while') {
        for (const n of WHILE_VARIABLES) names.push(n, `$${n}`);
      }
    };
    if (includeOwnLoop) add(includeOwnLoop);
    for (let c = ctx; c; c = c.parent) if (c.loop) add(c.loop);
    return [...new Set(names)];
  };

  // every loop variable name used anywhere, to tell 'used outside its loop' from 'unknown'
  const allLoopVarNames = new Set<string>(['item', 'iteration', ...LOOP_VARIABLES].flatMap((n) => [n, `$${n}`]));
  const collectLoopVars = (steps: Step[]): void => {
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k];
      if (s.loop?.kind === 'for_each') allLoopVarNames.add(s.loop.loopVar).add(`$${s.loop.loopVar}`);
      if (s.body) collectLoopVars(s.body);
    }
  };
  collectLoopVars(pipeline.steps);

  const plainScopes = new Map<StepListContext, { scope: ScopeInfo; loopSet: Set<string> }>();

  const checkSite = (
    path: ValuePath,
    source: string,
    kind: TemplateKind,
    owner: Step | null,
    ctx: StepListContext,
    extraStepScope: StepListContext | null,
    ownLoop: Step | null,
  ) => {
    const offsets = stringOffsets(parsed, path, source);
    // where characters [s, e) of the source stand in the document: two numbers, not a pair, which
    // cold code would allocate and then walk with an iterator to destructure
    const docStart = (s: number): number => {
      if (offsets === null) return spanOf(parsed, path)?.start ?? 0;
      return offsetAt(offsets, Math.min(s, source.length));
    };
    const docEnd = (s: number, e: number): number => {
      if (offsets === null) return spanOf(parsed, path)?.end ?? 0;
      return e > s ? offsetAt(offsets, Math.min(e - 1, source.length)) + 1 : docStart(s);
    };
    const { map: visible, ids: visibleIds } = visibleSteps(ctx, extraStepScope);
    // the sites of a list outside loop conditions share one scope (read only, by completion)
    const plainSite = !extraStepScope && !ownLoop;
    let scoped = plainSite ? plainScopes.get(ctx) : undefined;
    if (!scoped) {
      const names = loopVarsOf(ctx, ownLoop);
      scoped = { scope: { parameters: sharedParams, steps: visibleIds, loopVariables: names }, loopSet: new Set(names) };
      if (plainSite) plainScopes.set(ctx, scoped);
    }
    const { scope, loopSet } = scoped;
    const loopVars = scope.loopVariables;
    const site: TemplateSite = { path, source, kind, step: owner?.id ?? null, offsets, references: null, error: null, scope };
    result.sites.push(site);
    let refs;
    try {
      refs = referencesOf(source, kind);
    } catch (e) {
      if (!(e instanceof TemplateSyntaxError)) throw e;
      const s = docStart(Math.min(e.start, source.length));
      const t = docEnd(Math.min(e.start, source.length), Math.min(Math.max(e.end, e.start + 1), source.length));
      const f = sink.atOffsets('template.syntax', `Template syntax error: ${e.message}.`, s, Math.max(t, s + 1), path, { step: owner?.id });
      site.error = { message: e.message, range: f.range };
      return;
    }
    site.references = refs;
    const stepId = owner?.id ?? null;

    for (let k = 0; k < refs.filters.length; k++) {
      const f = refs.filters[k];
      if (FILTERS[f.name]) {
        const spec = FILTERS[f.name];
        const s = docStart(f.start);
        const t = docEnd(f.start, f.end);
        if (f.argCount < spec.minArgs || f.argCount > spec.maxArgs) {
          const want = spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
          sink.atOffsets('template.filter-arguments', `Filter '${f.name}' takes ${want} positional argument${spec.maxArgs === 1 && spec.minArgs === 1 ? '' : 's'}, got ${f.argCount}.`, s, t, path, { step: stepId });
        }
        const badKw = f.kwargNames.filter((k) => !(spec.kwargs ?? []).includes(k));
        if (badKw.length) sink.atOffsets('template.filter-arguments', `Filter '${f.name}' has no keyword argument '${badKw[0]}'.`, s, t, path, { step: stepId, suggestions: suggest(badKw[0], spec.kwargs ?? []) });
        continue;
      }
      const suggestions = suggest(f.name, Object.keys(FILTERS));
      const s = docStart(f.start);
      const t = docEnd(f.start, f.end);
      sink.atOffsets('template.unknown-filter', `Unknown filter '${f.name}'.${didYouMean(suggestions)}`, s, t, path, { step: stepId, suggestions });
    }
    for (let k = 0; k < refs.tests.length; k++) {
      const tst = refs.tests[k];
      const s = docStart(tst.start);
      const t = docEnd(tst.start, tst.end);
      if (!TESTS[tst.name]) {
        const suggestions = suggest(tst.name, Object.keys(TESTS));
        sink.atOffsets('template.unknown-test', `Unknown test '${tst.name}'.${didYouMean(suggestions)}`, s, t, path, { step: stepId, suggestions });
      } else if (tst.argCount > TESTS[tst.name].maxArgs || tst.argCount < TESTS[tst.name].minArgs) {
        sink.atOffsets('template.filter-arguments', `Test '${tst.name}' takes ${TESTS[tst.name].maxArgs} argument${TESTS[tst.name].maxArgs === 1 ? '' : 's'}, got ${tst.argCount}.`, s, t, path, { step: stepId });
      }
    }
    for (let k = 0; k < refs.calls.length; k++) {
      const c = refs.calls[k];
      if (BUILTIN_FUNCTIONS.includes(c.name)) continue;
      const s = docStart(c.start);
      const t = docEnd(c.start, c.end);
      const suggestions = suggest(c.name, BUILTIN_FUNCTIONS);
      sink.atOffsets('template.unknown-function', `'${c.name}' is not a function: templates can call range() and dict(), and methods of strings, lists and mappings.${didYouMean(suggestions)}`, s, t, path, { step: stepId, suggestions });
    }

    for (let k = 0; k < refs.names.length; k++) checkName(refs.names[k]);

    function addStepRef(target: string, start: number, end: number) {
      const range = parsed.lines.range(start, end);
      const targetCtx = visible.get(target);
      let implied = false;
      if (owner && target !== owner.id && targetCtx) {
        // the step that must wait: the owner if the target is in its list, else the enclosing loop in the target's list
        let waiter: Step | null = owner;
        let c: StepListContext | null = ctx;
        while (c && c !== targetCtx) {
          waiter = c.loop;
          c = c.parent;
        }
        if (waiter && waiter.id !== target && c === targetCtx) {
          result.implied.push({ from: target, to: waiter.id, listOwner: targetCtx.loop?.id ?? null, range });
          implied = true;
        }
      }
      result.references.push({ stepId: target, kind: 'template', range, fromStep: stepId, path, implied });
    }

    function checkStepChain(target: string, chain: NameRef['chain'], from: number) {
      const info = stepById.get(target)!;
      const field = chain[from];
      if (!field) return;
      const s = docStart(field.start);
      const t = docEnd(field.start, field.end);
      const key = String(field.key);
      if (!STEP_FIELDS.includes(key)) {
        if (info.step.loop && LOOP_STEP_FIELDS.includes(key)) return;
        if (key === 'results' && info.step.loop?.kind === 'for_each' && info.step.loop.single) return;
        const spec = info.step.action ? actionSpec(catalog, info.step.tool, info.step.action) : undefined;
        // a step whose tool or action is unknown has that finding already; its fields cannot be known
        if (!info.step.loop && !spec) return;
        // a result field reads as `step.field` too (ContextLab's form), exactly when the action returns it
        if (spec?.result && Object.prototype.hasOwnProperty.call(spec.result, key)) return;
        const fields = spec?.result ? Object.keys(spec.result) : [];
        const suggestions = suggest(key, [...fields, ...STEP_FIELDS]);
        const returns = spec?.result ? ` '${describeAction(info.step)}' returns ${fields.map((f) => `'${f}'`).join(', ')};` : spec ? ` '${describeAction(info.step)}' returns free-form text or data, read as '${target}.result';` : '';
        sink.atOffsets('template.unknown-step-field', `Step '${target}' has no field '${key}':${returns} a step has ${STEP_FIELDS.slice(0, 5).join(', ')}, vars, ...${didYouMean(suggestions)}`, s, t, path, { step: stepId, suggestions });
        return;
      }
      const sub = chain[from + 1];
      if (!sub) return;
      const s2 = docStart(sub.start);
      const t2 = docEnd(sub.start, sub.end);
      if (key === 'vars') {
        const names = info.step.vars.map((v) => v.name);
        if (!names.includes(String(sub.key))) {
          const suggestions = suggest(String(sub.key), names);
          const declared = names.length ? `it declares ${names.map((n) => `'${n}'`).join(', ')}` : 'it declares no vars';
          sink.atOffsets('template.unknown-var', `Step '${target}' has no var '${sub.key}': ${declared}.${didYouMean(suggestions)}`, s2, t2, path, { step: stepId, suggestions });
        }
      } else if (key === 'result' && !info.step.loop && info.step.action) {
        const spec = actionSpec(catalog, info.step.tool, info.step.action);
        if (spec?.result && typeof sub.key === 'string' && !Object.prototype.hasOwnProperty.call(spec.result, sub.key)) {
          const fields = Object.keys(spec.result);
          const suggestions = suggest(sub.key, fields);
          sink.atOffsets('template.unknown-result-field', `The result of '${info.step.tool ? `${info.step.tool}.` : ''}${info.step.action}' has no field '${sub.key}': it has ${fields.map((f) => `'${f}'`).join(', ')}.${didYouMean(suggestions)}`, s2, t2, path, { step: stepId, suggestions });
        }
      }
    }

    function enclosingWhile(id: string): boolean {
      if (ownLoop?.id === id && ownLoop.loop?.kind === 'while') return true;
      for (let c: StepListContext | null = ctx; c; c = c.parent) if (c.loop?.id === id && c.loop.loop?.kind === 'while') return true;
      return false;
    }

    function checkName(ref: NameRef) {
      const s = docStart(ref.start);
      const t = docEnd(ref.start, ref.end);
      const name = ref.name;
      if (loopSet.has(name)) return;
      if (name === 'steps') {
        const first = ref.chain[0];
        if (!first) return;
        const target = String(first.key);
        const fs = docStart(first.start);
        const ft = docEnd(first.start, first.end);
        if (!visible.has(target)) {
          const suggestions = suggest(target, visibleIds);
          sink.atOffsets('template.unknown-name', `No step '${target}' here.${didYouMean(suggestions)}`, fs, ft, path, { step: stepId, suggestions, severity: ref.guarded ? 'warning' : 'error' });
          return;
        }
        if (owner && target === owner.id) {
          sink.atOffsets('template.self-reference', `Step '${target}' refers to its own result, which does not exist while it runs.`, fs, ft, path, { step: stepId });
          return;
        }
        addStepRef(target, fs, ft);
        checkStepChain(target, ref.chain, 1);
        return;
      }
      // `<loop>.iteration` inside a while loop's body or its own condition: the iteration running now
      if (ref.chain[0]?.key === 'iteration' && !paramSet.has(name) && enclosingWhile(name)) return;
      if (visible.has(name) && !paramSet.has(name)) {
        if (owner && name === owner.id) {
          sink.atOffsets('template.self-reference', `Step '${name}' refers to its own result, which does not exist while it runs.`, s, t, path, { step: stepId });
          return;
        }
        addStepRef(name, s, t);
        checkStepChain(name, ref.chain, 0);
        return;
      }
      if (paramSet.has(name) || GLOBAL_NAMES.includes(name)) {
        if (name === 'execution' && ref.chain[0] && !EXECUTION_FIELDS.includes(String(ref.chain[0].key))) {
          const fs = docStart(ref.chain[0].start);
          const ft = docEnd(ref.chain[0].start, ref.chain[0].end);
          const suggestions = suggest(String(ref.chain[0].key), EXECUTION_FIELDS);
          sink.atOffsets('template.unknown-name', `'execution' has no field '${ref.chain[0].key}': it has ${EXECUTION_FIELDS.join(', ')}.${didYouMean(suggestions)}`, fs, ft, path, { step: stepId, suggestions });
        }
        if ((name === 'inputs' || name === 'parameters') && ref.chain[0] && !paramSet.has(String(ref.chain[0].key))) {
          const fs = docStart(ref.chain[0].start);
          const ft = docEnd(ref.chain[0].start, ref.chain[0].end);
          const suggestions = suggest(String(ref.chain[0].key), paramNames);
          sink.atOffsets('template.unknown-name', `No parameter '${ref.chain[0].key}'.${didYouMean(suggestions)}`, fs, ft, path, { step: stepId, suggestions, severity: ref.guarded ? 'warning' : 'error' });
        }
        return;
      }
      // a hyphenated step id written bare: `a-b.result` parses as `a - b.result`
      const hyphenated = visibleIds.find((id) => id.includes('-') && source.startsWith(id, ref.start) && !/[\w$-]/.test(source.charAt(ref.start + id.length)));
      if (hyphenated) {
        const hs = docStart(ref.start);
        const ht = docEnd(ref.start, ref.start + hyphenated.length);
        const fix = `steps['${hyphenated}']`;
        sink.atOffsets('template.hyphenated-step', `'${hyphenated}' reads as a subtraction in a template: write ${fix}.`, hs, ht, path, { step: stepId, suggestions: [fix] });
        return;
      }
      // a hyphenated id's later part (`b` of `a-b`) is covered by the finding above
      const partOfHyphenated = visibleIds.some((id) => {
        if (!id.includes('-')) return false;
        const i = source.lastIndexOf(id, ref.start);
        return i >= 0 && i < ref.start && i + id.length >= ref.end;
      });
      if (partOfHyphenated) return;
      if (allLoopVarNames.has(name)) {
        sink.atOffsets('template.loop-variable-outside-loop', `'${name}' is a loop variable, but this template is not inside a 'for_each' or 'while' body.`, s, t, path, { step: stepId });
        return;
      }
      const candidates = [...paramNames, ...visibleIds, ...GLOBAL_NAMES, ...loopVars];
      const suggestions = suggest(name, candidates);
      const what = kind === 'expression' ? 'expression' : 'template';
      sink.atOffsets('template.unknown-name', `Unknown name '${name}' in ${what}: not a parameter, a step or a loop variable.${didYouMean(suggestions)}`, s, t, path, { step: stepId, suggestions, severity: ref.guarded ? 'warning' : 'error' });
    }
  };

  const visitStep = (step: Step, ctx: StepListContext) => {
    const strings = stepTemplatePaths(step, catalog);
    for (let k = 0; k < strings.length; k++) {
      const v = strings[k].value;
      if (!hasTemplateSyntax(v) || isAutoTag(v)) continue;
      checkSite(strings[k].path, v, 'template', step, ctx, null, null);
    }
    for (let k = 0; k < EXPRESSION_KEYS.length; k++) {
      const key = EXPRESSION_KEYS[k];
      const v = step.raw[key];
      if (typeof v !== 'string' || isAutoTag(v)) continue;
      const isLoopCond = key === 'while' || key === 'until';
      const bodyCtx: StepListContext | null = isLoopCond && step.body ? { steps: step.body, loop: step, parent: ctx } : null;
      const kind: TemplateKind = hasTemplateSyntax(v) ? 'template' : 'expression';
      checkSite(step.path.concat(key), v, kind, step, ctx, bodyCtx, isLoopCond ? step : null);
    }
    if (step.body) {
      const inner: StepListContext = { steps: step.body, loop: step, parent: ctx };
      for (const b of step.body) visitStep(b, inner);
    }
  };

  const root: StepListContext = { steps: pipeline.steps, loop: null, parent: null };
  for (let k = 0; k < pipeline.steps.length; k++) {
    const s = pipeline.steps[k];
    // a step checked before in the same context: what it added then, moved to where it is now
    const place = memo?.place(s);
    const known = place && MEMO.get(memo!, s, place);
    if (known) {
      appendAll(sink.findings, known.findings);
      appendAll(result.sites, known.sites);
      appendAll(result.references, known.references);
      appendAll(result.implied, known.implied);
      continue;
    }
    const marks = [sink.findings.length, result.sites.length, result.references.length, result.implied.length];
    visitStep(s, root);
    if (place) {
      MEMO.set(memo!, s, place, {
        findings: keptFrom(sink.findings, marks[0]),
        sites: keptFrom(result.sites, marks[1]),
        references: keptFrom(result.references, marks[2]),
        implied: keptFrom(result.implied, marks[3]),
      });
    }
  }

  // outputs: rendered after the run; they see parameters and top-level steps
  const outputsWalk = (v: unknown, p: ValuePath) => {
    if (typeof v === 'string') {
      if (hasTemplateSyntax(v) && !isAutoTag(v)) checkSite(p, v, 'template', null, root, null, null);
    } else if (Array.isArray(v)) v.forEach((x, i) => outputsWalk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) outputsWalk(x, [...p, k]);
  };
  outputsWalk(pipeline.outputs, ['outputs']);
  return result;
}
