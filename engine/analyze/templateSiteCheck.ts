// One template site checked: its syntax, its filters, tests and calls, and every name it reads
// (steps, their fields and vars, parameters, globals, loop variables).
import { TemplateSyntaxError } from '../template/ast';
import { referencesOf, type NameRef, type TemplateReferences } from '../template/references';
import { FILTERS } from '../template/filters';
import { TESTS } from '../template/tests';
import { spanOf, stringOffsets, type ParsedYaml } from '../parse/yamlDocument';
import { actionSpec, type ToolCatalog } from '../toolkit/toolSpecs';
import type { Range, Step, ValuePath } from '../spec/types';
import type { FindingSink } from './findingSink';
import { LocatedReference, type StepReference, type TemplateKind, type TemplateSite } from './model';
import { didYouMean, suggest, suggestAmong } from './suggest';
import { offsetAt } from '../parse/scalarOffsets';
import {
  BUILTIN_FUNCTIONS, EXECUTION_FIELDS, GLOBAL_NAMES, LOOP_STEP_FIELDS, STEP_FIELDS,
  type StepListContext, type TemplateScopes,
} from './templateScope';

export interface TemplateCheckResult {
  sites: TemplateSite[];
  references: StepReference[];
  /** Edges a template reference adds: from the referenced step to the step (or loop) that must wait. */
  implied: ImpliedDependency[];
}

/** An edge a template reference adds, from the referenced step to the step (or loop) that must
 * wait; it is written where its reference is (one of the `references` of the same check). */
export class ImpliedDependency {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly listOwner: string | null,
    readonly reference: LocatedReference,
  ) {}

  get range(): Range {
    return this.reference.range;
  }
}

/** What every site of one pipeline's check shares. */
export interface TemplateCheckRun {
  sink: FindingSink;
  stepById: Map<string, { step: Step; ctx: StepListContext }>;
  catalog: ToolCatalog;
  scopes: TemplateScopes;
  result: TemplateCheckResult;
}

/** One site being checked: where it stands and what it can see. */
interface Site {
  run: TemplateCheckRun;
  path: ValuePath;
  source: string;
  kind: TemplateKind;
  owner: Step | null;
  stepId: string | null;
  ctx: StepListContext;
  ownLoop: Step | null;
  visible: Map<string, StepListContext>;
  visibleIds: string[];
  loopSet: Set<string>;
  loopVars: string[];
  /** Where character s of the source stands in the document. */
  docStart: (s: number) => number;
  /** Where characters [s, e) of the source end in the document. */
  docEnd: (s: number, e: number) => number;
}

const describeAction = (step: Step): string => (step.tool ? `${step.tool}.${step.action}` : String(step.action));

/** Check one template (or bare expression) of the pipeline and record it as a site. */
export function checkSite(
  run: TemplateCheckRun,
  path: ValuePath,
  source: string,
  kind: TemplateKind,
  owner: Step | null,
  ctx: StepListContext,
  extraStepScope: StepListContext | null,
  ownLoop: Step | null,
): void {
  const parsed: ParsedYaml = run.sink.parsed;
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
  const { map: visible, ids: visibleIds } = run.scopes.visibleSteps(ctx, extraStepScope);
  const { scope, loopSet } = run.scopes.siteScope(ctx, visibleIds, extraStepScope, ownLoop);
  const site: TemplateSite = { path, source, kind, step: owner?.id ?? null, offsets, references: null, error: null, scope };
  run.result.sites.push(site);
  let refs;
  try {
    refs = referencesOf(source, kind);
  } catch (e) {
    if (!(e instanceof TemplateSyntaxError)) throw e;
    const s = docStart(Math.min(e.start, source.length));
    const t = docEnd(Math.min(e.start, source.length), Math.min(Math.max(e.end, e.start + 1), source.length));
    const f = run.sink.atOffsets('template.syntax', `Template syntax error: ${e.message}.`, s, Math.max(t, s + 1), path, { step: owner?.id });
    site.error = { message: e.message, range: f.range };
    return;
  }
  site.references = refs;
  const at: Site = {
    run, path, source, kind, owner, stepId: owner?.id ?? null, ctx, ownLoop, visible, visibleIds, loopSet,
    loopVars: scope.loopVariables, docStart, docEnd,
  };
  checkFilters(at, refs);
  checkTests(at, refs);
  checkCalls(at, refs);
  for (let k = 0; k < refs.names.length; k++) checkName(at, refs.names[k]);
}

function checkFilters(at: Site, refs: TemplateReferences): void {
  const { run: { sink }, path, stepId, docStart, docEnd } = at;
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
}

