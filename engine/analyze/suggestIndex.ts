// An index of a long candidate list that finds a word's suggestions without comparing the word with
// every candidate: a trie of the lower-cased candidates walked with the distance table (a branch is
// left once no prefix of it can come within the word's distance), and the candidates in code-unit
// order for those that start with the word. It finds exactly what comparing with every candidate
// finds, for the best LIMIT suggestions.
import { maxDistance, type Scored } from './editDistance';
import { compareNames } from '../util/nameOrder';

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

export class SuggestIndex {
  /** The most suggestions the index answers for (suggest falls back to a scan beyond). */
  static readonly LIMIT = 3;
  private readonly root: Node = { code: -1, kids: [], minLen: Infinity, maxLen: 0, words: null };
  /** Distinct candidates in code-unit order. */
  private readonly sorted: string[];
  private readonly set: Set<string>;
  private readonly cache = new Map<string, Scored[]>();
  /**
   * Whether the trie's walk order is the candidates' collation order: true when every candidate is
   * made of ASCII letters, digits, '_' and '-' (each compares by its own weight, case only breaking
   * ties). The walk then keeps only the best LIMIT found so far and leaves every branch that cannot
   * beat the last of them.
   */
  private readonly ordered: boolean;
  private flat: FlatTrie | null = null;
  private rows = new Int32Array(0);
  private path = new Int32Array(0);

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
    this.ordered = [...this.set].every((c) => SIMPLE.test(c));
    if (this.ordered) inCollationOrder(this.root);
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
    for (const x of this.near(word, max)) found.set(x.c, x.d);
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
        else if (compareNames(c, first[keep - 1]) < 0) first[keep - 1] = c;
        else continue;
        first.sort(compareNames);
      }
      for (const c of first) if (c.length >= 3 && !found.has(c)) found.set(c, max);
    }
    found.delete(word);
    // the best LIMIT only: nearest first, then in collation order (as suggest sorts them)
    const all = [...found].map(([c, d]) => ({ c, d }));
    all.sort((x, y) => x.d - y.d || compareNames(x.c, y.c));
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

  /**
   * The candidates within `max` of the word (compared lower-cased), other than the word itself,
   * with their distances: the best LIMIT of them (nearest, then first in collation order) when the
   * walk is in collation order, else all of them.
   */
  private near(original: string, max: number): Scored[] {
    const found: Scored[] = [];
    const w = original.toLowerCase();
    const t = (this.flat ??= flatten(this.root));
    const limit = this.ordered ? SuggestIndex.LIMIT : Infinity;
    // the farthest a candidate may be and still be kept: `max`, then, once LIMIT are kept, one less
    // than the farthest of them (a candidate found later comes later in collation order)
    let bound = max;
    const keep = (c: string, d: number): void => {
      if (c === original) return;
      let at = found.length;
      while (at > 0 && found[at - 1].d > d) at--;
      if (at >= limit) return;
      found.splice(at, 0, { c, d });
      if (found.length > limit) found.pop();
      if (found.length === limit) bound = Math.min(bound, found[limit - 1].d - 1);
    };
    const L = w.length;
    const W = L + 1;
    const word = new Int32Array(L);
    for (let j = 0; j < L; j++) word[j] = w.charCodeAt(j);
    // the distance table's rows, one a depth, in one array: a node's row is computed from its
    // parent's (the last node visited one depth up, as nodes are numbered in walk order)
    if (this.rows.length < (t.deepest + 1) * W) this.rows = new Int32Array((t.deepest + 1) * W * 2);
    const rows = this.rows;
    const path = this.path.length > t.deepest ? this.path : (this.path = new Int32Array(t.deepest + 1));
    for (let j = 0; j <= L; j++) rows[j] = j;
    const far = max + 1;
    if (this.root.words && L <= max) for (const c of this.root.words) keep(c, L);
    const { code, depthOf, end, minLen, maxLen, words } = t;
    let n = 1;
    while (n < t.count) {
      const depth = depthOf[n];
      const lo0 = minLen[n];
      const hi0 = maxLen[n];
      if (bound < 0) break;
      if (lo0 > L + bound || hi0 < L - bound) {
        n = end[n];
        continue;
      }
      const ch = code[n];
      path[depth] = ch;
      const row = depth * W;
      const prev = row - W;
      const prevPrev = prev - W;
      const prevCh = depth > 1 ? path[depth - 1] : -1;
      rows[row] = depth;
      let least = depth + Math.max(0, lo0 - depth - L, L - hi0);
      // only cells within `max` of the diagonal can hold a distance within `max`
      const lo = depth - bound > 1 ? depth - bound : 1;
      const hi = depth + bound < L ? depth + bound : L;
      if (lo > 1) rows[row + lo - 1] = far;
      const restMin = lo0 - depth;
      const restMax = hi0 - depth;
      for (let j = lo; j <= hi; j++) {
        let d = rows[prev + j] + 1;
        const ins = rows[row + j - 1] + 1;
        if (ins < d) d = ins;
        const sub = rows[prev + j - 1] + (word[j - 1] === ch ? 0 : 1);
        if (sub < d) d = sub;
        if (j > 1 && depth > 1 && ch === word[j - 2] && prevCh === word[j - 1] && rows[prevPrev + j - 2] + 1 < d) d = rows[prevPrev + j - 2] + 1;
        rows[row + j] = d;
        // the least a candidate below can end at: this cell, plus the length still to make up
        // between the rest of the word and the rest of the candidate
        const rest = L - j;
        const gap = rest < restMin ? restMin - rest : rest > restMax ? rest - restMax : 0;
        if (d + gap < least) least = d + gap;
      }
      if (hi < L) rows[row + hi + 1] = far;
      const here = words[n];
      if (here !== null && hi === L && rows[row + L] <= bound) for (const c of here) keep(c, rows[row + L]);
      n = least > bound ? end[n] : n + 1;
    }
    return found;
  }
}

