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

function regexes(g: GuardDecl): RE2JS[] {
  return patternsOf(g.value).map((p) => {
    try {
      return compileRegex(p);
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
          for (const m of res[i].matchAll(text)) {
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
      return (text) => (res.some((re) => re.test(text)) ? { passed: true, reason: null } : { passed: false, reason: `matched none of the allowed patterns (${patternsOf(g.value).map(shown).join(', ')})` });
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
