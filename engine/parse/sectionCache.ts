// The sections of documents read by sections (engine/parse/yamlDocument.ts), kept by their text
// so that an edit parses again only the sections it changed, and dropped once no recent parse of
// their document uses them.
import type { NodeSpan } from './nodeSpan';
import type { PlannedText } from './sectionPlan';

/** A section of a document read on its own: a top-level entry, or one item of `steps`. */
export interface Section {
  /** The section's value: for an item of `steps`, the item itself (null when the text is not one item). */
  value: unknown;
  /** The span of the section's entry (a top-level key's value, or one step item), with offsets
   * in the document where the section starts at `base`. The analysis of that document holds the
   * very same objects: a section that did not move is shared, not copied. */
  span: NodeSpan;
  base: number;
  /** Where the section's mapping ends, relative to its start (the document's ends there when it is last). */
  end: number;
}

export interface CachedSection {
  /** The section's text (the key it has in the cache). */
  src: string;
  section: Section | null;
  /** The document whose parse last used it, and that parse's generation (the document's count). */
  owner: SectionOwner;
  used: number;
  /** Dropped from the cache. */
  evicted?: boolean;
}

/** Sections by text. */
const sectionCache = new Map<string, CachedSection>();

/** What the cache keeps for one document: the language server names each by its URI, every other
 * caller is the document ''. */
interface SectionOwner {
  name: string;
  /** How many times this document was parsed by sections. */
  generation: number;
  /** The entries its last parse used, by the index of their section in its plan, and those this parse
   * used so far. A section is first compared with the entry at its index in the last parse: an edit
   * moves no section to another index unless it adds or removes one, and a comparison spares hashing
   * the section's text for the cache (at 2,000 steps, hashing the whole text anew was a twentieth of
   * an edit). */
  lastOrder: CachedSection[];
  order: CachedSection[];
  /** How many sections its last parse had, and how many entries of the cache are its. */
  kept: number;
  count: number;
  /** Its last text read by sections, with its plan: the next version is planned from it (sectionPlan.ts). */
  planned: PlannedText | null;
}

/** The documents parsed last, least recently first: a few documents edited in turn each keep their
 * sections (a short one's edits, however many, do not drop a long one's), the oldest beyond
 * MAX_OWNERS lose theirs. */
const owners = new Map<string, SectionOwner>();
const MAX_OWNERS = 8;
/** The document being parsed. */
let current = ownerNamed('');

function ownerNamed(name: string): SectionOwner {
  let o = owners.get(name);
  if (o) owners.delete(name);
  else o = { name, generation: 0, lastOrder: [], order: [], kept: 0, count: 0, planned: null };
  owners.set(name, o);
  for (const old of owners.keys()) {
    if (owners.size <= MAX_OWNERS) break;
    owners.delete(old);
  }
  return o;
}

/** The last text of `owner`'s document read by sections, with its plan (null when none is kept). */
export function lastPlanned(owner: string): PlannedText | null {
  return owners.get(owner)?.planned ?? null;
}

/**
 * Starts a parse of `owner`'s document, whose text and plan are `planned`. Once the document holds more than twice its sections (plus
 * 64), what its last two parses did not use is dropped, as is what documents no longer among the
 * last MAX_OWNERS left once the whole cache holds more than twice theirs: an editing session's
 * memory stays flat, whatever other documents are open.
 */
export function startSectionParse(owner: string, planned: PlannedText): void {
  const kept = planned.plan.sections.length;
  const o = (current = ownerNamed(owner));
  o.planned = planned;
  o.generation++;
  o.lastOrder = o.order;
  o.order = [];
  o.kept = kept;
  let total = 0;
  for (const x of owners.values()) total += x.kept;
  if (o.count <= 2 * kept + 64 && sectionCache.size <= 2 * total + 64) return;
  for (const [k, v] of sectionCache) if ((v.owner === o && v.used < o.generation - 1) || owners.get(v.owner.name) !== v.owner) drop(k, v);
}

/** Drops the sections a document kept (the editor closed it). */
export function forgetDocumentSections(name: string): void {
  const o = owners.get(name);
  if (!o) return;
  owners.delete(name);
  for (const [k, v] of sectionCache) if (v.owner === o) drop(k, v);
  if (current === o) current = ownerNamed('');
}

function drop(key: string, entry: CachedSection): void {
  entry.evicted = true;
  entry.owner.count--;
  sectionCache.delete(key);
}

/** Forgets every section and document (for tests that count what is kept). */
export function forgetSections(): void {
  for (const v of sectionCache.values()) v.evicted = true;
  sectionCache.clear();
  owners.clear();
  current = ownerNamed('');
}

/** How many sections are kept (for tests of the bound). */
export function sectionCacheSize(): number {
  return sectionCache.size;
}

/** The cached entry of the section of this text, the `at`th of the parse's plan: the entry at that
 * index in the document's last parse when its text is the same, else the one the text keys. */
export function cachedSection(src: string, at: number): CachedSection | undefined {
  const hint = current.lastOrder[at];
  const hit = hint !== undefined && !hint.evicted && hint.src.length === src.length && hint.src === src ? hint : sectionCache.get(src);
  if (!hit) return undefined;
  if (hit.owner !== current) {
    hit.owner.count--;
    current.count++;
    hit.owner = current;
  }
  hit.used = current.generation;
  current.order[at] = hit;
  return hit;
}

/** Keeps a section just read (null: one no reader could read alone), the `at`th of the parse's plan. */
export function cacheSection(src: string, section: Section | null, at: number): void {
  const entry: CachedSection = { src, section, owner: current, used: current.generation };
  sectionCache.set(src, entry);
  current.count++;
  current.order[at] = entry;
}
