// Resolving AUTO tags: each compile-time tag's question goes to the orchestrator model as a
// structured request for the type its position wants; the answer is checked, retried once with the
// reason when it is wrong, and otherwise becomes a finding on the tag — never a default. Answers
// are locked in `<file>.auto.lock.json` and reused without a call. Run-time tags (questions that
// name step results) are resolved by the engine when their step runs (`resolveQuestion`).
import { renameSync, writeFileSync } from 'node:fs';
import type { Analysis } from '../analyze/index';
import type { AutoTag } from '../analyze/model';
import { ToolError } from '../toolkit/runtime';
import type { ModelRunner } from '../models/modelRunner';
import { formatPath } from '../parse/yamlDocument';
import type { Finding } from '../spec/types';
import { answerSchema, checkAnswer, describeWanted, type AnswerContext } from './answer';
import type { AutoLock, AutoLockEntry } from './lockFile';
import { lockedEntry } from './lockFile';

export interface TagOutcome {
  tag: AutoTag;
  path: string;
  /** locked: from the lock file; resolved: asked now; failed: no valid answer; runtime: resolved when its step runs. */
  status: 'locked' | 'resolved' | 'failed' | 'runtime';
  value?: unknown;
  model?: string;
  error?: string;
}

export interface ResolveResult {
  outcomes: TagOutcome[];
  /** The lock with this resolution's answers (stale entries dropped, stable order). */
  lock: AutoLock;
  findings: Finding[];
  /** Provider calls made. */
  calls: number;
  cost_usd: number;
}

export interface ResolveOptions {
  models: ModelRunner;
  /** The model that answers (`orchestrator:`), or null when none is configured. */
  orchestrator: string | null;
  lock: AutoLock | null;
  /** Ask again even for tags the lock answers. */
  refresh?: boolean;
  context: AnswerContext;
  signal?: AbortSignal;
}

const SYSTEM = 'You resolve <AUTO> placeholders in a YAML pipeline of LLM steps. Answer only with JSON of the form {"value": ...}, the value of the type asked for.';

function finding(tag: AutoTag, code: string, message: string): Finding {
  return { code, severity: 'error', message, range: tag.range, step: tag.step, path: formatPath(tag.path), suggestions: [] };
}

/** The question put to the model about one tag. */
export function questionFor(tag: AutoTag, question: string, a: Pick<Analysis, 'pipeline'>, ctx: AnswerContext): string {
  const p = a.pipeline;
  const about = p ? `Pipeline '${p.id}'${p.name ? ` (${p.name})` : ''}${p.description ? `: ${p.description}` : ''}.` : 'A pipeline.';
  const attrs = Object.entries(tag.attributes).map(([k, v]) => `${k}="${v}"`).join(' ');
  return [about, `The placeholder stands at ${formatPath(tag.path)}${tag.step ? ` (step '${tag.step}')` : ''}${attrs ? `, with ${attrs}` : ''}.`, `Question: ${question}`, `The answer must be ${describeWanted(tag.wants, ctx)}.`].join('\n');
}

/** Asks one question: the checked value, or why there is none (after one retry with the reason). */
export async function resolveQuestion(
  prompt: string,
  wants: AutoTag['wants'],
  o: { models: ModelRunner; model: string; context: AnswerContext; signal?: AbortSignal },
): Promise<({ ok: true; value: unknown } | { ok: false; error: string }) & { calls: number; cost_usd: number; tokens_in: number; tokens_out: number }> {
  let calls = 0;
  let cost = 0;
  let tokensIn = 0;
  let tokensOut = 0;
  let ask = prompt;
  for (let round = 1; ; round++) {
    let answer: unknown;
    try {
      const res = await o.models.run({ model: o.model, action: 'generate_structured', params: { prompt: ask, stream: false }, system: SYSTEM, schema: answerSchema(wants), signal: o.signal ?? new AbortController().signal, onText: () => undefined, onCall: () => void calls++ });
      cost += res.cost_usd;
      tokensIn += res.tokens_in;
      tokensOut += res.tokens_out;
      answer = (res.value as { value?: unknown } | null)?.value;
    } catch (e) {
      // the model layer retried a malformed answer once already; a provider error is not retried here
      const why = e instanceof ToolError && e.errorType === 'ValidationError' ? e.message : `${o.model} could not be asked: ${(e as Error).message}`;
      return { ok: false, error: why, calls, cost_usd: cost, tokens_in: tokensIn, tokens_out: tokensOut };
    }
    const checked = checkAnswer(answer, wants, o.context);
    if (checked.ok) return { ok: true, value: checked.value, calls, cost_usd: cost, tokens_in: tokensIn, tokens_out: tokensOut };
    if (round === 2) return { ok: false, error: `the answer is not valid after one retry: ${checked.error}`, calls, cost_usd: cost, tokens_in: tokensIn, tokens_out: tokensOut };
    ask = `${prompt}\n\nYour previous answer was rejected: ${checked.error}. Answer again.`;
  }
}

