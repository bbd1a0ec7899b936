// The feedback-collection tool (ContextLab's): a form of questions (rating, text, choice, yes/no)
// asked in turn, each answer checked and asked again when bad, recorded with who answered and when.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvePath } from './filesystem';
import { exclusive, type Answer, type Question } from '../toolkit/interaction';
import { ToolError, type ToolContext, type ToolOutcome } from '../toolkit/runtime';
import { type Checked, who, given, nobody, text, requireString, bool, yesNo, pick, choicesOf, askUntilValid } from './humanAnswers';

/** Bad answers to one feedback question asked again at most this many times. */
const MAX_FORM_RETRIES = 5;

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

export async function feedbackCollection(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
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
