// Tokens of the expression language inside `{{ }}` and `{% %}`.
import { TemplateSyntaxError } from './ast';

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** For names and operators: the text; for strings: the decoded value; for numbers: the text. */
  value: string;
  start: number;
  end: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '//', '**', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', b: '\b', f: '\f', v: '\v', a: '\x07' };

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
}
function isNamePart(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Reads expression tokens from `pos` until the closing delimiter (`}}` or `%}`, with an optional
 * `-` before it). Returns the tokens (the last one of kind 'end') and whether the close trims.
 */
export function lexExpression(src: string, pos: number, close: '}}' | '%}'): { tokens: Token[]; next: number; trimRight: boolean } {
  const tokens: Token[] = [];
  let i = pos;
  let braces = 0; // inside a dict literal `{...}`, `}}` closes the dict, not the expression
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    // closing delimiter
    if (braces === 0) {
      if (src.startsWith(close, i)) {
        tokens.push({ kind: 'end', value: close, start: i, end: i + 2 });
        return { tokens, next: i + 2, trimRight: false };
      }
      if (c === 45 /* - */ && src.startsWith(close, i + 1)) {
        tokens.push({ kind: 'end', value: close, start: i, end: i + 3 });
        return { tokens, next: i + 3, trimRight: true };
      }
    }
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNamePart(src.charCodeAt(j))) j++;
      tokens.push({ kind: 'name', value: src.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (isDigit(c)) {
      let j = i;
      while (j < n && (isDigit(src.charCodeAt(j)) || src[j] === '_')) j++;
      if (src[j] === '.' && isDigit(src.charCodeAt(j + 1))) {
        j++;
        while (j < n && (isDigit(src.charCodeAt(j)) || src[j] === '_')) j++;
      }
      if ((src[j] === 'e' || src[j] === 'E') && (isDigit(src.charCodeAt(j + 1)) || ((src[j + 1] === '-' || src[j + 1] === '+') && isDigit(src.charCodeAt(j + 2))))) {
        j += 2;
        while (j < n && isDigit(src.charCodeAt(j))) j++;
      }
      tokens.push({ kind: 'number', value: src.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (c === 39 || c === 34) {
      const quote = src[i];
      let j = i + 1;
      let value = '';
      while (j < n && src[j] !== quote) {
        if (src[j] === '\\' && j + 1 < n) {
          const e = src[j + 1];
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(j + 2, j + 6))) {
            value += String.fromCharCode(parseInt(src.slice(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          value += e in ESCAPES ? ESCAPES[e] : '\\' + e;
          j += 2;
          continue;
        }
        value += src[j];
        j++;
      }
      if (j >= n) throw new TemplateSyntaxError('Unterminated string literal', i, n);
      tokens.push({ kind: 'string', value, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      if (op === '{') braces++;
      else if (op === '}') braces = Math.max(0, braces - 1);
      tokens.push({ kind: 'op', value: op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    throw new TemplateSyntaxError(`Unexpected character '${src[i]}'`, i, i + 1);
  }
  throw new TemplateSyntaxError(`Missing '${close}' to close the ${close === '}}' ? 'expression' : 'tag'}`, Math.max(0, pos - 2), pos);
}
