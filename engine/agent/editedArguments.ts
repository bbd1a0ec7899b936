// A call's arguments as a person edited them before approving it: read from their JSON, checked
// against the tool's schema (the editor checks as they type, the loop again before the call runs),
// and with the secrets they were shown redacted put back. The person edits the redacted text, so a
// `[redacted: NAME]` they leave where it was stands for the secret the model's arguments had there;
// one moved elsewhere is refused (the secret is never given to a place the model did not put it).
import type { Redactor } from '../toolkit/redact';
import { argumentProblem, type JsonSchema } from './schemas';

const PLACEHOLDER = /\[redacted: [^\]\n]*\]/g;

/** Why a text is not arguments the tool takes (not JSON, not an object, not the schema's), or null when it is. */
export function editedArgumentsProblem(text: string, schema: JsonSchema | null): string | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  return argumentsProblem(v, schema);
}

/** Why parsed arguments are not ones the tool takes, or null when they are. */
export function argumentsProblem(v: unknown, schema: JsonSchema | null): string | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'the arguments must be a JSON object';
  return schema ? argumentProblem(schema, v) : null;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What each placeholder of a string stands for: its redacted form lined up with the string itself.
 * A placeholder that stands for two different values there (two secrets of one name) stands for none.
 */
function secretsIn(original: string, redactor: Redactor): Map<string, string> {
  const out = new Map<string, string>();
  const shown = redactor.text(original);
  if (shown === original) return out;
  const marks = [...shown.matchAll(PLACEHOLDER)].map((m) => m[0]);
  const literal = shown.split(PLACEHOLDER).map(escape);
  const m = new RegExp(`^${literal.join('([\\s\\S]*?)')}$`).exec(original);
  if (!m) return out;
  const unsure = new Set<string>();
  marks.forEach((mark, i) => {
    const value = m[i + 1];
    if (out.has(mark) && out.get(mark) !== value) unsure.add(mark);
    out.set(mark, value);
  });
  for (const mark of unsure) out.delete(mark);
  return out;
}

function at(v: unknown, path: (string | number)[]): unknown {
  let x = v;
  for (const k of path) {
    if (x === null || typeof x !== 'object') return undefined;
    x = (x as Record<string | number, unknown>)[k];
  }
  return x;
}

/** Placeholders a value's redacted JSON has that its own JSON does not: the ones that hide a secret. */
function hiddenIn(v: unknown, redactor: Redactor): Set<string> {
  const raw = JSON.stringify(v ?? null);
  const shown = redactor.text(raw);
  return new Set([...shown.matchAll(PLACEHOLDER)].map((m) => m[0]).filter((p) => !raw.includes(p)));
}

/**
 * The edited arguments with each placeholder the person left where it was replaced by the secret it
 * hides. `sources`: the arguments the person was shown, newest first (an attempt refused before, then
 * the model's), searched at the same path. A placeholder of a secret moved to another place is an
 * error; one that hides nothing (the model wrote it as text) stays text.
 */
export function restoreRedacted(edited: unknown, sources: unknown[], redactor: Redactor): { value: unknown } | { error: string } {
  const hidden = new Set(sources.flatMap((s) => [...hiddenIn(s, redactor)]));
  let moved: { path: string; mark: string } | null = null;
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('[redacted: ')) return v;
      let s = v;
      for (const src of sources) {
        const before = at(src, path);
        if (typeof before !== 'string') continue;
        if (redactor.text(before) === v) return before;
        const secrets = secretsIn(before, redactor);
        s = s.replace(PLACEHOLDER, (mark) => secrets.get(mark) ?? mark);
      }
      for (const m of s.matchAll(PLACEHOLDER)) if (hidden.has(m[0])) moved ??= { path: path.join('.') || 'the arguments', mark: m[0] };
      return s;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  const value = walk(edited, []);
  if (moved) {
    const m = moved as { path: string; mark: string };
    return { error: `'${m.path}' holds ${m.mark}, which stands for a secret only where the arguments had it: leave it there, or type the value itself` };
  }
  return { value };
}
