// What the semantic checks found in one top-level step, kept across analyses of an edited document,
// so an edit re-checks only the steps it can affect.
//
// An entry is keyed by the step's raw value, which the section parse (engine/parse/yamlDocument.ts)
// shares between analyses exactly when the step's text is unchanged (and lets die with its cached
// section, so entries of steps no longer in the document are dropped with them), by the step's
// index (paths print it), and by the document's context: everything outside a step that a check of
// one step reads (the ids, tools, actions, loops and vars of all steps, the parameter names, the
// tool catalog, experts, personalities, MCP servers). A step that moved with its text unchanged is
// reused with its ranges moved by as many lines (a step starts at a line start, so characters stay).
import type { Pipeline, Plan, PlanEdge, Step } from '../spec/types';
import { buildPlan } from '../plan/plan';
import { forgetNormalizedSteps } from './normalize';
import { forgetCleanSteps } from './schemaCheck';
import { forgetKeptAutoTags } from './autoTags';
import type { McpAnalysisInfo } from '../mcp/catalog';
import type { ToolCatalog } from '../toolkit/toolSpecs';
import { exactSpan, type ParsedYaml } from '../parse/yamlDocument';
import type { Place } from './movedResults';

/** A document's context: what lies outside its steps (`head`) and each top-level step's signature,
 * in order. The signatures are the strings `signatureOf` keeps for each step value, so a context
 * holds one reference a step, not a copy of them all joined (225 KB at 5,000 steps). */
interface ContextKey {
  head: string;
  signatures: string[];
}

/** The contexts seen last (a few documents edited in turn each keep theirs), newest last, with the
 * values their analyses share (see `canonical`). */
const recentContexts: { key: ContextKey; id: number; shared: Map<string, unknown> }[] = [];
const MAX_CONTEXTS = 8;
let nextContext = 1;
/** Analyses that kept step results so far: each memo context's `made`. */
let analysesMade = 0;
const catalogIds = new WeakMap<object, number>();
let nextCatalog = 1;

function sameKey(a: ContextKey, b: ContextKey): boolean {
  if (a.head !== b.head || a.signatures.length !== b.signatures.length) return false;
  for (let i = 0; i < a.signatures.length; i++) if (a.signatures[i] !== b.signatures[i]) return false;
  return true;
}

function contextOf(key: ContextKey): { id: number; shared: Map<string, unknown> } {
  const i = recentContexts.findIndex((c) => sameKey(c.key, key));
  if (i >= 0) {
    const [hit] = recentContexts.splice(i, 1);
    recentContexts.push(hit);
    return hit;
  }
  const context = { key, id: nextContext++, shared: new Map<string, unknown>() };
  recentContexts.push(context);
  if (recentContexts.length > MAX_CONTEXTS) recentContexts.shift();
  return context;
}

/** What the check of another step reads of this one (as JSON: no two differ in one string). */
function stepSignature(step: Step): unknown[] {
  const loop = step.loop ? (step.loop.kind === 'for_each' ? ['each', step.loop.loopVar, step.loop.single ?? null] : ['while']) : null;
  return [step.id, step.tool, step.action, loop, step.vars.map((v) => v.name), step.body ? step.body.map(stepSignature) : null];
}

/** The signature of each step value, as JSON: a step whose text is unchanged has the same value
 * (engine/parse/yamlDocument.ts), and its signature is not made again at each edit. */
const signatures = new WeakMap<object, string>();

function signatureOf(step: Step): string {
  let s = signatures.get(step.raw);
  if (s === undefined) signatures.set(step.raw, (s = JSON.stringify(stepSignature(step))));
  return s;
}

/** The part of a document that the check of one step reads besides the step: two analyses with
 * the same context check a step of the same text alike. */
