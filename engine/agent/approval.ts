// `approve: true`: a call waits for a person, asked through the run's Interaction as the approval
// gate asks (the editor: a modal with Approve / Deny / Edit Arguments; `orc run`: the terminal, approve
// or deny). An answer given ahead (`-i STEP_ID=deny` or `=approve`) or `--yes` answers without asking;
// with no one to ask, the call is denied (and the model told so): an agent never runs an unapproved
// call. A person may approve it with arguments of their own (editedArguments.ts): checked against the
// tool's schema, and asked again with the reason when they do not fit, so an invalid call never runs.
import { isEditedApproval, type StepInteraction } from '../toolkit/interaction';
import { ToolError } from '../toolkit/runtime';
import type { Redactor } from '../toolkit/redact';
import { canonicalJson } from '../models/cassetteFile';
import { argumentsProblem, restoreRedacted } from './editedArguments';
import type { JsonSchema } from './schemas';

export interface Approval {
  approved: boolean;
  /** Why, in words: the model is told this when the call is denied. */
  reason: string;
  /** The arguments the person approved instead of the model's (secrets they left in place restored, the schema's check passed). */
  edited?: Record<string, unknown>;
}

const YES = new Set(['approve', 'approved', 'allow', 'yes', 'y', 'true', '1', 'a']);
const NO = new Set(['deny', 'denied', 'reject', 'rejected', 'no', 'n', 'false', '2', 'd']);

/** An answer given ahead or typed: approve, deny, or null when it is neither. */
export function approvalOf(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return null;
  const s = v.trim().toLowerCase();
  if (YES.has(s)) return true;
  if (NO.has(s) || s.startsWith('deny:') || s.startsWith('reject:')) return false;
  return null;
}

const MAX_SHOWN = 20_000;
/** Arguments longer than this (as pretty JSON) are approved or denied, not edited. */
const MAX_EDITED = 200_000;

/** The arguments as a person reads them: pretty JSON, secrets redacted, a very long one cut. */
export function shownArguments(args: unknown, redactor: Redactor): string {
  const text = redactor.text(JSON.stringify(args ?? {}, null, 2) ?? 'null');
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}\n… (${text.length - MAX_SHOWN} more characters)` : text;
}

const pretty = (v: unknown) => JSON.stringify(v ?? {}, null, 2) ?? 'null';

export async function askApproval(o: { interaction: StepInteraction | undefined; agent: string; tool: string; args: Record<string, unknown>; schema: JsonSchema | null; redactor: Redactor; signal: AbortSignal }): Promise<Approval> {
  const i = o.interaction;
  const ahead = i?.host.answerFor?.(i.stepId);
  if (ahead) {
    const yes = approvalOf(ahead.value);
    if (yes === null) throw new ToolError(`-i ${i!.stepId}=${String(ahead.value)}: an agent's tool call is answered with approve or deny`, 'ValueError');
    return yes ? { approved: true, reason: `approved ahead (-i ${i!.stepId}=${String(ahead.value)})` } : { approved: false, reason: `denied by the person running the pipeline (-i ${i!.stepId}=${String(ahead.value)})` };
  }
  if (i?.host.assumeYes) return { approved: true, reason: 'approved by --yes' };
  if (!i || !i.host.interactive) return { approved: false, reason: 'denied: it needs a person\'s approval and no one could be asked (answer it ahead with -i STEP_ID=approve, pass --yes, or run in a terminal)' };
  const editable = pretty(o.args).length <= MAX_EDITED;
  let error: string | undefined;
  // what the editor shows to edit: the model's arguments, then the person's own attempt that did not fit
  let draft = o.redactor.text(pretty(o.args));
  let tried: unknown[] = [o.args];
  for (;;) {
    const answer = await i.host.ask(
      {
        kind: 'choice',
        step: i.label,
        title: `Approve a call of ${o.tool}`,
        prompt: `Let agent '${o.agent}' call ${o.tool} with these arguments?`,
        detail: shownArguments(o.args, o.redactor),
        choices: ['approve', 'deny'],
        ...(editable ? { edit: { value: draft, schema: o.schema } } : {}),
        ...(error ? { error } : {}),
      },
      o.signal,
    );
    if (answer === null) return { approved: false, reason: 'denied: the person dismissed the question' };
    if (isEditedApproval(answer)) {
      if (!editable) {
        error = 'These arguments are too long to edit here: approve or deny them';
        continue;
      }
      const restored = restoreRedacted(answer.value, tried, o.redactor);
      const problem = 'error' in restored ? restored.error : argumentsProblem(restored.value, o.schema);
      if (problem) {
        error = `The edited arguments were not used: ${problem}`;
        draft = o.redactor.text(pretty(answer.value));
        if (!('error' in restored)) tried = [restored.value, o.args];
        continue;
      }
      const args = (restored as { value: Record<string, unknown> }).value;
      // the same arguments as the model's (Edit, then accepted unchanged) are a plain approval
      if (canonicalJson(args) === canonicalJson(o.args)) return { approved: true, reason: 'approved' };
      return { approved: true, reason: 'approved with edited arguments', edited: args };
    }
    const yes = approvalOf(answer);
    if (yes !== null) return yes ? { approved: true, reason: 'approved' } : { approved: false, reason: 'denied by the person running the pipeline' };
    error = `'${String(answer)}' is not approve or deny`;
  }
}