function checkTests(at: Site, refs: TemplateReferences): void {
  const { run: { sink }, path, stepId, docStart, docEnd } = at;
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
}

function checkCalls(at: Site, refs: TemplateReferences): void {
  const { run: { sink }, path, stepId, docStart, docEnd } = at;
  for (let k = 0; k < refs.calls.length; k++) {
    const c = refs.calls[k];
    if (BUILTIN_FUNCTIONS.includes(c.name)) continue;
    const s = docStart(c.start);
    const t = docEnd(c.start, c.end);
    const suggestions = suggest(c.name, BUILTIN_FUNCTIONS);
    sink.atOffsets('template.unknown-function', `'${c.name}' is not a function: templates can call range() and dict(), and methods of strings, lists and mappings.${didYouMean(suggestions)}`, s, t, path, { step: stepId, suggestions });
  }
}

/** A reference to a step, and the edge it implies when the step is in an enclosing list. */
function addStepRef(at: Site, target: string, start: number, end: number): void {
  const { run: { result, sink }, owner, ctx } = at;
  const targetCtx = at.visible.get(target);
  let waits: { to: string; listOwner: string | null } | null = null;
  if (owner && target !== owner.id && targetCtx) {
    // the step that must wait: the owner if the target is in its list, else the enclosing loop in the target's list
    let waiter: Step | null = owner;
    let c: StepListContext | null = ctx;
    while (c && c !== targetCtx) {
      waiter = c.loop;
      c = c.parent;
    }
    if (waiter && waiter.id !== target && c === targetCtx) waits = { to: waiter.id, listOwner: targetCtx.loop?.id ?? null };
  }
  const reference = LocatedReference.of(target, 'template', at.stepId, at.path, sink.parsed.lines.range(start, end), waits !== null);
  if (waits) result.implied.push(new ImpliedDependency(target, waits.to, waits.listOwner, reference));
  result.references.push(reference);
}

