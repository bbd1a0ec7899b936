// How near two words are, and which candidates count as near enough to suggest.

/** A candidate and its distance to the word. */
export interface Scored {
  c: string;
  d: number;
}

const scratch = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps), case-insensitive. */
export function editDistance(a: string, b: string, max = Infinity): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (s === t) return 0;
  if (Math.abs(s.length - t.length) > max) return max + 1;
  const n = t.length;
  // three rolling rows of the table: two back (for a swap), the last, and this one; kept between calls
  if (scratch[0].length <= n) for (let k = 0; k < 3; k++) scratch[k] = new Int32Array(2 * n + 2);
  let [twoBack, last, row] = scratch;
  for (let j = 0; j <= n; j++) last[j] = j;
  for (let i = 1; i <= s.length; i++) {
    row[0] = i;
    let best = i;
    const si = s.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const tj = t.charCodeAt(j - 1);
      let d = Math.min(last[j] + 1, row[j - 1] + 1, last[j - 1] + (si === tj ? 0 : 1));
      if (i > 1 && j > 1 && si === t.charCodeAt(j - 2) && s.charCodeAt(i - 2) === tj) d = Math.min(d, twoBack[j - 2] + 1);
      row[j] = d;
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
    const spare = twoBack;
    twoBack = last;
    last = row;
    row = spare;
  }
  return last[n];
}

/** How far a word may be from a candidate to be suggested: grows with the word's length, 1 to 3. */
export const maxDistance = (word: string): number => Math.max(1, Math.min(3, Math.floor(word.length / 3)));

/** Whether c counts as near the word for sharing a start with it (both at least three characters). */
export const prefixRelated = (word: string, c: string): boolean => c.length >= 3 && word.length >= 3 && (c.startsWith(word) || word.startsWith(c));

