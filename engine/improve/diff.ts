// A unified diff of two short texts (a step's prompt before and after), line by line over their
// longest common subsequence, with three lines of context around each change. Prompts are bounded
// (a step's max_tokens worth), so the quadratic table stays small.
const CONTEXT = 3;
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function ops(a: string[], b: string[]): Op[] {
  if (a.length * b.length > MAX_CELLS) return [...a.map((line, i) => ({ kind: '-' as const, line, a: i, b: 0 })), ...b.map((line, j) => ({ kind: '+' as const, line, a: a.length, b: j }))];
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) out.push({ kind: ' ', line: a[i], a: i++, b: j++ });
    else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) out.push({ kind: '+', line: b[j], a: i, b: j++ });
    else out.push({ kind: '-', line: a[i], a: i++, b: j });
  }
  return out;
}

const linesOf = (s: string): string[] => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));

/** The diff's lines (`---`, `+++`, `@@ … @@` hunks); none when the texts are equal. */
export function unifiedDiff(before: string, after: string, nameA = 'before', nameB = 'after'): string[] {
  if (before === after) return [];
  const a = linesOf(before);
  const b = linesOf(after);
  const all = ops(a, b);
  const out = [`--- ${nameA}`, `+++ ${nameB}`];
  let k = 0;
  while (k < all.length) {
    if (all[k].kind === ' ') {
      k++;
      continue;
    }
    // a hunk: from CONTEXT lines before this change to CONTEXT lines after the last change within reach
    const start = Math.max(0, k - CONTEXT);
    let end = k;
    for (;;) {
      while (end < all.length && all[end].kind !== ' ') end++;
      let next = end;
      while (next < all.length && all[next].kind === ' ' && next - end < 2 * CONTEXT) next++;
      if (next < all.length && all[next].kind !== ' ') end = next;
      else break;
    }
    const stop = Math.min(all.length, end + CONTEXT);
    const hunk = all.slice(start, stop);
    const aLines = hunk.filter((o) => o.kind !== '+').length;
    const bLines = hunk.filter((o) => o.kind !== '-').length;
    const aStart = hunk[0].a + (aLines ? 1 : 0);
    const bStart = hunk[0].b + (bLines ? 1 : 0);
    out.push(`@@ -${aStart},${aLines} +${bStart},${bLines} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    k = stop;
  }
  return out;
}
