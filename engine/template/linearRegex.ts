// Regular expressions a user (or a model) supplies outside templates — a JSON Schema `pattern`, a
// `user-prompt` `validation_pattern`, a `filesystem.list` glob — run on RE2 (re2js), whose matching
// time is linear in the input: no pattern can freeze the process past a step's timeout. The syntax is
// RE2's: JavaScript's without backreferences and lookaround.
import type { RegExpEngine } from 'ajv/dist/types';
import { compileRegex } from './regex';

export interface LinearRegExp {
  /** True when the pattern matches somewhere in `s` (as RegExp.test). */
  test(s: string): boolean;
  readonly source: string;
}

/** The pattern on RE2; an invalid one (or one RE2 cannot run in linear time) throws a RegexError saying why. */
export function linearRegExp(pattern: string, flags: { ignorecase?: boolean; multiline?: boolean; dotall?: boolean } = {}): LinearRegExp {
  const re = compileRegex(pattern, flags);
  return { test: (s: string) => re.test(s), source: pattern };
}

/** ajv's `code.regExp` option: every `pattern` and `patternProperties` of a schema on RE2. */
export const ajvRegExp: RegExpEngine = Object.assign((pattern: string, _flags: string) => linearRegExp(pattern), { code: 'linearRegExp' });

/** A glob (`*` any characters but '/', `?` one) as an RE2 expression matched whole. */
export function globRegExp(glob: string): LinearRegExp {
  let re = '';
  for (const c of glob) re += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : /[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c;
  return linearRegExp(`^(?:${re})$`);
}