export class StepMemoContext {
  readonly id: number;
  /** When its analysis was made, against the others': a later analysis's results replace an
   * earlier one's, never the other way round (an outline made late for an older analysis). */
  readonly made = ++analysesMade;
  private readonly shared: Map<string, unknown>;
  constructor(
    readonly parsed: ParsedYaml,
    pipeline: Pipeline,
    catalog: ToolCatalog,
    mcp: McpAnalysisInfo | undefined,
  ) {
    let cat = catalogIds.get(catalog);
    if (cat === undefined) catalogIds.set(catalog, (cat = nextCatalog++));
    const head = JSON.stringify([cat, mcp ?? null, pipeline.parameters.map((p) => p.name), Object.keys(pipeline.experts), Object.keys(pipeline.personalities), Object.keys(pipeline.mcpServers)]);
    const context = contextOf({ head, signatures: pipeline.steps.map(signatureOf) });
    this.places = new Array(pipeline.steps.length);
    this.entries = new Array(pipeline.steps.length);
    this.id = context.id;
    this.shared = context.shared;
  }

  /** The value of this name that the first analysis in this context made (equal to `value`, as the
   * context says): kept results then hold one list of step ids, not one per analysis they came from. */
  canonical<T>(name: string, value: T): T {
    if (this.shared.has(name)) return this.shared.get(name) as T;
    this.shared.set(name, value);
    return value;
  }

  /** The place of each top-level step found so far, by its index: a list of the steps' length, not a
   * Map (the analysis's outline, made later, keeps this context: a Map of 5,000 entries was 0.2 MiB). */
  private readonly places: (Place | null | undefined)[];

  /** The memo entry of each top-level step looked up so far, by its index (null: it has none): one
   * lookup by the step's value a step and analysis, not one for each memo that asks. */
  private readonly entries: (StepEntry | null | undefined)[];

  /** The memo entry of a top-level step (see `entryAt`). */
  entryOf(step: Step): StepEntry | undefined {
    const index = step.path[1] as number;
    let e = this.entries[index];
    if (e === undefined) this.entries[index] = e = entryAt(step.raw, index) ?? null;
    return e ?? undefined;
  }

  /** The step's entry is now `e` (a memo made it). */
  entryMade(step: Step, e: StepEntry): void {
    this.entries[step.path[1] as number] = e;
  }

  /** Where the top-level step stands in this document, or null when its span is not its own. */
  place(step: Step): Place | null {
    const index = step.path[1] as number;
    let place = this.places[index];
    if (place !== undefined) return place;
    const span = exactSpan(this.parsed, step.path);
    if (!span || span.end <= span.start) return (this.places[index] = null);
    const lines = this.parsed.lines;
    const line = lines.position(span.start).line;
    const lastLine = lines.position(span.end).line;
    // where its entry was kept, when the step has not moved (every step before an edit): the same
    // object, not a new one for each step, which the next collection copies and the entry moves to
    const kept = this.entryOf(step)?.place;
    place = kept && kept.offset === span.start && kept.end === span.end && kept.line === line && kept.lastLine === lastLine ? kept : { offset: span.start, end: span.end, line, lastLine };
    this.places[index] = place;
    return place;
  }
}

/** How many memos there are at most (the checks of definitions, templates and steps, and the outline). */
const SLOTS = 4;

/**
 * What the memos keep for one step value at one place (its index among the top-level steps) in one
 * context: each memo's data in a field of its own (by the memo's slot), and where the step stood
 * when it was kept. One object a step, not an entry per memo and a list of the entries: at 5,000
 * steps those were 0.8 MiB more of what the language server holds.
 */
class StepEntry {
  data0: unknown = undefined;
  data1: unknown = undefined;
  data2: unknown = undefined;
  data3: unknown = undefined;

  constructor(
    public context: number,
    /** The `made` of the latest analysis that kept data here. */
    public made: number,
    readonly index: number,
    public place: Place,
  ) {}

  get(slot: number): unknown {
    return slot === 0 ? this.data0 : slot === 1 ? this.data1 : slot === 2 ? this.data2 : this.data3;
  }

  set(slot: number, data: unknown): void {
    if (slot === 0) this.data0 = data;
    else if (slot === 1) this.data1 = data;
    else if (slot === 2) this.data2 = data;
    else this.data3 = data;
  }

  /** Every memo's data moved to where the step stands now (they are kept at one place). */
  moveTo(place: Place): void {
    const lines = place.line - this.place.line;
    const offsets = place.offset - this.place.offset;
    if (lines !== 0 || offsets !== 0) {
      for (let slot = 0; slot < memos.length; slot++) {
        const data = this.get(slot);
        if (data !== undefined) this.set(slot, memos[slot].moved(data, lines, offsets));
      }
    }
    this.place = place;
  }
}

