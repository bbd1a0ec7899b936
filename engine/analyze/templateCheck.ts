// Templates in a pipeline: where they are, what they refer to, and whether every name, filter,
// test, step field and var exists in the scope where the template stands.
import { hasTemplateSyntax } from '../template/parser';
import { actionSpec, inlineDocumentParams, type ToolCatalog } from '../toolkit/toolSpecs';
import type { Finding, Pipeline, Step, ValuePath } from '../spec/types';
import type { FindingSink } from './findingSink';
import type { LocatedReference, StepReference, TemplateKind, TemplateSite } from './model';
import { isAutoTag } from './autoTags';
import { StepMemo, type StepMemoContext } from './stepMemo';
import { findingInside, movedFinding, movedReference, movedSite, rangeInside, siteInside } from './movedResults';
import { appendFew, everyFew, fewFrom, mapFew, type Few } from '../util/none';
import { TemplateScopes, type StepListContext } from './templateScope';
import { checkSite, ImpliedDependency, type TemplateCheckResult, type TemplateCheckRun } from './templateSiteCheck';

export { STEP_FIELDS, LOOP_STEP_FIELDS, LOOP_VARIABLES, WHILE_VARIABLES, GLOBAL_NAMES, EXECUTION_FIELDS } from './templateScope';
export type { StepListContext } from './templateScope';
export type { TemplateCheckResult } from './templateSiteCheck';

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
  findings: Few<Finding>;
  sites: Few<TemplateSite>;
  references: Few<StepReference>;
  implied: Few<ImpliedDependency>;
}

/** The reference of `implied` among `references` once they are moved to `moved` (both kept as few). */
function movedCounterpart(implied: ImpliedDependency, references: Few<StepReference>, moved: Few<StepReference>): LocatedReference {
  return (Array.isArray(references) ? (moved as readonly StepReference[])[(references as readonly StepReference[]).indexOf(implied.reference)] : moved) as LocatedReference;
}

const MEMO = new StepMemo<StepTemplates>(
  // findings, references and implied dependencies move with the step's lines only, sites with its offsets too
  (d, lines, offsets) => {
    const references = lines ? mapFew(d.references, (r) => movedReference(r, lines)) : d.references;
    return {
      findings: lines ? mapFew(d.findings, (f) => movedFinding(f, lines)) : d.findings,
      sites: mapFew(d.sites, (s) => movedSite(s, lines, offsets)),
      references,
      // each implied dependency is written where its reference is, moved with it
      implied: lines ? mapFew(d.implied, (i) => new ImpliedDependency(i.from, i.to, i.listOwner, movedCounterpart(i, d.references, references))) : d.implied,
    };
  },
  (d, place) => everyFew(d.findings, (f) => findingInside(f, place)) && everyFew(d.sites, (s) => siteInside(s, place)) && everyFew(d.references, (r) => rangeInside(r.range, place)) && everyFew(d.implied, (i) => rangeInside(i.range, place)),
);

export function checkTemplates(pipeline: Pipeline, sink: FindingSink, stepById: Map<string, { step: Step; ctx: StepListContext }>, catalog: ToolCatalog, memo?: StepMemoContext): TemplateCheckResult {
  const result: TemplateCheckResult = { sites: [], references: [], implied: [] };
  const run: TemplateCheckRun = { sink, stepById, catalog, scopes: new TemplateScopes(pipeline, memo), result };

  const visitStep = (step: Step, ctx: StepListContext) => {
    const strings = stepTemplatePaths(step, catalog);
    for (let k = 0; k < strings.length; k++) {
      const v = strings[k].value;
      if (!hasTemplateSyntax(v) || isAutoTag(v)) continue;
      checkSite(run, strings[k].path, v, 'template', step, ctx, null, null);
    }
    for (let k = 0; k < EXPRESSION_KEYS.length; k++) {
      const key = EXPRESSION_KEYS[k];
      const v = step.raw[key];
      if (typeof v !== 'string' || isAutoTag(v)) continue;
      const isLoopCond = key === 'while' || key === 'until';
      const bodyCtx: StepListContext | null = isLoopCond && step.body ? { steps: step.body, loop: step, parent: ctx } : null;
      const kind: TemplateKind = hasTemplateSyntax(v) ? 'template' : 'expression';
      checkSite(run, step.path.concat(key), v, kind, step, ctx, bodyCtx, isLoopCond ? step : null);
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
      appendFew(sink.findings, known.findings);
      appendFew(result.sites, known.sites);
      appendFew(result.references, known.references);
      appendFew(result.implied, known.implied);
      continue;
    }
    const marks = [sink.findings.length, result.sites.length, result.references.length, result.implied.length];
    visitStep(s, root);
    if (place) {
      MEMO.set(memo!, s, place, {
        findings: fewFrom(sink.findings, marks[0]),
        sites: fewFrom(result.sites, marks[1]),
        references: fewFrom(result.references, marks[2]),
        implied: fewFrom(result.implied, marks[3]),
      });
    }
  }

  // outputs: rendered after the run; they see parameters and top-level steps
  const outputsWalk = (v: unknown, p: ValuePath) => {
    if (typeof v === 'string') {
      if (hasTemplateSyntax(v) && !isAutoTag(v)) checkSite(run, p, v, 'template', null, root, null, null);
    } else if (Array.isArray(v)) v.forEach((x, i) => outputsWalk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) outputsWalk(x, [...p, k]);
  };
  outputsWalk(pipeline.outputs, ['outputs']);
  return result;
}
