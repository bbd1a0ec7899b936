// Semantic checks of steps: ids, dependencies, jumps, tools, actions and their parameters, loops,
// models, experts, personalities, products; and the plan of every step list with its cycles.
import { FORBIDDEN_KEYS } from '../template/values';
import { exactSpan, stringOffsets, valueRange } from '../parse/yamlDocument';
import { buildPlan } from '../plan/plan';
import type { Finding, Pipeline, Plan, PlanEdge, Range, Step, ValuePath } from '../spec/types';
import type { ToolCatalog } from '../toolkit/toolSpecs';
import { isAutoSelect, isAutoTag } from './autoTags';
import { checkSqlStep } from './sqlCheck';
import type { FindingSink } from './findingSink';
import { DefinitionReference, LocatedReference, type StepReference } from './model';
import { STEP_ALIASES, stepKey } from './normalize';
import { TYPE_WORDS } from '../spec/values';
import { didYouMean, suggest } from './suggest';
import type { StepListContext, TemplateCheckResult } from './templateCheck';
import type { ImpliedDependency } from './templateSiteCheck';
import type { McpAnalysisInfo } from '../mcp/catalog';
import { listIds, StepMemo, topLevelAncestors, topLevelIds, topLevelImplied, topLevelPlan, type StepMemoContext } from './stepMemo';
import { findingInside, movedFinding, movedReference, rangeInside } from './movedResults';
import { offsetAt } from '../parse/scalarOffsets';
import { appendFew, everyFew, fewFrom, mapFew, type Few } from '../util/none';
import { checkAction, typeOk } from './actionCheck';
import { ancestorQuery, cycles, reportCycle } from './cycleCheck';
import { checkJumps } from './jumpCheck';
import type { StepIndexEntry } from './stepIndex';

/** `vscode:` names the editor's own language models (vscode.lm): they run only inside VS Code. */
export const MODEL_PROVIDERS = ['openai', 'anthropic', 'google', 'huggingface', 'ollama', 'openai-compatible', 'vscode'];

export type { StepIndexEntry } from './stepIndex';

/** The definition reference of a top-level step (its id's range), kept across analyses by the
 * step's text: an edit makes one for the steps it touched, not a reference and a path for each step. */
const DEFINITIONS = new StepMemo<StepReference>(movedReference, (r, place) => rangeInside(r.range, place));

