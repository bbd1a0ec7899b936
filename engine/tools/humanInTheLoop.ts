// The human-in-the-loop tools (ContextLab's user-prompt, approval-gate, feedback-collection). They
// ask through the host's Interaction (the terminal, the editor); with no one to ask they take an
// answer given ahead (`-i STEP_ID=VALUE`), a `default`, or `--yes`, else refuse with a
// ConfigurationError that says how to answer.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvePath } from './filesystem';
import { approvalGateSpec, feedbackCollectionSpec, userPromptSpec } from './humanInTheLoop.spec';
import { exclusive, type Answer, type Interaction, type Question } from './interaction';
import { ToolError, untilAborted, type ToolContext, type ToolDefinition, type ToolOutcome } from './runtime';
import { linearRegExp, type LinearRegExp } from '../util/linearRegex';
import { setLongTimeout } from '../util/longTimer';

/** Content longer than this is cut when shown (the whole of it is still hashed and returned). */
const MAX_SHOWN = 20_000;
/** Bad answers to one feedback question asked again at most this many times. */
const MAX_FORM_RETRIES = 5;

type Checked = { ok: true; value: unknown } | { ok: false; error: string };

interface Who {
  host: Interaction | null;
  step: string;
  label: string;
}

function who(ctx: ToolContext, tool: string): Who {
  const i = ctx.interaction;
  return i ? { host: i.host, step: i.step, label: i.label } : { host: null, step: tool, label: tool };
}

function given(w: Who): { value: unknown } | undefined {
  return w.host?.answerFor?.(w.step);
}

function nobody(w: Who, tool: string, how: string): ToolError {
  return new ToolError(`Step '${w.label}' (${tool}) needs an answer from a person, but no one can answer: the run is not interactive (no terminal, or --json). ${how}`, 'ConfigurationError');
}

function dismissed(w: Who): ToolError {
  return new ToolError(`Step '${w.label}': the question was dismissed without an answer`, 'ValueError');
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v, null, 2) : String(v);
}

function requireString(p: Record<string, unknown>, name: string, tool: string): string {
  const v = p[name];
  if (typeof v !== 'string' || !v.trim()) throw new ToolError(`${tool} needs '${name}' (text)`, 'ValueError');
  return v;
}

function bool(v: unknown, dflt: boolean): boolean {
  return typeof v === 'boolean' ? v : dflt;
}

function yesNo(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (['yes', 'y', 'true', '1'].includes(s)) return true;
  if (['no', 'n', 'false', '0'].includes(s)) return false;
  return undefined;
}

/** One of `choices`: the choice itself, or its number (1 = the first). */
function pick(v: unknown, choices: string[]): string | undefined {
  const s = text(v).trim();
  if (choices.includes(s)) return s;
  const n = Number(s);
  if (s && Number.isInteger(n) && n >= 1 && n <= choices.length) return choices[n - 1];
  return undefined;
}

/** `choices` as written: a list, or text holding a JSON list or comma-separated values (a rendered template). */
function choicesOf(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map((c) => text(c).trim());
  if (typeof v === 'string') {
    const s = v.trim();
    if (!s) return null;
    try {
      const parsed = JSON.parse(s) as unknown;
      if (Array.isArray(parsed)) return parsed.map((c) => text(c).trim());
    } catch {
      // comma-separated
    }
    return s.split(',').map((c) => c.trim()).filter(Boolean);
  }
  throw new ToolError("'choices' must be a list", 'TypeError');
}

/** Asks `q` until `check` accepts the answer (at most `retries` more times), within the host's lock. */
async function askUntilValid(host: Interaction, q: Question, signal: AbortSignal, check: (a: string | boolean) => Checked, retries: number, w: Who): Promise<{ value: unknown; retries: number }> {
  let error: string | undefined;
  for (let n = 0; ; n++) {
    const answer: Answer = await untilAborted(host.ask({ ...q, error }, signal), signal);
    if (answer === null) throw dismissed(w);
    const c = check(answer);
    if (c.ok) return { value: c.value, retries: n };
    if (n >= retries) throw new ToolError(`Step '${w.label}': ${c.error}${n ? ` (asked ${n + 1} times)` : ''}`, 'ValueError');
    error = c.error;
  }
}

