// An index of a long candidate list that finds a word's suggestions without comparing the word with
// every candidate: a trie of the lower-cased candidates walked with the distance table (a branch is
// left once no prefix of it can come within the word's distance), and the candidates in code-unit
// order for those that start with the word. It finds exactly what comparing with every candidate
// finds, for the best LIMIT suggestions.
import { maxDistance, type Scored } from './editDistance';

interface Node {
  /** The character (code unit) that leads here. */
  code: number;
  kids: Node[];
  /** The shortest and longest candidate (lower-cased) under here: a branch is left when none can be near. */
  minLen: number;
  maxLen: number;
  /** The candidates whose lower-cased form ends here. */
  words: string[] | null;
}

const collator = new Intl.Collator();

export class SuggestIndex {
  /** The most suggestions the index answers for (suggest falls back to a scan beyond). */
  static readonly LIMIT = 3;
  private readonly root: Node = { code: -1, kids: [], minLen: Infinity, maxLen: 0, words: null };
  /** Distinct candidates in code-unit order. */
  private readonly sorted: string[];
  private readonly set: Set<string>;
  private readonly cache = new Map<string, Scored[]>();

  constructor(candidates: Iterable<string>) {
    this.set = new Set(candidates);
    this.sorted = [...this.set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const c of this.set) {
      const low = c.toLowerCase();
      let node = this.root;
      for (let i = 0; ; i++) {
        if (low.length < node.minLen) node.minLen = low.length;
        if (low.length > node.maxLen) node.maxLen = low.length;
        if (i === low.length) break;
        const code = low.charCodeAt(i);
        let child = node.kids.find((k) => k.code === code);
        if (!child) node.kids.push((child = { code, kids: [], minLen: Infinity, maxLen: 0, words: null }));
        node = child;
      }
      (node.words ??= []).push(c);
    }
  }

  /** Adds to `out` the word's best LIMIT suggestions among these candidates. */
  scored(word: string, out: Scored[]): void {
    let mine = this.cache.get(word);
    if (!mine) {
      mine = this.compute(word);
      this.cache.set(word, mine);
    }
    for (const x of mine) out.push(x);
  }

  private compute(word: string): Scored[] {
    const max = maxDistance(word);
    const found = new Map<string, number>();
    this.near(word.toLowerCase(), max, found);
    if (word.length >= 3) {
      // candidates the word starts with
      for (let n = 3; n < word.length; n++) {
        const c = word.slice(0, n);
        if (this.set.has(c) && !found.has(c)) found.set(c, max);
      }
      // candidates that start with the word: among the best LIMIT, at most 2 * LIMIT of them come
      // first in collation order (the word itself, and fewer than LIMIT nearer ones, before them)
      const keep = 2 * SuggestIndex.LIMIT + 1;
      const first: string[] = [];
      for (let i = this.lowerBound(word); i < this.sorted.length && this.sorted[i].startsWith(word); i++) {
        const c = this.sorted[i];
        if (first.length < keep) first.push(c);
        else if (collator.compare(c, first[keep - 1]) < 0) first[keep - 1] = c;
        else continue;
        first.sort(collator.compare);
      }
      for (const c of first) if (c.length >= 3 && !found.has(c)) found.set(c, max);
    }
    found.delete(word);
    // the best LIMIT only: nearest first, then in collation order (as suggest sorts them)
    const all = [...found].map(([c, d]) => ({ c, d }));
    all.sort((x, y) => x.d - y.d || collator.compare(x.c, y.c));
    return all.slice(0, SuggestIndex.LIMIT);
  }

  private lowerBound(word: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < word) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every candidate within `max` of the word (lower-cased), with its distance. */
  private near(w: string, max: number, found: Map<string, number>): void {
    const L = w.length;
    const word = Int32Array.from({ length: L }, (_, j) => w.charCodeAt(j));
    // one row of the distance table a depth of the trie, reused from branch to branch
    const rows: Int32Array[] = [Int32Array.from({ length: L + 1 }, (_, j) => j)];
    const path: number[] = [];
    const walk = (node: Node, depth: number): void => {
      if (node.minLen > L + max || node.maxLen < L - max) return;
      const ch = node.code;
      const prev = rows[depth - 1];
      const row = (rows[depth] ??= new Int32Array(L + 1));
      const prevPrev = depth > 1 ? rows[depth - 2] : null;
      const prevCh = depth > 1 ? path[depth - 2] : -1;
      path[depth - 1] = ch;
      row[0] = depth;
      let least = depth + Math.max(0, node.minLen - depth - L, L - node.maxLen);
      for (let j = 1; j <= L; j++) {
        let d = prev[j] + 1;
        const ins = row[j - 1] + 1;
        if (ins < d) d = ins;
        const sub = prev[j - 1] + (word[j - 1] === ch ? 0 : 1);
        if (sub < d) d = sub;
        if (prevPrev !== null && j > 1 && ch === word[j - 2] && prevCh === word[j - 1] && prevPrev[j - 2] + 1 < d) d = prevPrev[j - 2] + 1;
        row[j] = d;
        // the least a candidate below can end at: this cell, plus the length still to make up
        // between the rest of the word and the rest of the candidate
        const rest = L - j;
        const gap = rest < node.minLen - depth ? node.minLen - depth - rest : rest > node.maxLen - depth ? rest - node.maxLen + depth : 0;
        if (d + gap < least) least = d + gap;
      }
      if (node.words && row[L] <= max) for (const c of node.words) found.set(c, row[L]);
      if (least > max) return;
      for (let k = 0; k < node.kids.length; k++) walk(node.kids[k], depth + 1);
    };
    if (this.root.words && L <= max) for (const c of this.root.words) found.set(c, L);
    for (let k = 0; k < this.root.kids.length; k++) walk(this.root.kids[k], 1);
  }
}
