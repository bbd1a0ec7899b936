// Did-you-mean: the candidates nearest to a misspelled word.
import { editDistance, maxDistance, prefixRelated, type Scored } from './editDistance';
import { SuggestIndex } from './suggestIndex';
import { compareNames } from '../util/nameOrder';

export { editDistance } from './editDistance';

/**
 * Lists at least this long are searched through an index built once per list (suggestIndex.ts):
 * comparing each misspelled name with every step id made 4,000 unknown names in a 4,000-step
 * pipeline take 32 s (issue 24, item 13).
 */
export const INDEX_FROM = 64;

/** How many times a long list is scanned before it is indexed. */
const SCANS_BEFORE_INDEX = 4;

const indexes = new WeakMap<object, SuggestIndex>();
const scans = new WeakMap<object, number>();

function scoreList(word: string, list: Iterable<string>, limit: number, out: Scored[]): void {
  if ((Array.isArray(list) ? list.length : list instanceof Set ? list.size : 0) >= INDEX_FROM && limit <= SuggestIndex.LIMIT) {
    const index = indexes.get(list as object);
    if (index) {
      index.scored(word, out);
      return;
    }
    // a list asked once or twice is scanned: building the index costs more than a few scans
    const asked = (scans.get(list as object) ?? 0) + 1;
    if (asked > SCANS_BEFORE_INDEX) {
      const built = new SuggestIndex(list);
      indexes.set(list as object, built);
      built.scored(word, out);
      return;
    }
    scans.set(list as object, asked);
  }
  const max = maxDistance(word);
  for (const c of list) {
    if (c === word) continue;
    const d = editDistance(word, c, max);
    const prefix = prefixRelated(word, c);
    if (d <= max || prefix) out.push({ c, d: prefix ? Math.min(d, max) : d });
  }
}

function best(scored: Scored[], limit: number): string[] {
  scored.sort((x, y) => x.d - y.d || compareNames(x.c, y.c));
  const out: string[] = [];
  for (const x of scored) {
    if (out.length >= limit) break;
    if (!out.includes(x.c)) out.push(x.c);
  }
  return out;
}

/**
 * Candidates within a distance that grows with the word's length, or sharing its start, nearest
 * first (at most 3). A list (array or set) is indexed when long and kept unchanged by the caller:
 * the index is kept for the list object.
 */
export function suggest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const scored: Scored[] = [];
  scoreList(word, candidates, limit, scored);
  return best(scored, limit);
}

/** `suggest` over several lists at once, each indexed on its own (no list is copied). */
export function suggestAmong(word: string, lists: readonly Iterable<string>[], limit = 3): string[] {
  const scored: Scored[] = [];
  for (const l of lists) scoreList(word, l, limit, scored);
  return best(scored, limit);
}

/** `Did you mean 'x'?`, or '' when there is no suggestion. */
export function didYouMean(suggestions: string[]): string {
  if (!suggestions.length) return '';
  if (suggestions.length === 1) return ` Did you mean '${suggestions[0]}'?`;
  return ` Did you mean ${suggestions.slice(0, -1).map((s) => `'${s}'`).join(', ')} or '${suggestions[suggestions.length - 1]}'?`;
}
