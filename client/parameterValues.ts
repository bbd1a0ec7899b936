// What a typed answer to a parameter prompt means, by the engine's own input rules (the rules
// `orc run -i name=value` follows): JSON when it parses, else text; then the declared type and enum.
// No vscode here, so unit tests pin the rules the prompts apply.
import { InputError, type ParameterDecl, parseInputArg, resolveInputs } from '../engine/api/index';

/** A typed value from what a person typed: text for a string parameter, else JSON when it parses (as `-i`), else the text. */
export function valueFromText(p: ParameterDecl, text: string): unknown {
  if (p.type === 'string') return text;
  return parseInputArg(`${p.name}=${text}`)[1];
}

/** The engine's message for a value of this parameter, or null when it is acceptable. */
export function checkValue(p: ParameterDecl, value: unknown): string | null {
  try {
    resolveInputs([p], { [p.name]: value });
    return null;
  } catch (e) {
    return e instanceof InputError ? e.message : String(e);
  }
}

/** An empty answer leaves an optional, non-string parameter out (its default, else null, applies). */
export function omitsWhenEmpty(p: ParameterDecl, text: string): boolean {
  return text === '' && !p.required && p.type !== 'string';
}

/** What a prompt's answer gives: the value to pass, left out, or why it is refused (the prompt's validation message). */
export function answerOf(p: ParameterDecl, text: string): { kind: 'value'; value: unknown } | { kind: 'omit' } | { kind: 'invalid'; message: string } {
  if (omitsWhenEmpty(p, text)) return { kind: 'omit' };
  const value = valueFromText(p, text);
  const message = checkValue(p, value);
  return message === null ? { kind: 'value', value } : { kind: 'invalid', message };
}

/** How a value is shown in a prompt (the default filled in, a quick pick's label). */
export function shown(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The text an input box starts with: the default, when there is one. */
export function initialText(p: ParameterDecl): string {
  return p.hasDefault && p.default !== null && p.default !== undefined ? shown(p.default) : '';
}

/** The choices a quick pick offers for an enum or boolean parameter, the default first; null for an input box. */
export function choicesOf(p: ParameterDecl): { label: string; value: unknown; isDefault: boolean }[] | null {
  if (!p.enum?.length && p.type !== 'boolean') return null;
  const options = p.enum?.length ? p.enum : [true, false];
  const items = options.map((v) => ({ label: shown(v), value: v, isDefault: p.hasDefault && JSON.stringify(v) === JSON.stringify(p.default) }));
  return [...items.filter((i) => i.isDefault), ...items.filter((i) => !i.isDefault)];
}