/** Tags inside another tag's question come first: their answers are put into the outer question. */
function innermostFirst(tags: AutoTag[]): AutoTag[] {
  const inside = (a: AutoTag, b: AutoTag) => formatPath(a.path) === formatPath(b.path) && a !== b && (a.range.start.line > b.range.start.line || (a.range.start.line === b.range.start.line && a.range.start.character >= b.range.start.character)) && (a.range.end.line < b.range.end.line || (a.range.end.line === b.range.end.line && a.range.end.character <= b.range.end.character));
  const depth = (t: AutoTag) => tags.filter((o) => inside(t, o)).length;
  return [...tags].sort((x, y) => depth(y) - depth(x));
}

/** Replaces the inner tags of a question by their answers. */
function withInnerAnswers(text: string, answers: Map<string, unknown>): string {
  return text.replace(/<AUTO(\s[^>]*)?>([\s\S]*?)<\/AUTO>/g, (whole, _attrs, inner: string) => {
    const v = answers.get(inner.trim());
    return v === undefined ? whole : typeof v === 'string' ? v : JSON.stringify(v);
  });
}

export function sortLock(entries: AutoLockEntry[]): AutoLockEntry[] {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}

/** Resolves the compile-time tags of an analysis (run-time tags are listed, not asked). */
export async function resolveAutoTags(a: Analysis, o: ResolveOptions): Promise<ResolveResult> {
  const outcomes: TagOutcome[] = [];
  const findings: Finding[] = [];
  const fresh: AutoLockEntry[] = [];
  const answers = new Map<string, unknown>();
  let calls = 0;
  let cost = 0;
  for (const tag of innermostFirst(a.autoTags)) {
    const path = formatPath(tag.path);
    if (tag.runtime) {
      outcomes.push({ tag, path, status: 'runtime' });
      continue;
    }
    const locked = o.orchestrator ? lockedEntry(o.lock, tag, o.orchestrator) : undefined;
    if (locked && !o.refresh) {
      answers.set(tag.text, locked.value);
      outcomes.push({ tag, path, status: 'locked', value: locked.value, model: locked.model });
      fresh.push(locked);
      continue;
    }
    if (!o.orchestrator) {
      const error = "no model to resolve it: set 'orchestrator: provider:model' in the pipeline (or ORC_ORCHESTRATOR_MODEL)";
      outcomes.push({ tag, path, status: 'failed', error });
      findings.push(finding(tag, 'auto.unresolved', `This AUTO tag has no resolution and there is ${error}.`));
      continue;
    }
    const r = await resolveQuestion(questionFor(tag, withInnerAnswers(tag.text, answers), a, o.context), tag.wants, { models: o.models, model: o.orchestrator, context: o.context, signal: o.signal });
    calls += r.calls;
    cost += r.cost_usd;
    if (!r.ok) {
      outcomes.push({ tag, path, status: 'failed', error: r.error, model: o.orchestrator });
      findings.push(finding(tag, 'auto.invalid-answer', `This AUTO tag could not be resolved by ${o.orchestrator}: ${r.error}.`));
      continue;
    }
    answers.set(tag.text, r.value);
    // no timestamp: a lock file changes only when an answer does
    const entry: AutoLockEntry = { path, text: tag.text, model: o.orchestrator, value: r.value };
    fresh.push(entry);
    outcomes.push({ tag, path, status: 'resolved', value: r.value, model: o.orchestrator });
  }
  // keep entries for tags still in the file (another model's answers too); drop the rest
  const current = new Set(a.autoTags.map((t) => `${formatPath(t.path)}\n${t.text}`));
  const kept = (o.lock?.entries ?? []).filter((e) => current.has(`${e.path}\n${e.text}`) && !fresh.some((f) => f.path === e.path && f.text === e.text && f.model === e.model));
  const order = new Map(a.autoTags.map((t, i) => [t, i]));
  outcomes.sort((x, y) => order.get(x.tag)! - order.get(y.tag)!);
  return { outcomes, lock: { format: 1, entries: sortLock([...kept, ...fresh]) }, findings, calls, cost_usd: Math.round(cost * 1e8) / 1e8 };
}

/** Writes a lock file: stable order, two-space JSON, a final newline; atomic. */
export function writeAutoLock(file: string, lock: AutoLock): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ format: 1, entries: sortLock(lock.entries) }, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The answers an analysis substitutes for its tags: by the tag's path and text. */
export function answersOf(outcomes: TagOutcome[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const o of outcomes) if (o.status === 'locked' || o.status === 'resolved') m.set(`${o.path}\n${o.tag.text}`, o.value);
  return m;
}

/** The answers a lock holds for an analysis's compile-time tags (no call): what a resumed run uses,
 * so it runs with the answers its first part ran with. */
export function lockedAnswers(a: Analysis, lock: AutoLock | null, model: string | null): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const tag of a.autoTags) {
    if (tag.runtime) continue;
    const e = lockedEntry(lock, tag, model);
    if (e) m.set(`${formatPath(tag.path)}\n${tag.text}`, e.value);
  }
  return m;
}
