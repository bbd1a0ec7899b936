// Images, files and audio in the step panel: what a model step was given (`images:`, `files:`,
// `audio:` among its inputs) and the images a step's result names (a screenshot's `path`, a chart's
// file). The panel loads nothing itself (its Content-Security-Policy allows no remote load): it asks
// the extension for each workspace file (`parts-wanted`), which answers with its size and, for an
// image small enough, the bytes as a data: URI (client/partPreviews.ts); an image is a thumbnail with
// its path and size, a file or audio a chip with its name and size, a URL a chip that names it.
import { el } from './page';
import type { PartKind, PartView } from './protocol';
import { ui, vscode } from './viewState';

/** A reference the panel shows: a workspace path or a URL, and what it was given as. */
export interface PartRef {
  ref: string;
  kind: PartKind;
}

/** The inputs that carry parts, and the kind each gives (engine/models/contentParts.ts's PART_PARAMS). */
const PART_INPUTS: Record<string, PartKind> = { images: 'image', files: 'file', audio: 'audio' };
/** An image a result names: a string ending in one of these (a path or a URL). */
const IMAGE_NAME = /\.(png|jpe?g|gif|webp|svg)$/i;
/** The most references one section shows, and how deep a result is searched for images. */
export const MAX_REFS = 12;
const MAX_DEPTH = 4;

/** Answers from the extension, by reference; the references asked and not answered yet. */
const known = new Map<string, PartView>();
const asked = new Set<string>();

const listOf = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []).map((x) => x.trim()).filter(Boolean);

/** What a model step was given: its `images`, `files` and `audio` inputs, in that order. */
export function givenParts(inputs: Record<string, unknown> | null | undefined): PartRef[] {
  const out: PartRef[] = [];
  if (!inputs) return out;
  for (const [param, kind] of Object.entries(PART_INPUTS)) for (const ref of listOf(inputs[param])) if (out.length < MAX_REFS && !out.some((o) => o.ref === ref)) out.push({ ref, kind });
  return out;
}

/** The images a step's result names: strings that end in an image's extension, searched a few levels deep (an agent's record is not searched: its calls are in the transcript). */
export function resultImages(result: unknown): PartRef[] {
  const out: PartRef[] = [];
  const walk = (v: unknown, depth: number) => {
    if (out.length >= MAX_REFS || depth > MAX_DEPTH) return;
    if (typeof v === 'string') {
      const t = v.trim();
      if (t.length < 1024 && !t.includes('\n') && IMAGE_NAME.test(t.split(/[?#]/)[0]) && !out.some((o) => o.ref === t)) out.push({ ref: t, kind: 'image' });
    } else if (Array.isArray(v)) for (const x of v.slice(0, 200)) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const x of Object.values(v).slice(0, 200)) walk(x, depth + 1);
  };
  walk(result, 0);
  return out;
}

/** The extension's answers (a `parts` message): kept, and the step panel drawn again. */
export function partsAnswered(parts: PartView[]): void {
  for (const p of parts) {
    known.set(p.ref, p);
    asked.delete(p.ref);
  }
  ui.panelDirty = true;
}

/** A run started or the document changed: files may have changed, so they are asked for again. */
export function forgetParts(): void {
  known.clear();
  asked.clear();
}

function ask(refs: PartRef[]): void {
  const wanted = refs.filter((r) => !known.has(r.ref) && !asked.has(r.ref));
  if (!wanted.length) return;
  for (const r of wanted) asked.add(r.ref);
  vscode.postMessage({ type: 'parts-wanted', parts: wanted });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

const baseName = (ref: string) => ref.split(/[?#]/)[0].split(/[\\/]/).filter(Boolean).pop() ?? ref;

function partItem(r: PartRef): HTMLElement {
  const p = known.get(r.ref);
  const size = p?.bytes != null ? formatBytes(p.bytes) : '';
  const url = /^https?:\/\//i.test(r.ref);
  const words = [url ? 'URL, not loaded here' : size, p?.problem ?? (p ? '' : 'reading…')].filter(Boolean).join(' · ');
  const label = `${r.kind === 'image' ? 'Image' : r.kind === 'audio' ? 'Audio' : 'File'} ${r.ref}${words ? `, ${words}` : ''}`;
  if (r.kind === 'image' && p?.src) {
    const fig = el('figure', { class: 'part-thumb', 'data-testid': 'part-image', 'data-ref': r.ref, title: label });
    const img = el('img', { src: p.src, alt: `Image ${r.ref}` });
    const cap = el('figcaption', {});
    cap.append(el('span', { class: 'part-name' }, r.ref), el('span', { class: 'part-size' }, size));
    fig.append(img, cap);
    return fig;
  }
  const chip = el('span', { class: 'part-chip', 'data-testid': `part-${r.kind}`, 'data-ref': r.ref, 'data-kind': r.kind, title: label, role: 'img', 'aria-label': label });
  chip.append(el('span', { class: 'part-icon', 'aria-hidden': 'true' }, r.kind === 'image' ? '🖼' : r.kind === 'audio' ? '♪' : '📄'), el('span', { class: 'part-name' }, url ? r.ref : baseName(r.ref)));
  if (words) chip.append(el('span', { class: p?.problem ? 'part-problem' : 'part-size' }, words));
  return chip;
}

/** The parts as thumbnails and chips (asked of the extension when not known yet). */
export function partsBlock(refs: PartRef[], testid: string): HTMLElement {
  ask(refs);
  const box = el('div', { class: 'parts', 'data-testid': testid });
  for (const r of refs) box.append(partItem(r));
  return box;
}
