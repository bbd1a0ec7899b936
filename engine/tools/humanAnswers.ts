// What the human-in-the-loop tools share: who is asked (the host, an answer given ahead, or nobody),
// reading answers (text, yes/no, a choice), asking again until an answer is valid, and the tool runner.
import { isEditedApproval, type Answer, type Interaction, type Question } from '../toolkit/interaction';
import { ToolError, untilAborted, type ToolContext, type ToolOutcome } from '../toolkit/runtime';

export type Checked = { ok: true; value: unknown } | { ok: false; error: string };

export interface Who {
  host: Interaction | null;
  step: string;
  label: string;
}

export function who(ctx: ToolContext, tool: string): Who {
  const i = ctx.interaction;
  return i ? { host: i.host, step: i.stepId, label: i.label } : { host: null, step: tool, label: tool };
}

export function given(w: Who): { value: unknown } | undefined {
  return w.host?.answerFor?.(w.step);
}

export function nobody(w: Who, tool: string, how: string): ToolError {
  return new ToolError(`Step '${w.label}' (${tool}) needs an answer from a person, but no one can answer: the run is not interactive (no terminal, or --json). ${how}`, 'ConfigurationError');
}

export function dismissed(w: Who): ToolError {
  return new ToolError(`Step '${w.label}': the question was dismissed without an answer`, 'ValueError');
}

export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v, null, 2) : String(v);
}

export function requireString(p: Record<string, unknown>, name: string, tool: string): string {
  const v = p[name];
  if (typeof v !== 'string' || !v.trim()) throw new ToolError(`${tool} needs '${name}' (text)`, 'ValueError');
  return v;
}

export function bool(v: unknown, dflt: boolean): boolean {
  return typeof v === 'boolean' ? v : dflt;
}

export function yesNo(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (['yes', 'y', 'true', '1'].includes(s)) return true;
  if (['no', 'n', 'false', '0'].includes(s)) return false;
  return undefined;
}

/** One of `choices`: the choice itself, or its number (1 = the first). */
export function pick(v: unknown, choices: string[]): string | undefined {
  const s = text(v).trim();
  if (choices.includes(s)) return s;
  const n = Number(s);
  if (s && Number.isInteger(n) && n >= 1 && n <= choices.length) return choices[n - 1];
  return undefined;
}

/** `choices` as written: a list, or text holding a JSON list or comma-separated values (a rendered template). */
export function choicesOf(v: unknown): string[] | null {
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
export async function askUntilValid(host: Interaction, q: Question, signal: AbortSignal, check: (a: string | boolean) => Checked, retries: number, w: Who): Promise<{ value: unknown; retries: number }> {
  let error: string | undefined;
  for (let n = 0; ; n++) {
    const answer: Answer = await untilAborted(host.ask({ ...q, error }, signal), signal);
    if (answer === null) throw dismissed(w);
    // edited arguments answer only an agent's approval (a question with `edit`), never these tools' questions
    const c = isEditedApproval(answer) ? { ok: false as const, error: 'this question takes no edited arguments' } : check(answer);
    if (c.ok) return { value: c.value, retries: n };
    if (n >= retries) throw new ToolError(`Step '${w.label}': ${c.error}${n ? ` (asked ${n + 1} times)` : ''}`, 'ValueError');
    error = c.error;
  }
}

export function runner(tool: string, impl: (p: Record<string, unknown>, ctx: ToolContext) => Promise<ToolOutcome>) {
  return async (action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> => {
    if (action !== 'execute') throw new ToolError(`${tool} has no action '${action}' (it has: execute)`, 'ValueError');
    return impl(p, ctx);
  };
}
