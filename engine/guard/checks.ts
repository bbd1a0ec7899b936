// Each guard kind as a check of one text: deny / allow (RE2 patterns), pii, max_chars, schema (the
// text read as JSON), judge (a model's score against a rubric) and pipeline (a pipeline's verdict).
// The pure kinds are compiled once per guard; judge and pipeline call out through the host.
import Ajv, { type ValidateFunction } from 'ajv';
import type { RE2JS } from 're2js';
import type { GuardDecl } from '../spec/types';
import { compileRegex } from '../template/regex';
import { ajvRegExp } from '../template/linearRegex';
import { ToolError } from '../toolkit/runtime';
import { findPii, PII_KINDS, redactMatches, type PiiKind } from './pii';

/** What the run gives the guards that call out: a judge model and nested pipelines. */
export interface GuardHost {
  judge(rubric: string, text: string, model: string | null, signal: AbortSignal): Promise<{ score: number; reason: string }>;
  pipeline(file: string, text: string, signal: AbortSignal): Promise<{ pass: boolean; reason: string | null }>;
}

export interface CheckOutcome {
  passed: boolean;
  reason: string | null;
  /** The text with what failed the check redacted (deny and pii only). */
  redacted?: string;
  score?: number;
}

type Compiled = (text: string) => CheckOutcome;

const compiled = new WeakMap<GuardDecl, Compiled | null>();
let ajv: Ajv | null = null;

const patternsOf = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string') : []);
const PII_WORDS: Record<string, string> = { email: 'email address', phone: 'phone number', card: 'card number', iban: 'IBAN', secret: 'secret key', ip: 'IP address' };
const shown = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/**
 * A literal every match of the pattern holds, when one is plain to see: the longest run of letters,
 * digits and spaces at the pattern's top level, outside any group, class or quantifier, in a
 * pattern with no top-level `|` and no flags but a leading `(?i)`. A text without it cannot match,
 * and finding it (a JavaScript search for a literal, Unicode case folding under `(?i)`) takes a
 * fraction of RE2's scan: RE2 is run only on texts that hold it.
 */
export function requiredLiteral(pattern: string): RegExp | null {
  const ci = pattern.startsWith('(?i)');
  const p = ci ? pattern.slice(4) : pattern;
  // an inline flag group (`(?s)`, `(?i:...)`) past the start: no prefilter
  if (/\(\?[a-zA-Z-]+[:)]/.test(p)) return null;
  let depth = 0;
  let run = '';
  let best = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      end();
      i++;
      continue;
    }
    if (c === '[') {
      end();
      // a class: skip to its end (a `]` first in it, or escaped, is part of it)
      let j = i + 1;
      if (p[j] === '^') j++;
      if (p[j] === ']') j++;
      while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1;
      i = j;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === '|' && depth === 0) return null;
    if (depth === 0 && /[A-Za-z0-9 ]/.test(c)) {
      // a character a quantifier follows is optional or repeated: not part of the run
      if (/[?*+{]/.test(p[i + 1] ?? '')) end();
      else run += c;
    } else end();
  }
  end();
  if (best.trim().length < 3) return null;
  return new RegExp(best.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), ci ? 'iu' : 'u');
}

function regexes(g: GuardDecl): { re: RE2JS; needs: RegExp | null }[] {
  return patternsOf(g.value).map((p) => {
    try {
      return { re: compileRegex(p), needs: requiredLiteral(p) };
    } catch (e) {
      throw new ToolError(`Guardrail '${g.name}': ${e instanceof Error ? e.message : String(e)}`, 'ConfigurationError');
    }
  });
}

function compile(g: GuardDecl): Compiled | null {
  switch (g.kind) {
    case 'deny': {
      const res = regexes(g);
      return (text) => {
        const spans: { kind: string; start: number; end: number }[] = [];
        let first: string | null = null;
        for (let i = 0; i < res.length; i++) {
          const { re, needs } = res[i];
          if ((needs && !needs.test(text)) || !re.test(text)) continue;
          for (const m of re.matchAll(text)) {
            if (m[0] === '') continue;
            first ??= `matched the denied pattern ${shown(patternsOf(g.value)[i])}`;
            spans.push({ kind: 'deny', start: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
          }
        }
        return first ? { passed: false, reason: first, redacted: redactMatches(text, spans) } : { passed: true, reason: null };
      };
    }
    case 'allow': {
      const res = regexes(g);
      return (text) => (res.some(({ re, needs }) => (!needs || needs.test(text)) && re.test(text)) ? { passed: true, reason: null } : { passed: false, reason: `matched none of the allowed patterns (${patternsOf(g.value).map(shown).join(', ')})` });
    }
    case 'pii': {
      const kinds = Array.isArray(g.value) ? (g.value.filter((k) => (PII_KINDS as readonly string[]).includes(k as string)) as PiiKind[]) : PII_KINDS;
      return (text) => {
        const found = findPii(text, kinds);
        if (!found.length) return { passed: true, reason: null };
        const counts = new Map<string, number>();
        for (const m of found) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
        return { passed: false, reason: `holds ${[...counts].map(([k, n]) => `${n} ${PII_WORDS[k]}${n === 1 ? '' : 'es'.slice(PII_WORDS[k].endsWith('s') ? 0 : 1)}`).join(', ')}`, redacted: redactMatches(text, found) };
      };
    }
    case 'max_chars': {
      const max = typeof g.value === 'number' ? g.value : Infinity;
      return (text) => (text.length <= max ? { passed: true, reason: null } : { passed: false, reason: `has ${text.length} characters, more than ${max}` });
    }
    case 'schema': {
      let validate: ValidateFunction;
      try {
        validate = (ajv ??= new Ajv({ allErrors: false, strict: false, code: { regExp: ajvRegExp } })).compile(g.value as object);
      } catch (e) {
        throw new ToolError(`Guardrail '${g.name}': its schema is not valid JSON Schema: ${e instanceof Error ? e.message : String(e)}`, 'ConfigurationError');
      }
      return (text) => {
        let data: unknown;
        try {
          data = JSON.parse(text);
        } catch {
          return { passed: false, reason: 'is not JSON' };
        }
        if (validate(data)) return { passed: true, reason: null };
        const e = validate.errors?.[0];
        return { passed: false, reason: `does not match its schema: ${e?.instancePath || '(the value)'} ${e?.message ?? 'is invalid'} (schema path ${e?.schemaPath ?? '#'})` };
      };
    }
    default:
      return null;
  }
}

/** Checks one text with one guard. */
export async function checkGuard(g: GuardDecl, text: string, host: GuardHost, signal: AbortSignal): Promise<CheckOutcome> {
  let c = compiled.get(g);
  if (c === undefined) compiled.set(g, (c = compile(g)));
  if (c) return c(text);
  if (g.kind === 'judge') {
    const j = (g.value ?? {}) as { rubric?: unknown; threshold?: unknown; model?: unknown };
    const threshold = typeof j.threshold === 'number' ? j.threshold : 0.5;
    const v = await host.judge(String(j.rubric ?? ''), text, typeof j.model === 'string' ? j.model : null, signal);
    const passed = v.score >= threshold;
    return { passed, reason: `scored ${v.score} (threshold ${threshold}): ${v.reason}`, score: v.score };
  }
  const v = await host.pipeline(String(g.value), text, signal);
  return { passed: v.pass, reason: v.reason };
}
