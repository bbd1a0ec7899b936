// The references of the commonest templates read straight from the text, without a syntax tree:
// text with `{{ name.attr.attr | filter | filter('text') }}` outputs, or such operands and whole
// numbers joined by arithmetic (`{{ count * 2 }}`), and nothing else. Gives exactly what
// collectReferences(parseTemplate(source)) gives (test/engine/template/simpleReferences.test.ts holds it to
// that) and declines (null) at anything else: tags, comments, whitespace control, other operators,
// calls, subscripts, literals other than whole numbers, keywords, tests, escapes. Opening a long
// pipeline reads thousands of templates; most are of this form, and the parser's cold first pass
// over them was a fifth of the analysis.
import type { AttrStep, CallableRef, NameRef, TemplateReferences } from './referenceTypes';
import { NONE } from '../util/none';

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

/** The arithmetic operators at `i` (`+ - ~ * / // % **`): how many characters, or 0. Between
 * operands that are names or whole numbers the parser builds binary nodes, whose references are
 * collected left operand first whatever the precedence: in the order of the text. */
function operatorAt(src: string, i: number): number {
  const c = src.charCodeAt(i);
  if (c === 42 /* * */ || c === 47 /* / */) return src.charCodeAt(i + 1) === c ? 2 : 1;
  return c === 43 /* + */ || c === 45 /* - */ || c === 126 /* ~ */ || c === 37 /* % */ ? 1 : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Reads one operand at `i` (a name with attributes, or whole number, then filters) into `refs`;
 * returns where it ends (spaces after it skipped), or -1 to decline. */
function readOperand(src: string, i: number, refs: TemplateReferences): number {
  const n = src.length;
  let ref: NameRef | null = null;
  if (isDigit(src.charCodeAt(i))) {
    // a whole number: the lexer reads `_`, `.5`, `e5` into it too, and a name right after it is an error
    while (i < n && isDigit(src.charCodeAt(i))) i++;
    const c = src.charCodeAt(i);
    if (isNamePart(c) || c === 46 /* . */) return -1;
  } else {
    // the root name and its attributes
    if (!isNameStart(src.charCodeAt(i))) return -1;
    const rootStart = i;
    while (i < n && isNamePart(src.charCodeAt(i))) i++;
    const root = src.slice(rootStart, i);
    if (KEYWORDS.has(root)) return -1;
    const chain: AttrStep[] = [];
    while (src.charCodeAt(i) === 46 /* . */) {
      const s = i + 1;
      if (!isNameStart(src.charCodeAt(s))) return -1;
      i = s + 1;
      while (i < n && isNamePart(src.charCodeAt(i))) i++;
      chain.push({ key: src.slice(s, i), start: s, end: i });
      if (chain.length > MAX_CHAIN) return -1;
    }
    // kept with the analysis: copies of their own length (a pushed-to array keeps room for 17)
    ref = { name: root, chain: chain.length ? chain.slice() : NONE, guarded: false, start: rootStart, end: rootStart + root.length };
  }
  // filters, each with no arguments or one quoted text
  const filters: CallableRef[] = [];
  for (;;) {
    while (i < n && isSpace(src.charCodeAt(i))) i++;
    if (src.charCodeAt(i) !== 124 /* | */) break;
    i++;
    while (i < n && isSpace(src.charCodeAt(i))) i++;
    if (!isNameStart(src.charCodeAt(i))) return -1;
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
          if (src.charCodeAt(j) === 92 /* \ */) return -1;
          j++;
        }
        if (j >= n) return -1;
        i = j + 1;
        argCount = 1;
        while (i < n && isSpace(src.charCodeAt(i))) i++;
      }
      if (src.charCodeAt(i) !== 41 /* ) */) return -1;
      i++;
    }
    filters.push({ name, argCount, kwargNames: NONE, start: s, end: e });
    if (ref && (name === 'default' || name === 'd')) ref.guarded = true;
    if (filters.length > MAX_CHAIN) return -1;
  }
  // the parser nests filters outside in: the last one is met first, the name last
  for (let k = filters.length - 1; k >= 0; k--) refs.filters.push(filters[k]);
  if (ref) refs.names.push(ref);
  return i;
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
    // operands joined by arithmetic operators, never `-` before `}}` (whitespace control)
    for (let operands = 1; ; operands++) {
      i = readOperand(src, i, refs);
      if (i < 0 || operands > MAX_CHAIN) return null;
      const op = operatorAt(src, i);
      if (!op) break;
      i += op;
      while (i < n && isSpace(src.charCodeAt(i))) i++;
    }
    if (src.charCodeAt(i) !== 125 || src.charCodeAt(i + 1) !== 125) return null;
    pos = i + 2;
  }
  // kept with the analysis: copies of their own length, or the shared empty list
  return { names: refs.names.length ? refs.names.slice() : NONE, filters: refs.filters.length ? refs.filters.slice() : NONE, tests: NONE, calls: NONE };
}
