// Did-you-mean: the candidates nearest to a misspelled word.

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps), case-insensitive. */
export function editDistance(a: string, b: string, max = Infinity): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (s === t) return 0;
  if (Math.abs(s.length - t.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    rows.push(new Array<number>(t.length + 1).fill(0));
    rows[i][0] = i;
  }
  for (let j = 0; j <= t.length; j++) rows[0][j] = j;
  for (let i = 1; i <= s.length; i++) {
    let best = Infinity;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
  }
  return rows[s.length][t.length];
}

/** Candidates within a distance that grows with the word's length, nearest first (at most 3). */
export function suggest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const max = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    if (c === word) continue;
    const d = editDistance(word, c, max);
    const prefix = c.length >= 3 && word.length >= 3 && (c.startsWith(word) || word.startsWith(c));
    if (d <= max || prefix) scored.push({ c, d: prefix ? Math.min(d, max) : d });
  }
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return scored.slice(0, limit).map((x) => x.c);
}

/** `Did you mean 'x'?`, or '' when there is no suggestion. */
export function didYouMean(suggestions: string[]): string {
  if (!suggestions.length) return '';
  if (suggestions.length === 1) return ` Did you mean '${suggestions[0]}'?`;
  return ` Did you mean ${suggestions.slice(0, -1).map((s) => `'${s}'`).join(', ')} or '${suggestions[suggestions.length - 1]}'?`;
}
