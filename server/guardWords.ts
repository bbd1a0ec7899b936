// What the editor says of guards and budgets, in one place for completion and hover: each guard
// kind with a value to fill in, each `on_fail` action and PII kind in words, and a step's or the
// run's worst case (engine/analyze/worstCase.ts) as a line of Markdown.
import type { Analysis } from '../engine/analyze/index';
import { worstCase, type StepWorstCase, type WorstCase } from '../engine/analyze/worstCase';
import type { Pipeline, ValuePath } from '../engine/spec/types';

export const GUARD_STAGES = ['input', 'output', 'tool_results'] as const;

/** Each guard kind: the value its completion inserts (a snippet) and what it checks. */
export const GUARD_KINDS: Record<string, { snippet: string; doc: string }> = {
  deny: { snippet: 'deny: "${1:(?i)ignore (all )?previous instructions}"', doc: 'Fails when an RE2 pattern (or one of a list) matches; `redact` replaces each match with `[REDACTED:deny]`.' },
  allow: { snippet: 'allow: "${1:pattern}"', doc: 'Fails unless an RE2 pattern (or one of a list) matches.' },
  pii: { snippet: 'pii: [${1:email, phone, card}]', doc: 'Fails when the text holds personal data or a secret: `email`, `phone`, `card` (Luhn), `iban` (mod 97), `secret` (key shapes), `ip`; `true` for all. `redact` replaces each with `[REDACTED:kind]`.' },
  max_chars: { snippet: 'max_chars: ${1:2000}', doc: 'Fails when the text is longer than this many characters.' },
  schema: { snippet: 'schema: {type: object, required: [${1:answer}]}', doc: 'Fails when the text, read as JSON, does not match this JSON Schema (or is not JSON).' },
  judge: { snippet: 'judge: {rubric: "${1:polite and on topic}", threshold: ${2:0.7}}', doc: 'A model scores the text 0 to 1 against `rubric` and the check fails under `threshold` (default 0.5). The text goes to the judge as data it cannot end; the call counts against the budget.' },
  pipeline: { snippet: 'pipeline: ${1:check.pipeline.yaml}', doc: 'Runs a pipeline beside this one with the text as its `text` input; it fails unless its output `pass` is true (`reason` says why).' },
};

export const ON_FAIL_WORDS: Record<string, string> = {
  block: 'The step fails with GuardrailError naming the guard and why; no later step, file or live view sees the text. Not retried.',
  redact: 'The text goes on with what failed replaced by `[REDACTED:kind]` (`deny` and `pii`; the other kinds have nothing to replace, and block).',
  retry: 'Output only: the reason is answered to the model and it is asked again, within `repair.max_attempts` (default 1); then it blocks.',
  ask: 'A person decides, as an approval: `-i STEP_ID=approve` ahead, `--yes`, or the terminal or the editor asks; with no one to ask, it blocks.',
};

export const PII_WORDS: Record<string, string> = {
  email: 'An email address.',
  phone: 'A phone number: 8 to 15 digits in groups, or after a `+` (a date or a bare run of digits is not one).',
  card: 'A card number: 13 to 19 digits passing Luhn\'s check.',
  iban: 'An IBAN passing its mod-97 check.',
  secret: 'A secret by its known shape: OpenAI and Anthropic `sk-` keys, AWS access keys, GitHub and Slack tokens, Google API keys, Hugging Face tokens, Stripe live keys, PEM private keys.',
  ip: 'An IPv4 or IPv6 address.',
};

/** The guard a path is in: `[..., 'guardrails', STAGE, INDEX, ...rest]`, with where it starts. */
export function guardAt(path: ValuePath): { at: number; stage: string } | null {
  for (let i = path.length - 3; i >= 0; i--) {
    if (path[i] === 'guardrails' && (GUARD_STAGES as readonly string[]).includes(String(path[i + 1])) && typeof path[i + 2] === 'number') return { at: i + 3, stage: String(path[i + 1]) };
  }
  return null;
}

const worstOf = new WeakMap<Pipeline, WorstCase>();

/** The pipeline's worst case, once per analysis. */
export function worstFor(a: Analysis): WorstCase | null {
  const p = a.pipeline;
  if (!p) return null;
  let w = worstOf.get(p);
  if (!w) worstOf.set(p, (w = worstCase(p)));
  return w;
}

export const usd = (n: number): string => `$${Number(n.toPrecision(4))}`;
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** One model step's worst case in words. */
export function stepWorstWords(s: StepWorstCase): string {
  if (s.calls === null) return `no bound: ${s.note ?? 'inside a loop over a list known only at run time'}`;
  const money = s.priced === false ? `${s.model} has no price in the model registry` : usd(s.usd ?? 0);
  return `${plural(s.calls, 'call')}${s.model ? ` on \`${s.model}\`` : ''}, ${money}, ${s.tokens?.toLocaleString('en-US')} tokens`;
}

/** The hover's line on a step: its worst case (a model step's), else nothing. */
export function stepWorstLine(a: Analysis, stepId: string): string | null {
  const s = worstFor(a)?.steps.find((x) => x.step === stepId);
  return s ? `- worst case: ${stepWorstWords(s)}` : null;
}

/** The hover's lines on a `budget`: the run's worst case beside its limits, and the costliest step. */
export function budgetWorstLines(a: Analysis, stepId: string | null): string[] {
  const w = worstFor(a);
  if (!w) return [];
  if (stepId) {
    const s = w.steps.find((x) => x.step === stepId);
    return s ? [`Worst case of this step: ${stepWorstWords(s)}.`] : [];
  }
  const b = a.pipeline?.budget;
  const out: string[] = [];
  const cost = w.usd === null ? 'no bound' : usd(w.usd);
  const tokens = w.tokens === null ? 'no bound' : `${w.tokens.toLocaleString('en-US')} tokens`;
  out.push(`Worst case of the run: ${cost}, ${tokens}${b?.maxCostUsd !== null && b?.maxCostUsd !== undefined ? ` (budget ${usd(b.maxCostUsd)})` : ''}.`);
  const top = [...w.steps].sort((x, y) => (y.usd ?? Infinity) - (x.usd ?? Infinity))[0];
  if (top) out.push(`Costliest step: \`${top.label}\`, ${stepWorstWords(top)}.`);
  return out;
}