/** The fields read from a step (`step.result.x`, `step.vars.y`, `step.status`...). */
function checkStepChain(at: Site, target: string, chain: NameRef['chain'], from: number): void {
  const { run: { sink, stepById, catalog }, path, stepId, docStart, docEnd } = at;
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

/** Whether a while loop of that id encloses the site (or the site is its own condition). */
function enclosingWhile(at: Site, id: string): boolean {
  if (at.ownLoop?.id === id && at.ownLoop.loop?.kind === 'while') return true;
  for (let c: StepListContext | null = at.ctx; c; c = c.parent) if (c.loop?.id === id && c.loop.loop?.kind === 'while') return true;
  return false;
}

/** `steps.<id>...` or `steps['<id>']...`: the step must be visible and not the site's own. */
function checkStepsName(at: Site, ref: NameRef): void {
  const { run: { sink }, path, stepId, docStart, docEnd, owner } = at;
  const first = ref.chain[0];
  if (!first) return;
  const target = String(first.key);
  const fs = docStart(first.start);
  const ft = docEnd(first.start, first.end);
  if (!at.visible.has(target)) {
    const suggestions = suggest(target, at.visibleIds);
    sink.atOffsets('template.unknown-name', `No step '${target}' here.${didYouMean(suggestions)}`, fs, ft, path, { step: stepId, suggestions, severity: ref.guarded ? 'warning' : 'error' });
    return;
  }
  if (owner && target === owner.id) {
    sink.atOffsets('template.self-reference', `Step '${target}' refers to its own result, which does not exist while it runs.`, fs, ft, path, { step: stepId });
    return;
  }
  addStepRef(at, target, fs, ft);
  checkStepChain(at, target, ref.chain, 1);
}

/** A parameter or global: `execution.<field>` and `inputs.<parameter>` must exist. */
function checkGlobalName(at: Site, ref: NameRef): void {
  const { run: { sink, scopes }, path, stepId, docStart, docEnd } = at;
  const name = ref.name;
  const first = ref.chain[0];
  if (name === 'execution' && first && !EXECUTION_FIELDS.includes(String(first.key))) {
    const fs = docStart(first.start);
    const ft = docEnd(first.start, first.end);
    const suggestions = suggest(String(first.key), EXECUTION_FIELDS);
    sink.atOffsets('template.unknown-name', `'execution' has no field '${first.key}': it has ${EXECUTION_FIELDS.join(', ')}.${didYouMean(suggestions)}`, fs, ft, path, { step: stepId, suggestions });
  }
  if (name === 'variables' && !scopes.paramSet.has(name) && first && !scopes.variableNames.includes(String(first.key))) {
    const fs = docStart(first.start);
    const ft = docEnd(first.start, first.end);
    const suggestions = suggest(String(first.key), scopes.variableNames);
    const known = scopes.variableNames.length ? `the pipeline's variables are ${scopes.variableNames.map((v) => `'${v}'`).join(', ')}` : "the pipeline declares no 'variables'";
    sink.atOffsets('template.unknown-name', `No variable '${first.key}': ${known}.${didYouMean(suggestions)}`, fs, ft, path, { step: stepId, suggestions, severity: ref.guarded ? 'warning' : 'error' });
  }
  if ((name === 'inputs' || name === 'parameters') && first && !scopes.paramSet.has(String(first.key))) {
    const fs = docStart(first.start);
    const ft = docEnd(first.start, first.end);
    const suggestions = suggest(String(first.key), scopes.paramNames);
    sink.atOffsets('template.unknown-name', `No parameter '${first.key}'.${didYouMean(suggestions)}`, fs, ft, path, { step: stepId, suggestions, severity: ref.guarded ? 'warning' : 'error' });
  }
}

/** The visible step ids with a hyphen, found once a list of ids rather than once a name. */
const hyphenCache = new WeakMap<string[], string[]>();
function hyphenatedIds(visibleIds: string[]): string[] {
  let ids = hyphenCache.get(visibleIds);
  if (!ids) hyphenCache.set(visibleIds, (ids = visibleIds.filter((id) => id.includes('-'))));
  return ids;
}

/** A hyphenated step id written bare (`a-b.result` parses as `a - b.result`): true when the name is one or a part of one. */
function checkHyphenated(at: Site, ref: NameRef): boolean {
  const { run: { sink }, path, stepId, docStart, docEnd, source } = at;
  const withHyphen = hyphenatedIds(at.visibleIds);
  if (!withHyphen.length) return false;
  const hyphenated = withHyphen.find((id) => id.includes('-') && source.startsWith(id, ref.start) && !/[\w$-]/.test(source.charAt(ref.start + id.length)));
  if (hyphenated) {
    const hs = docStart(ref.start);
    const ht = docEnd(ref.start, ref.start + hyphenated.length);
    const fix = `steps['${hyphenated}']`;
    sink.atOffsets('template.hyphenated-step', `'${hyphenated}' reads as a subtraction in a template: write ${fix}.`, hs, ht, path, { step: stepId, suggestions: [fix] });
    return true;
  }
  // a hyphenated id's later part (`b` of `a-b`) is covered by the finding above
  return withHyphen.some((id) => {
    const i = source.lastIndexOf(id, ref.start);
    return i >= 0 && i < ref.start && i + id.length >= ref.end;
  });
}

/** One name a template reads: a loop variable, a step, a parameter or global, or an unknown name. */
function checkName(at: Site, ref: NameRef): void {
  const { run: { sink, scopes }, path, stepId, docStart, docEnd, owner } = at;
  const s = docStart(ref.start);
  const t = docEnd(ref.start, ref.end);
  const name = ref.name;
  if (at.loopSet.has(name)) return;
  if (name === 'steps') {
    checkStepsName(at, ref);
    return;
  }
  // `<loop>.iteration` inside a while loop's body or its own condition: the iteration running now
  if (ref.chain[0]?.key === 'iteration' && !scopes.paramSet.has(name) && enclosingWhile(at, name)) return;
  if (at.visible.has(name) && !scopes.paramSet.has(name)) {
    if (owner && name === owner.id) {
      sink.atOffsets('template.self-reference', `Step '${name}' refers to its own result, which does not exist while it runs.`, s, t, path, { step: stepId });
      return;
    }
    addStepRef(at, name, s, t);
    checkStepChain(at, name, ref.chain, 0);
    return;
  }
  if (scopes.paramSet.has(name) || GLOBAL_NAMES.includes(name)) {
    checkGlobalName(at, ref);
    return;
  }
  if (checkHyphenated(at, ref)) return;
  if (scopes.allLoopVarNames.has(name)) {
    sink.atOffsets('template.loop-variable-outside-loop', `'${name}' is a loop variable, but this template is not inside a 'for_each' or 'while' body.`, s, t, path, { step: stepId });
    return;
  }
  const suggestions = suggestAmong(name, [scopes.paramNames, at.visibleIds, GLOBAL_NAMES, at.loopVars]);
  const what = at.kind === 'expression' ? 'expression' : 'template';
  sink.atOffsets('template.unknown-name', `Unknown name '${name}' in ${what}: not a parameter, a step or a loop variable.${didYouMean(suggestions)}`, s, t, path, { step: stepId, suggestions, severity: ref.guarded ? 'warning' : 'error' });
}