// ---------------------------------------------------------------------------------------------
// user-prompt

const INPUT_TYPES = ['text', 'number', 'boolean', 'choice'];

async function userPrompt(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  const w = who(ctx, 'user-prompt');
  const prompt = requireString(p, 'prompt', 'user-prompt').trim();
  const inputType = p.input_type === undefined || p.input_type === null ? 'text' : String(p.input_type).trim();
  if (!INPUT_TYPES.includes(inputType)) throw new ToolError(`'input_type' must be text, number, boolean or choice, got '${inputType}'`, 'ValueError');
  const choices = choicesOf(p.choices);
  if (inputType === 'choice' && !choices?.length) throw new ToolError("A 'choice' prompt needs 'choices'", 'ValueError');
  let pattern: LinearRegExp | null = null;
  if (typeof p.validation_pattern === 'string' && p.validation_pattern) {
    try {
      // from the start of the answer, as ContextLab's re.match
      pattern = linearRegExp(`^(?:${p.validation_pattern})`);
    } catch (e) {
      throw new ToolError(`'validation_pattern' is not a valid regular expression: ${(e as Error).message}`, 'ValueError');
    }
  }
  const timeoutS = p.timeout === undefined || p.timeout === null ? 0 : Number(p.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS < 0) throw new ToolError("'timeout' must be a number of seconds (0: no limit)", 'ValueError');
  const maxRetries = p.max_retries === undefined || p.max_retries === null ? 3 : Number(p.max_retries);
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new ToolError("'max_retries' must be a whole number of at least 0", 'ValueError');
  const retries = bool(p.retry_on_invalid, true) ? maxRetries : 0;

  const check = (raw: unknown): Checked => {
    let value: unknown;
    if (inputType === 'number') {
      const s = text(raw).trim();
      const n = typeof raw === 'number' ? raw : s ? Number(s) : NaN;
      if (!Number.isFinite(n)) return { ok: false, error: `'${s}' is not a number` };
      value = n;
    } else if (inputType === 'boolean') {
      value = yesNo(raw);
      if (value === undefined) return { ok: false, error: `'${text(raw).trim()}' is not yes or no` };
    } else if (inputType === 'choice') {
      value = pick(raw, choices!);
      if (value === undefined) return { ok: false, error: `'${text(raw).trim()}' is not one of: ${choices!.join(', ')}` };
    } else value = text(raw);
    if (pattern && !pattern.test(text(value))) return { ok: false, error: `'${text(value)}' does not match the pattern ${String(p.validation_pattern)}` };
    return { ok: true, value };
  };

  const hasDefault = p.default !== undefined && p.default !== null;
  let dflt: unknown;
  if (hasDefault) {
    const c = check(typeof p.default === 'string' && inputType !== 'text' ? p.default.trim() : p.default);
    if (!c.ok) throw new ToolError(`The step's 'default' is not a valid answer: ${c.error}`, 'ValueError');
    dflt = c.value;
  }
  const t0 = Date.now();
  const context = typeof p.context === 'string' ? p.context : 'cli';
  const done = (value: unknown, answeredBy: string, usedDefault: boolean, n = 0): ToolOutcome => ({
    success: true,
    result: { value, answered_by: answeredBy, used_default: usedDefault, skipped: answeredBy === 'default' || answeredBy === 'timeout' || answeredBy === 'yes', response_time: (Date.now() - t0) / 1000, retries: n, context },
  });

  const ahead = given(w);
  if (ahead) {
    const c = check(ahead.value);
    if (!c.ok) throw new ToolError(`The answer given for step '${w.step}' is not valid: ${c.error}`, 'ValueError');
    return done(c.value, 'command_line', false);
  }
  const host = w.host;
  if (hasDefault && host?.assumeYes) return done(dflt, 'yes', true);
  if (!host?.interactive) {
    if (hasDefault) return done(dflt, 'default', true);
    throw nobody(w, 'user-prompt', `Answer it ahead with -i ${w.step}=VALUE, give the step a 'default', or run it in a terminal without --json.`);
  }

  return exclusive(host, ctx.signal, async () => {
    // the prompt's own timeout: the default, else a TimeoutError
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) onAbort();
    const expired = new Error('timeout');
    const timer = timeoutS > 0 ? setLongTimeout(() => ctl.abort(expired), timeoutS * 1000) : null;
    try {
      const q: Question = {
        kind: inputType === 'choice' ? 'choice' : inputType === 'boolean' ? 'confirm' : 'text',
        step: w.label,
        prompt,
        ...(choices && inputType === 'choice' ? { choices } : {}),
        ...(hasDefault ? { default: text(dflt) } : {}),
      };
      let usedDefault = false;
      const r = await askUntilValid(host, q, ctl.signal, (a) => {
        if (a === '' && hasDefault) {
          usedDefault = true;
          return { ok: true, value: dflt };
        }
        return check(a);
      }, retries, w);
      return done(r.value, 'user', usedDefault, r.retries);
    } catch (e) {
      if (ctl.signal.reason === expired && !ctx.signal.aborted) {
        if (hasDefault) return done(dflt, 'timeout', true);
        throw new ToolError(`Step '${w.label}': no answer within its timeout of ${timeoutS} s, and it has no 'default'`, 'TimeoutError');
      }
      throw e;
    } finally {
      timer?.clear();
      ctx.signal.removeEventListener('abort', onAbort);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// approval-gate

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function shown(content: string, format: string): string {
  let s = content;
  if (format === 'json') {
    try {
      s = JSON.stringify(JSON.parse(content), null, 2);
    } catch {
      // shown as written
    }
  }
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}\n… (${s.length - MAX_SHOWN} more characters)` : s;
}

interface Decision {
  action: 'approve' | 'reject' | 'modify';
  reason?: string;
  modified?: string;
}

/** An approval given ahead: approve, reject, `reject: REASON`, true/false, or `{action, reason, modified_content}`. */
function decisionOf(v: unknown, allowModify: boolean): Decision | string {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const action = typeof o.action === 'string' ? o.action.trim().toLowerCase() : typeof o.approved === 'boolean' ? (o.approved ? 'approve' : 'reject') : '';
    if (action === 'approve') return { action };
    if (action === 'reject') return { action, reason: typeof o.reason === 'string' ? o.reason : typeof o.rejection_reason === 'string' ? o.rejection_reason : undefined };
    if (action === 'modify') {
      if (!allowModify) return "'modify' is not allowed here (allow_modifications is false)";
      if (o.modified_content === undefined) return "'modify' needs 'modified_content'";
      return { action, modified: text(o.modified_content) };
    }
    return "give 'action': approve, reject or modify";
  }
  const yn = yesNo(v);
  if (yn !== undefined) return { action: yn ? 'approve' : 'reject' };
  const s = text(v).trim();
  const m = /^(approve|reject)\s*(?::\s*([\s\S]*))?$/i.exec(s);
  if (m) return m[1].toLowerCase() === 'approve' ? { action: 'approve' } : { action: 'reject', reason: m[2]?.trim() || undefined };
  return `'${s}' is not approve, reject or 'reject: REASON'`;
}

async function approvalGate(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  const w = who(ctx, 'approval-gate');
  const title = requireString(p, 'title', 'approval-gate');
  if (p.content === undefined) throw new ToolError("approval-gate needs 'content'", 'ValueError');
  const content = text(p.content);
  const format = typeof p.format === 'string' ? p.format : 'text';
  if (!['text', 'json', 'markdown'].includes(format)) throw new ToolError(`'format' must be text, json or markdown, got '${format}'`, 'ValueError');
  const allowModify = bool(p.allow_modifications, true);
  const requireReason = bool(p.require_reason, true);
  const metadata = p.metadata && typeof p.metadata === 'object' && !Array.isArray(p.metadata) ? p.metadata : {};
  const contentHash = sha256(content);
  const outcome = (d: Decision, answeredBy: string, auto = false): ToolOutcome => {
    const result: Record<string, unknown> = {
      approved: d.action !== 'reject',
      action: auto ? 'auto_approved' : d.action,
      answered_by: answeredBy,
      auto_approved: auto,
      content_hash: contentHash,
      timestamp: new Date().toISOString(),
      metadata,
    };
    if (d.action === 'modify' && d.modified !== undefined) {
      result.modified_content = d.modified;
      result.modified_hash = sha256(d.modified);
    }
    if (d.action === 'reject' && d.reason) result.rejection_reason = d.reason;
    return { success: true, result };
  };

  if (typeof p.auto_approve_hash === 'string' && p.auto_approve_hash.trim().toLowerCase() === contentHash) return outcome({ action: 'approve' }, 'hash', true);
  const ahead = given(w);
  if (ahead) {
    const d = decisionOf(ahead.value, allowModify);
    if (typeof d === 'string') throw new ToolError(`The answer given for step '${w.step}' is not valid: ${d}`, 'ValueError');
    if (d.action === 'reject' && requireReason && !d.reason) throw new ToolError(`The answer given for step '${w.step}' rejects without a reason, which this gate requires: give one as -i ${w.step}='reject: REASON'`, 'ValueError');
    return outcome(d, 'command_line');
  }
  const host = w.host;
  if (host?.assumeYes) return outcome({ action: 'approve' }, 'yes');
  if (!host?.interactive) throw nobody(w, 'approval-gate', `Answer it ahead with -i ${w.step}=approve or -i ${w.step}='reject: REASON', pass --yes to approve, or run it in a terminal without --json.`);

  return exclusive(host, ctx.signal, async () => {
    const options = allowModify ? ['approve', 'reject', 'modify'] : ['approve', 'reject'];
    const { value } = await askUntilValid(
      host,
      { kind: 'choice', step: w.label, title, prompt: allowModify ? 'Approve, reject or modify?' : 'Approve or reject?', detail: shown(content, format), choices: options },
      ctx.signal,
      (a) => {
        const s = text(a).trim().toLowerCase();
        const c = pick(s, options) ?? options.find((o) => s.length === 1 && o.startsWith(s));
        return c ? { ok: true, value: c } : { ok: false, error: `Answer ${options.join(', ')}` };
      },
      3,
      w,
    );
    const action = value as Decision['action'];
    if (action === 'reject') {
      if (!requireReason) return outcome({ action }, 'user');
      const r = await askUntilValid(host, { kind: 'text', step: w.label, title, prompt: 'Reason for rejection' }, ctx.signal, (a) => (text(a).trim() ? { ok: true, value: text(a).trim() } : { ok: false, error: 'A rejection needs a reason' }), 3, w);
      return outcome({ action, reason: r.value as string }, 'user');
    }
    if (action === 'modify') {
      const r = await askUntilValid(host, { kind: 'text', step: w.label, title, prompt: 'The modified content', default: content, multiline: true }, ctx.signal, (a) => ({ ok: true, value: text(a) }), 0, w);
      return outcome({ action, modified: r.value as string }, 'user');
    }
    return outcome({ action }, 'user');
  });
}

// ---------------------------------------------------------------------------------------------
// feedback-collection

interface FormQuestion {
  id: string;
  text: string;
  type: 'rating' | 'choice' | 'boolean' | 'text';
  scale: number;
  choices: string[];
  required: boolean;
}

function questionsOf(v: unknown, required: string[]): FormQuestion[] {
  if (!Array.isArray(v) || !v.length) throw new ToolError("feedback-collection needs 'questions': a list of {id, text, type}", 'ValueError');
  const seen = new Set<string>();
  const out = v.map((q, i): FormQuestion => {
    const o = q && typeof q === 'object' && !Array.isArray(q) ? (q as Record<string, unknown>) : null;
    if (!o || typeof o.id !== 'string' || !o.id || typeof o.text !== 'string' || typeof o.type !== 'string') throw new ToolError(`Question ${i + 1} needs 'id', 'text' and 'type'`, 'ValueError');
    if (seen.has(o.id)) throw new ToolError(`Two questions have the id '${o.id}'`, 'ValueError');
    seen.add(o.id);
    const type = o.type.trim().toLowerCase();
    if (type !== 'rating' && type !== 'choice' && type !== 'boolean' && type !== 'text') throw new ToolError(`Question '${o.id}': 'type' must be rating, choice, boolean or text, got '${o.type}'`, 'ValueError');
    const scale = o.scale === undefined ? 5 : Number(o.scale);
    if (type === 'rating' && (!Number.isInteger(scale) || scale < 2)) throw new ToolError(`Question '${o.id}': 'scale' must be a whole number of at least 2`, 'ValueError');
    const choices = type === 'choice' ? choicesOf(o.choices) : [];
    if (type === 'choice' && !choices?.length) throw new ToolError(`Question '${o.id}' is a choice and needs 'choices'`, 'ValueError');
    return { id: o.id, text: o.text, type, scale, choices: choices ?? [], required: required.includes(o.id) };
  });
  for (const r of required) if (!seen.has(r)) throw new ToolError(`'required_questions' names '${r}', which is not a question's id`, 'ValueError');
  return out;
}

function checkResponse(q: FormQuestion, raw: unknown): Checked {
  const s = text(raw).trim();
  switch (q.type) {
    case 'rating': {
      const n = typeof raw === 'number' ? raw : Number(s);
      return Number.isInteger(n) && n >= 1 && n <= q.scale ? { ok: true, value: n } : { ok: false, error: `Rate '${q.id}' with a whole number from 1 to ${q.scale}` };
    }
    case 'choice': {
      const c = pick(raw, q.choices);
      return c !== undefined ? { ok: true, value: c } : { ok: false, error: `Answer '${q.id}' with one of: ${q.choices.join(', ')}` };
    }
    case 'boolean': {
      const b = yesNo(raw);
      return b !== undefined ? { ok: true, value: b } : { ok: false, error: `Answer '${q.id}' with yes or no` };
    }
    default:
      return { ok: true, value: text(raw) };
  }
}

async function feedbackCollection(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  const w = who(ctx, 'feedback-collection');
  const title = requireString(p, 'title', 'feedback-collection');
  const requiredIds = p.required_questions === undefined || p.required_questions === null ? [] : p.required_questions;
  if (!Array.isArray(requiredIds) || requiredIds.some((r) => typeof r !== 'string')) throw new ToolError("'required_questions' must be a list of question ids", 'TypeError');
  const questions = questionsOf(p.questions, requiredIds as string[]);
  const anonymous = bool(p.anonymous, false);
  // a file outside the workspace is refused before anyone is asked
  const saveTo = typeof p.save_to_file === 'string' && p.save_to_file ? resolvePath(p.save_to_file, ctx, 'modify').abs : null;

  const finish = async (responses: Record<string, unknown>, answeredBy: string): Promise<ToolOutcome> => {
    const timestamp = new Date().toISOString();
    const count = Object.keys(responses).length;
    const completion = (count / questions.length) * 100;
    const ratings: number[] = [];
    const summary = { rating_average: null as number | null, boolean_summary: {} as Record<string, unknown>, choice_summary: {} as Record<string, unknown> };
    for (const q of questions) {
      if (!Object.prototype.hasOwnProperty.call(responses, q.id)) continue;
      if (q.type === 'rating') ratings.push(responses[q.id] as number);
      else if (q.type === 'boolean') summary.boolean_summary[q.id] = responses[q.id];
      else if (q.type === 'choice') summary.choice_summary[q.id] = responses[q.id];
    }
    if (ratings.length) summary.rating_average = ratings.reduce((a, b) => a + b, 0) / ratings.length;
    let saved = false;
    if (saveTo) {
      const entry: Record<string, unknown> = { timestamp, title, anonymous, responses, response_count: count, completion_rate: completion };
      if (!anonymous) entry.user = process.env.USER || safeUser();
      try {
        await fs.mkdir(path.dirname(saveTo), { recursive: true });
        await fs.appendFile(saveTo, JSON.stringify(entry) + '\n');
        saved = true;
      } catch (e) {
        ctx.output('stderr', `feedback-collection: could not save the feedback to ${String(p.save_to_file)}: ${(e as Error).message}\n`);
      }
    }
    return { success: true, result: { responses, response_count: count, completion_rate: completion, summary, feedback_id: timestamp, saved_to_file: saved, answered_by: answeredBy } };
  };

  const ahead = given(w);
  if (ahead) {
    let v = ahead.value;
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch {
        // refused below
      }
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ToolError(`The answer given for step '${w.step}' is not valid: give a mapping of question id to answer, e.g. -i ${w.step}='{"${questions[0].id}": ...}'`, 'ValueError');
    const o = v as Record<string, unknown>;
    const responses: Record<string, unknown> = {};
    for (const k of Object.keys(o)) if (!questions.some((q) => q.id === k)) throw new ToolError(`The answer given for step '${w.step}' is not valid: '${k}' is not a question's id (the ids: ${questions.map((q) => q.id).join(', ')})`, 'ValueError');
    for (const q of questions) {
      if (!Object.prototype.hasOwnProperty.call(o, q.id) || o[q.id] === null || o[q.id] === '') {
        if (q.required) throw new ToolError(`The answer given for step '${w.step}' is not valid: '${q.id}' is required`, 'ValueError');
        continue;
      }
      const c = checkResponse(q, o[q.id]);
      if (!c.ok) throw new ToolError(`The answer given for step '${w.step}' is not valid: ${c.error}`, 'ValueError');
      responses[q.id] = c.value;
    }
    return finish(responses, 'command_line');
  }
  const host = w.host;
  const required = questions.filter((q) => q.required).map((q) => q.id);
  if (host?.assumeYes && !required.length) return finish({}, 'yes');
  if (!host?.interactive) throw nobody(w, 'feedback-collection', `Answer it ahead with -i ${w.step}='{"${questions[0].id}": ...}'${required.length ? ` (required: ${required.join(', ')})` : ''}, or run it in a terminal without --json.`);

  return exclusive(host, ctx.signal, async () => {
    const responses: Record<string, unknown> = {};
    for (const q of questions) {
      const question: Question =
        q.type === 'rating'
          ? { kind: 'text', step: w.label, title, prompt: `${q.text} (1-${q.scale})${q.required ? ' *' : ''}` }
          : q.type === 'choice'
            ? { kind: 'choice', step: w.label, title, prompt: `${q.text}${q.required ? ' *' : ''}`, choices: q.choices }
            : q.type === 'boolean'
              ? { kind: 'confirm', step: w.label, title, prompt: `${q.text}${q.required ? ' *' : ''}` }
              : { kind: 'text', step: w.label, title, prompt: `${q.text}${q.required ? ' *' : ''}` };
      const skip = Symbol('skip');
      const r = await askUntilValid(
        host,
        question,
        ctx.signal,
        (a) => {
          if (a === '') return q.required ? { ok: false, error: `'${q.id}' needs an answer` } : { ok: true, value: skip };
          return checkResponse(q, a);
        },
        MAX_FORM_RETRIES,
        w,
      );
      if (r.value !== skip) responses[q.id] = r.value;
    }
    return finish(responses, 'user');
  });
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

function runner(tool: string, impl: (p: Record<string, unknown>, ctx: ToolContext) => Promise<ToolOutcome>) {
  return async (action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> => {
    if (action !== 'execute') throw new ToolError(`${tool} has no action '${action}' (it has: execute)`, 'ValueError');
    return impl(p, ctx);
  };
}

export const userPromptTool: ToolDefinition = { spec: userPromptSpec, run: runner('user-prompt', userPrompt) };
export const approvalGateTool: ToolDefinition = { spec: approvalGateSpec, run: runner('approval-gate', approvalGate) };
export const feedbackCollectionTool: ToolDefinition = { spec: feedbackCollectionSpec, run: runner('feedback-collection', feedbackCollection) };