/** The entries of a step value: one weak entry per step value (a weak map is dear to fill, and to
 * trace in each full collection), its one entry itself (most steps), a list only when the same
 * text stands at several places. */
const entriesByRaw = new WeakMap<object, StepEntry | StepEntry[]>();
const memos: StepMemo<unknown>[] = [];

/** The entry of a step value at `index`, whatever its context. */
function entryAt(raw: object, index: number): StepEntry | undefined {
  const entries = entriesByRaw.get(raw);
  if (!entries) return undefined;
  if (!Array.isArray(entries)) return entries.index === index ? entries : undefined;
  // a loop, not `find`: this runs for every top-level step of every edit, in each memo
  for (let k = 0; k < entries.length; k++) if (entries[k].index === index) return entries[k];
  return undefined;
}

/** The results of one check per top-level step. */
export class StepMemo<T> {
  private readonly slot: number;

  constructor(
    /** The data moved by `lines` lines and `offsets` characters. */
    readonly moved: (data: T, lines: number, offsets: number) => T,
    /** Whether every range and offset the data holds is inside the step (else it would not move with it). */
    private readonly inside: (data: T, place: Place) => boolean,
  ) {
    if (memos.length === SLOTS) throw new Error(`at most ${SLOTS} step memos`);
    this.slot = memos.length;
    memos.push(this as StepMemo<unknown>);
  }

  /** The data of this step checked before in the same context, moved to where the step is now. */
  get(ctx: StepMemoContext, step: Step, place: Place): T | undefined {
    const e = ctx.entryOf(step);
    if (!e || e.context !== ctx.id || e.get(this.slot) === undefined) return undefined;
    // the entry keeps the moved copies, the ones this analysis holds, so the two share them
    if (e.place !== place) e.moveTo(place);
    return e.get(this.slot) as T;
  }

  /** Keeps the data of a step, unless it reaches outside the step (it would not move with it). */
  set(ctx: StepMemoContext, step: Step, place: Place, data: T): void {
    if (!this.inside(data, place)) return;
    const index = step.path[1] as number;
    let e = ctx.entryOf(step);
    if (e && e.context === ctx.id) {
      // the other memos' data of this step in this context, where the step is now
      if (e.place !== place) e.moveTo(place);
      if (ctx.made > e.made) e.made = ctx.made;
    } else {
      // one entry per place: a later analysis's context replaces an earlier one's, and an earlier
      // analysis (its outline made late) keeps nothing over a later one's data
      if (e && e.made > ctx.made) return;
      const fresh = new StepEntry(ctx.id, ctx.made, index, place);
      const entries = entriesByRaw.get(step.raw);
      if (!entries || (!Array.isArray(entries) && entries.index === index)) entriesByRaw.set(step.raw, fresh);
      else if (!Array.isArray(entries)) entriesByRaw.set(step.raw, [entries, fresh]);
      else if (e) entries[entries.indexOf(e)] = fresh;
      else entries.push(fresh);
      ctx.entryMade(step, fresh);
      e = fresh;
    }
    e.set(this.slot, data);
  }
}

/**
 * The top-level plan of the last analysis that keeps step results, with what it was made from. An
 * edit that changes no step id and no dependency (most edits: a prompt, a parameter, a name) gets
 * the same plan: at 2,000 steps, making it again was 1.7 MiB of the 13 MiB an edit allocated.
 * Nothing changes a plan once it is made, so analyses can share one. Only those analyses use it:
 * an inline document analyzed in the middle of its host's analysis would otherwise take the place
 * of the host's plan at every edit.
 */
let lastTopLevel: { ids: string[]; edges: PlanEdge[]; plan: Plan } | null = null;

/** The plan of the top-level steps `ids` with `edges`: the last analysis's when they are the same. */
export function topLevelPlan(ids: string[], edges: PlanEdge[]): Plan {
  const last = lastTopLevel;
  if (last && sameStrings(last.ids, ids) && sameEdges(last.edges, edges)) return last.plan;
  const plan = buildPlan({ steps: ids, edges });
  lastTopLevel = { ids, edges, plan };
  return plan;
}

