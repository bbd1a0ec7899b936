// The human-in-the-loop tools (ContextLab's user-prompt, approval-gate, feedback-collection). They
// ask through the host's Interaction (the terminal, the editor); with no one to ask they take an
// answer given ahead (`-i STEP_ID=VALUE`), a `default`, or `--yes`, else refuse with a
// ConfigurationError that says how to answer.
import { createHash } from 'node:crypto';
import { approvalGateSpec, feedbackCollectionSpec, userPromptSpec } from '../toolkit/specs/humanInTheLoop';
import { exclusive, type Answer, type Question, type Interaction } from '../toolkit/interaction';
import { ToolError, type ToolContext, type ToolDefinition, type ToolOutcome, untilAborted } from '../toolkit/runtime';
import { type Checked, who, given, nobody, text, requireString, bool, yesNo, pick, choicesOf, askUntilValid, runner } from './humanAnswers';
import { feedbackCollection } from './feedbackCollection';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvePath } from './filesystem';
import { linearRegExp, type LinearRegExp } from '../template/linearRegex';
import { setLongTimeout } from '../util/longTimer';

/** Content longer than this is cut when shown (the whole of it is still hashed and returned). */
const MAX_SHOWN = 20_000;

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

export const userPromptTool: ToolDefinition = { spec: userPromptSpec, run: runner('user-prompt', userPrompt) };
export const approvalGateTool: ToolDefinition = { spec: approvalGateSpec, run: runner('approval-gate', approvalGate) };
export const feedbackCollectionTool: ToolDefinition = { spec: feedbackCollectionSpec, run: runner('feedback-collection', feedbackCollection) };