/** Characters that compare one by one in the collation, as in code-unit order of their own weights. */
const SIMPLE = /^[A-Za-z0-9_-]*$/;

/** Puts every node's children and candidates in collation order, so that the walk visits candidates in that order. */
function inCollationOrder(root: Node): void {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    node.kids.sort((a, b) => compareNames(String.fromCharCode(a.code), String.fromCharCode(b.code)));
    node.words?.sort(compareNames);
    for (const k of node.kids) stack.push(k);
  }
}

/** The trie in flat arrays, nodes numbered in walk order (a node's subtree is the numbers up to its `end`). */
interface FlatTrie {
  count: number;
  deepest: number;
  code: Int32Array;
  depthOf: Int32Array;
  end: Int32Array;
  minLen: Int32Array;
  maxLen: Int32Array;
  words: (string[] | null)[];
}

function flatten(root: Node): FlatTrie {
  let count = 0;
  const countNodes = (node: Node): void => {
    count++;
    for (const k of node.kids) countNodes(k);
  };
  countNodes(root);
  const t: FlatTrie = {
    count,
    deepest: 0,
    code: new Int32Array(count),
    depthOf: new Int32Array(count),
    end: new Int32Array(count),
    minLen: new Int32Array(count),
    maxLen: new Int32Array(count),
    words: new Array<string[] | null>(count).fill(null),
  };
  let next = 0;
  // an explicit stack: a long candidate makes a deep trie
  const stack: { node: Node; depth: number; at: number; kid: number }[] = [{ node: root, depth: 0, at: next++, kid: 0 }];
  const place = (node: Node, depth: number, at: number): void => {
    t.code[at] = node.code;
    t.depthOf[at] = depth;
    t.minLen[at] = node.minLen === Infinity ? 0 : node.minLen;
    t.maxLen[at] = node.maxLen;
    t.words[at] = node.words;
    if (depth > t.deepest) t.deepest = depth;
  };
  place(root, 0, 0);
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.kid < top.node.kids.length) {
      const kid = top.node.kids[top.kid++];
      const at = next++;
      place(kid, top.depth + 1, at);
      stack.push({ node: kid, depth: top.depth + 1, at, kid: 0 });
    } else {
      t.end[top.at] = next;
      stack.pop();
    }
  }
  return t;
}