/** Every step of the pipeline, loop bodies included; the first of duplicated ids wins. */
export function indexSteps(pipeline: Pipeline, sink: FindingSink | null, references: StepReference[], memo?: StepMemoContext): Map<string, StepIndexEntry> {
  const index = new Map<string, StepIndexEntry>();
  const definitionOf = (step: Step, top: boolean): StepReference => {
    const place = top ? memo?.place(step) : undefined;
    const known = place && DEFINITIONS.get(memo!, step, place);
    if (known) return known;
    const definition = DefinitionReference.of(step.id, step.path, valueRange(sink!.parsed, [...step.path, 'id']));
    if (place) DEFINITIONS.set(memo!, step, place, definition);
    return definition;
  };
  const visit = (ctx: StepListContext) => {
    for (const step of ctx.steps) {
      const definition = definitionOf(step, !ctx.parent);
      const prior = index.get(step.id);
      // the template engine refuses these names (they reach an object's prototype), so no template could read such a step
      if (FORBIDDEN_KEYS.has(step.id)) {
        sink?.atValue('step.reserved-id', `Step id '${step.id}' names a part of every object, which templates cannot read: choose another id.`, [...step.path, 'id'], { step: step.id });
      }
      if (prior) {
        sink?.atValue('step.duplicate-id', `Step id '${step.id}' is already used by another step; ids must be unique.`, [...step.path, 'id'], {
          step: step.id,
          related: [{ message: `'${step.id}' first defined here`, range: valueRange(sink.parsed, [...prior.step.path, 'id']) }],
        });
      } else {
        index.set(step.id, { step, ctx });
        references.push(definition);
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

export function checkModel(model: unknown, path: ValuePath, sink: FindingSink, step: string | null, onKey = false): void {
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

/** What checking one top-level step without a body added: findings, dependency references and edges. */
interface StepChecked {
  findings: Few<Finding>;
  /** The step's dependency references, one for each of its edges, in their order: where each edge is written. */
  references: Few<StepReference>;
  /** The step's plan edges themselves (nothing changes an edge once made: plans share them). */
  edges: Few<PlanEdge>;
}

const MEMO = new StepMemo<StepChecked>(
  // what a step adds moves with its lines only (an edit on its line before it moves its offsets)
  (d, lines) => (!lines ? d : {
    findings: mapFew(d.findings, (f) => movedFinding(f, lines)),
    references: mapFew(d.references, (r) => movedReference(r, lines)),
    edges: d.edges,
  }),
  (d, place) => everyFew(d.findings, (f) => findingInside(f, place)) && everyFew(d.references, (r) => rangeInside(r.range, place)),
);

/** The implied dependencies among a list's steps (`siblings`) that its explicit ones do not order
 * already, by their index in `implied`, each with whether it adds an edge (the first of its pair).
 * The ancestor query is made at the first one: most pipelines have none. */
function impliedOutcome(implied: readonly ImpliedDependency[], siblings: ReadonlySet<string>, ancestors: () => (a: string, b: string) => boolean): { k: number; added: boolean }[] {
  const out: { k: number; added: boolean }[] = [];
  let isAncestor: ((a: string, b: string) => boolean) | null = null;
  // an explicit edge makes its ends ancestors: only an implied edge can be met again here
  const keys = new Set<string>();
  for (let k = 0; k < implied.length; k++) {
    const imp = implied[k];
    if (!siblings.has(imp.from) || !siblings.has(imp.to)) continue;
    isAncestor ??= ancestors();
    if (isAncestor(imp.from, imp.to)) continue; // already ordered by explicit dependencies
    const key = `${imp.from}>${imp.to}`;
    const added = !keys.has(key);
    if (added) keys.add(key);
    out.push({ k, added });
  }
  return out;
}

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
    // the top level of an analysis that keeps step results: the last one's ids and set when the same
    const { ids, siblings } = !owner && memo ? topLevelIds(steps) : listIds(steps);
    const edges: PlanEdge[] = [];
    // where edges[i] is written: its dependency reference, or its implied dependency (a map by
    // 'from>to' is made only for a cycle: one string and entry per edge were a tenth of this check
    // on a long pipeline)
    const edgeSources: { readonly range: Range }[] = [];
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k];
      const sid = step.id;
      // a top-level step without a body checked before in the same context: what it added then
      const place = memo && !owner && !step.body ? memo.place(step) : null;
      const known = place && MEMO.get(memo!, step, place);
      if (known) {
        appendFew(sink.findings, known.findings);
        appendFew(references, known.references);
        appendFew(edges, known.edges);
        appendFew(edgeSources, known.references);
        continue;
      }
      const marks = [sink.findings.length, references.length, edges.length];
      checkLoop(step, sink);
      checkAction(step, sink, catalog, pipeline, mcp);
      checkSqlStep(step, sink);
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
        const reference = LocatedReference.of(dep.id, 'dependency', sid, dep.path, dep.range);
        references.push(reference);
        edges.push({ from: dep.id, to: sid, kind: 'explicit' });
        edgeSources.push(reference);
      }
      if (place) {
        MEMO.set(memo!, step, place, { findings: fewFrom(sink.findings, marks[0]), references: fewFrom(references, marks[1]), edges: fewFrom(edges, marks[2]) });
      }
      if (step.body) bodyPlans[sid] = planList(step.body, step, ctx);
    }
    // implied dependencies from templates, among this list's steps: at the top level of an analysis
    // that keeps step results, what they came to last time when nothing they depend on changed
    const ancestors = () => (owner || !memo ? ancestorQuery(ids, edges) : topLevelAncestors(ids, edges, ancestorQuery));
    const outcome = !owner && memo ? topLevelImplied(ids, edges, templates.implied, () => impliedOutcome(templates.implied, siblings, ancestors)) : impliedOutcome(templates.implied, siblings, ancestors);
    for (let j = 0; j < outcome.length; j++) {
      const { k, added } = outcome[j];
      const imp = templates.implied[k];
      if (added) {
        edges.push({ from: imp.from, to: imp.to, kind: 'implied' });
        edgeSources.push(imp);
      }
      sink.add('template.implied-dependency', `'${imp.to}' refers to '${imp.from}', which is not among its dependencies: it will wait for '${imp.from}'.`, imp.range, index.get(imp.to)?.step.path ?? [], { step: imp.to, suggestions: [imp.from] });
    }
    // the top-level plan is kept across the analyses that keep step results (long documents being
    // edited); a short one, an inline document or a run makes its own
    const plan = owner || !memo ? buildPlan({ steps: ids, edges }) : topLevelPlan(ids, edges);
    // Kahn's algorithm in buildPlan placed every step: no cycle, and no need to look for one
    if (plan.cyclic.length) {
      const edgeRange = new Map<string, { readonly range: Range }>(edges.map((e, k) => [`${e.from}>${e.to}`, edgeSources[k]]));
      for (const comp of cycles(plan.steps, plan.edges)) reportCycle(comp, plan.edges, edgeRange, sink, index);
    }
    checkJumps(steps, plan, sink, index, references, siblings);
    return plan;
  };
  const plan = planList(pipeline.steps, null, null);
  return { plan, bodyPlans };
}
