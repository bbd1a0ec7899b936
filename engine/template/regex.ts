// Regular expressions for the template filters (regex_replace, regex_search, regex_findall), on a
// linear-time engine (RE2): no pattern can make a match run for minutes, so a template cannot hang
// the run with catastrophic backtracking. The syntax is RE2's, which is Python's without
// backreferences and lookaround: `(?P<name>...)` and `(?i)` work as in Python.
import type { RE2JS } from 're2js';
import { LIMITS } from './values';

/** re2js, loaded at the first regular expression: building its tables cost the language server,
 * which checks templates but never evaluates a regex, about 1.5 MiB at start. */
let re2js: typeof import('re2js') | undefined;
const engine = (): typeof RE2JS => (re2js ??= require('re2js') as typeof import('re2js')).RE2JS;

export class RegexError extends Error {}

export interface RegexFlags {
  ignorecase?: boolean;
  multiline?: boolean;
  dotall?: boolean;
}

/** Patterns longer than this are refused (a template's regex is a short thing). */
export const MAX_PATTERN = 1000;

export function compileRegex(pattern: string, flags: RegexFlags = {}): RE2JS {
  if (pattern.length > MAX_PATTERN) throw new RegexError(`Regular expression longer than ${MAX_PATTERN} characters`);
  const RE2 = engine();
  let f = 0;
  if (flags.ignorecase) f |= RE2.CASE_INSENSITIVE;
  if (flags.multiline) f |= RE2.MULTILINE;
  if (flags.dotall) f |= RE2.DOTALL;
  try {
    return RE2.compile(pattern, f);
  } catch (e) {
    const msg = (e as Error).message;
    const why = /\\[1-9]|\(\?P=/.test(pattern)
      ? ' (backreferences are not supported: matching stays linear in time)'
      : /\(\?<?[=!]/.test(pattern)
        ? ' (lookahead and lookbehind are not supported: matching stays linear in time)'
        : '';
    throw new RegexError(`Invalid regular expression: ${msg}${why}`);
  }
}

/** Matches from left to right; at most LIMITS.maxList + 1 are produced (the caller's cap reports more). */
function* matches(re: RE2JS, s: string): Generator<RegExpMatchArray> {
  let n = 0;
  for (const m of re.matchAll(s)) {
    yield m;
    if (++n > LIMITS.maxList) return;
  }
}

/** Python's re.findall: the whole match, the one group, or a list of the groups ('' when unmatched). */
export function findAll(re: RE2JS, s: string): unknown[] {
  const out: unknown[] = [];
  for (const m of matches(re, s)) out.push(m.length > 2 ? m.slice(1).map((g) => g ?? '') : m.length === 2 ? (m[1] ?? '') : m[0]);
  return out;
}

/** Python's re.search: the first match's text, or null. */
export function search(re: RE2JS, s: string): string | null {
  const m = re.exec(s);
  return m ? m[0] : null;
}

/** Expands a Python replacement: `\1`, `\g<1>`, `\g<name>`, `\n`, `\t`, `\\`. */
function expand(rep: string, m: RegExpMatchArray): string {
  return rep.replace(/\\(?:(\d{1,2})|g<(\w+)>|([nrt\\]))/g, (_all, num: string | undefined, name: string | undefined, esc: string | undefined) => {
    if (esc) return esc === 'n' ? '\n' : esc === 'r' ? '\r' : esc === 't' ? '\t' : '\\';
    const g = num ?? name!;
    if (/^\d+$/.test(g)) {
      const i = Number(g);
      if (i >= m.length) throw new RegexError(`invalid group reference ${i}`);
      return m[i] ?? '';
    }
    if (!m.groups || !(g in m.groups)) throw new RegexError(`unknown group name '${g}'`);
    return m.groups[g] ?? '';
  });
}

/** Python's re.sub: every match (or the first `count`) replaced; the output is bounded in length. */
export function replace(re: RE2JS, s: string, rep: string, count = Infinity): string {
  let out = '';
  let last = 0;
  let n = 0;
  for (const m of re.matchAll(s)) {
    if (n++ >= count) break;
    const at = m.index ?? 0;
    out += s.slice(last, at) + expand(rep, m);
    last = at + m[0].length;
    if (out.length > LIMITS.maxString) throw new RegexError(`String longer than ${LIMITS.maxString} characters`);
  }
  return out + s.slice(last);
}