/** The top-level step ids of the last analysis that keeps step results, with their set. */
let lastIds: { ids: string[]; siblings: Set<string> } | null = null;

/** The ids of the top-level steps and their set: the last analysis's when they are the same (most
 * edits change no id), so an edit neither lists 2,000 ids again nor fills a set of them; the plan
 * and ancestor query below then find the same list at once. Neither is changed by its callers. */
export function topLevelIds(steps: Step[]): { ids: string[]; siblings: Set<string> } {
  const last = lastIds;
  if (last && last.ids.length === steps.length) {
    let k = 0;
    while (k < steps.length && last.ids[k] === steps[k].id) k++;
    if (k === steps.length) return last;
  }
  return (lastIds = listIds(steps));
}

/** The ids of a list of steps and their set (made anew: see topLevelIds for the top level's). */
export function listIds(steps: Step[]): { ids: string[]; siblings: Set<string> } {
  const ids = steps.map((x) => x.id);
  return { ids, siblings: new Set(ids) };
}

/** What the implied dependencies of the top level came to in the last analysis that keeps step
 * results, with what it was made of. */
let lastImplied: { ids: string[]; edges: PlanEdge[]; implied: readonly ImpliedEnds[]; outcome: unknown } | null = null;

/** The two ends of an implied dependency: all that decides what it comes to. */
interface ImpliedEnds {
  readonly from: string;
  readonly to: string;
}

/**
 * `make()`, what the top level's implied dependencies come to (which are not ordered already, which
 * add an edge), by their index: the last analysis's when the ids, the explicit `edges` and the
 * `implied` dependencies' ends are the same, in the same order. At 2,000 steps each dependency's
 * ends were looked up in the set of ids and the ancestor query at every edit.
 */
export function topLevelImplied<T>(ids: string[], edges: PlanEdge[], implied: readonly ImpliedEnds[], make: () => T): T {
  const last = lastImplied;
  if (last && sameStrings(last.ids, ids) && sameEdges(last.edges, edges) && sameEnds(last.implied, implied)) return last.outcome as T;
  const outcome = make();
  // the caller goes on adding edges to its list, and the implied list is the analysis's own
  lastImplied = { ids, edges: edges.slice(), implied: implied.slice(), outcome };
  return outcome;
}

function sameEnds(a: readonly ImpliedEnds[], b: readonly ImpliedEnds[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].from !== b[i].from || a[i].to !== b[i].to) return false;
  return true;
}

type AncestorQuery = (a: string, b: string) => boolean;

/** The ancestor query (engine/analyze/cycleCheck.ts) of the last analysis that keeps step results,
 * with the top-level ids and explicit edges it was made of. */
let lastAncestors: { ids: string[]; edges: PlanEdge[]; query: AncestorQuery } | null = null;

/** `make(ids, edges)` (the ancestor query) for the top-level steps: the last analysis's when the ids
 * and edges are the same (at 2,000 steps, making it was a map and a list per step on every edit). */
export function topLevelAncestors(ids: string[], edges: PlanEdge[], make: (ids: string[], edges: PlanEdge[]) => AncestorQuery): AncestorQuery {
  const last = lastAncestors;
  if (last && sameStrings(last.ids, ids) && sameEdges(last.edges, edges)) return last.query;
  const query = make(ids, edges);
  // the caller goes on adding edges to its list: the query was made of these
  lastAncestors = { ids, edges: edges.slice(), query };
  return query;
}

function sameStrings(a: string[], b: string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameEdges(a: PlanEdge[], b: PlanEdge[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].from !== b[i].from || a[i].to !== b[i].to || a[i].kind !== b[i].kind) return false;
  return true;
}

/** Makes every step be checked again, and the plan made again, on the next analysis (a reference
 * analysis in tests). */
export function forgetStepMemo(): void {
  forgetNormalizedSteps();
  forgetCleanSteps();
  forgetKeptAutoTags();
  recentContexts.length = 0;
  lastTopLevel = null;
  lastAncestors = null;
  lastIds = null;
  lastImplied = null;
}
