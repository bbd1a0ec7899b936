// The references of the commonest templates read straight from the text, without a syntax tree:
// text with `{{ name.attr.attr | filter | filter('text') }}` outputs and nothing else. Gives exactly
// what collectReferences(parseTemplate(source)) gives (test/unit/simpleReferences.test.ts holds it
// to that) and declines (null) at anything else: tags, comments, whitespace control, operators,
// calls, subscripts, literals, keywords, tests, escapes. Opening a long pipeline reads thousands of
// templates; most are of this form, and the parser's cold first pass over them was a fifth of the
// analysis.
import type { AttrStep, CallableRef, NameRef, TemplateReferences } from './references';

/** Names the parser reads as literals or operators where a name would start an expression. */
const KEYWORDS = new Set(['true', 'True', 'false', 'False', 'none', 'None', 'not', 'if', 'else', 'and', 'or', 'in', 'is']);

/** How many attributes and filters one output may chain here (the parser bounds the depth at 500). */
const MAX_CHAIN = 50;

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
}
function isNamePart(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Where the next `{{`, `{%` or `{#` opens, as the template parser finds it. */
function findOpen(src: string, from: number): number {
  for (let i = src.indexOf('{', from); i >= 0 && i < src.length - 1; i = src.indexOf('{', i + 1)) {
    const c = src.charCodeAt(i + 1);
    if (c === 123 || c === 37 || c === 35) return i;
  }
  return -1;
}

export function simpleTemplateReferences(src: string): TemplateReferences | null {
  const refs: TemplateReferences = { names: [], filters: [], tests: [], calls: [] };
  const n = src.length;
  let pos = 0;
  for (let open = findOpen(src, pos); open >= 0; open = findOpen(src, pos)) {
    // only `{{` without whitespace control
    if (src.charCodeAt(open + 1) !== 123) return null;
    let i = open + 2;
    const c0 = src.charCodeAt(i);
    if (c0 === 45 || c0 === 43) return null;
    while (i < n && isSpace(src.charCodeAt(i))) i++;
    // the root name and its attributes
    if (!isNameStart(src.charCodeAt(i))) return null;
    const rootStart = i;
    while (i < n && isNamePart(src.charCodeAt(i))) i++;
    const root = src.slice(rootStart, i);
    if (KEYWORDS.has(root)) return null;
    const chain: AttrStep[] = [];
    while (src.charCodeAt(i) === 46 /* . */) {
      const s = i + 1;
      if (!isNameStart(src.charCodeAt(s))) return null;
      i = s + 1;
      while (i < n && isNamePart(src.charCodeAt(i))) i++;
      chain.push({ key: src.slice(s, i), start: s, end: i });
      if (chain.length > MAX_CHAIN) return null;
    }
    // filters, each with no arguments or one quoted text
    const filters: CallableRef[] = [];
    let guarded = false;
    for (;;) {
      while (i < n && isSpace(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) !== 124 /* | */) break;
      i++;
      while (i < n && isSpace(src.charCodeAt(i))) i++;
      if (!isNameStart(src.charCodeAt(i))) return null;
      const s = i;
      while (i < n && isNamePart(src.charCodeAt(i))) i++;
      const name = src.slice(s, i);
      const e = i;
      let argCount = 0;
      while (i < n && isSpace(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) === 40 /* ( */) {
        i++;
        while (i < n && isSpace(src.charCodeAt(i))) i++;
        const q = src.charCodeAt(i);
        if (q === 39 || q === 34) {
          let j = i + 1;
          while (j < n && src.charCodeAt(j) !== q) {
            if (src.charCodeAt(j) === 92 /* \ */) return null;
            j++;
          }
          if (j >= n) return null;
          i = j + 1;
          argCount = 1;
          while (i < n && isSpace(src.charCodeAt(i))) i++;
        }
        if (src.charCodeAt(i) !== 41 /* ) */) return null;
        i++;
      }
      filters.push({ name, argCount, kwargNames: [], start: s, end: e });
      if (name === 'default' || name === 'd') guarded = true;
      if (filters.length > MAX_CHAIN) return null;
    }
    if (src.charCodeAt(i) !== 125 || src.charCodeAt(i + 1) !== 125) return null;
    pos = i + 2;
    // the parser nests filters outside in: the last one is met first, the name last
    for (let k = filters.length - 1; k >= 0; k--) refs.filters.push(filters[k]);
    const ref: NameRef = { name: root, chain, guarded, start: rootStart, end: rootStart + root.length };
    refs.names.push(ref);
  }
  return refs;
}
