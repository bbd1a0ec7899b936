// Results of one top-level step moved to where the step stands after an edit elsewhere, and whether
// a result lies inside its step (else it would not move with it): what the step memos
// (engine/analyze/stepMemo.ts) and the AUTO tags a step keeps (engine/analyze/autoTags.ts) move.
import type { Finding, Range } from '../spec/types';
import { DefinitionReference, LocatedReference, type StepReference, type TemplateSite } from './model';
import { movedOffsets, offsetAt } from '../parse/scalarOffsets';

/** Where a step stands: its first and last offsets and lines. */
export interface Place {
  offset: number;
  end: number;
  line: number;
  lastLine: number;
}

export function movedRange(r: Range, lines: number): Range {
  return { start: { line: r.start.line + lines, character: r.start.character }, end: { line: r.end.line + lines, character: r.end.character } };
}

export function movedFinding(f: Finding, lines: number): Finding {
  if (!lines) return f;
  const out: Finding = { ...f, range: movedRange(f.range, lines) };
  if (f.related) out.related = f.related.map((r) => ({ ...r, range: movedRange(r.range, lines) }));
  if (f.fixes) out.fixes = f.fixes.map((x) => ({ ...x, edits: x.edits.map((e) => ({ ...e, range: movedRange(e.range, lines) })) }));
  return out;
}

export function movedReference(r: StepReference, lines: number): StepReference {
  if (!lines) return r;
  if (r instanceof DefinitionReference || r instanceof LocatedReference) return r.moved(lines);
  return { ...r, range: movedRange(r.range, lines) };
}

export function movedSite(s: TemplateSite, lines: number, offsets: number): TemplateSite {
  const moved = s.offsets !== null && offsets ? movedOffsets(s.offsets, offsets) : s.offsets;
  const error = s.error && lines ? { message: s.error.message, range: movedRange(s.error.range, lines) } : s.error;
  if (moved === s.offsets && error === s.error) return s;
  // each field written out, not spread: the language server runs without TurboFan's inlining
  // (server/server.ts), where spreading a site was the largest single cost of an edit's analysis
  // (2,000 steps, an edit in the middle: 8 % of a profile, the thousand steps after it each moved)
  return { path: s.path, source: s.source, kind: s.kind, step: s.step, offsets: moved, references: s.references, error, scope: s.scope };
}

export function rangeInside(r: Range, place: Place): boolean {
  return r.start.line >= place.line && r.end.line <= place.lastLine;
}

export function findingInside(f: Finding, place: Place): boolean {
  return rangeInside(f.range, place) && (f.related ?? []).every((r) => rangeInside(r.range, place)) && (f.fixes ?? []).every((x) => x.edits.every((e) => rangeInside(e.range, place)));
}

export function siteInside(s: TemplateSite, place: Place): boolean {
  if (s.error && !rangeInside(s.error.range, place)) return false;
  const o = s.offsets;
  return o === null || (offsetAt(o, 0) >= place.offset && offsetAt(o, s.source.length) <= place.end);
}
