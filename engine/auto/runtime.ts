// Run-time AUTO tags: a tag whose question names step results is resolved when its step runs, with
// the question rendered against those results. The answers (always text here: run-time tags stand in
// step parameters) replace the tags in the step's inputs and are recorded in the step's result.
import { findAutoTags, isAutoTag, wantsShellCode } from '../analyze/autoTags';
import { findStep, isShellParameter, spliceQuoted } from '../analyze/shellQuote';
import type { ModelRunner } from '../models/modelRunner';
import { forStep } from '../models/cassette';
import type { Pipeline } from '../spec/types';
import { resolveQuestion } from './resolve';

export interface RuntimeAnswer {
  /** Where in the step's parameters, dotted. */
  path: string;
  question: string;
  value: unknown;
  model: string;
}

export function hasAutoTags(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('<AUTO');
  if (Array.isArray(v)) return v.some(hasAutoTags);
  if (v && typeof v === 'object') return Object.values(v).some(hasAutoTags);
  return false;
}

const NO_CONTEXT = { models: [], steps: [], tools: [], actions: [] };

export interface RuntimeResolution {
  params: Record<string, unknown>;
  answers: RuntimeAnswer[];
  cost_usd: number;
  tokens_in: number;
  tokens_out: number;
}

/** Replaces the AUTO tags in a step's rendered parameters by the orchestrator model's answers. */
export async function resolveRuntimeTags(params: Record<string, unknown>, o: { models: ModelRunner; model: string | null; pipeline: Pipeline; step: string; signal: AbortSignal }): Promise<RuntimeResolution> {
  const out: RuntimeResolution = { params, answers: [], cost_usd: 0, tokens_in: 0, tokens_out: 0 };
  const ask = async (question: string, path: string): Promise<string> => {
    if (!o.model) throw new Error(`the AUTO tag at ${path} needs a model to answer it: set 'orchestrator: provider:model' (or ORC_ORCHESTRATOR_MODEL)`);
    const p = o.pipeline;
    const prompt = [`Pipeline '${p.id}'${p.name ? ` (${p.name})` : ''}${p.description ? `: ${p.description}` : ''}.`, `The placeholder stands at ${path} of step '${o.step}', which is about to run.`, `Question: ${question}`, 'The answer must be a string.'].join('\n');
    const r = await resolveQuestion(prompt, { kind: 'string' }, { models: forStep(o.models, o.step), model: o.model, context: NO_CONTEXT, signal: o.signal });
    out.cost_usd += r.cost_usd;
    out.tokens_in += r.tokens_in;
    out.tokens_out += r.tokens_out;
    if (!r.ok) throw new Error(`the AUTO tag at ${path} could not be resolved by ${o.model}: ${r.error}`);
    out.answers.push({ path, question, value: r.value, model: o.model });
    return String(r.value);
  };
  const tool = findStep(o.pipeline.steps, o.step)?.tool ?? null;
  const text = async (s: string, path: string, shell = false): Promise<string> => {
    const found = findAutoTags(s);
    if (!Array.isArray(found) || !found.length) return s;
    const outer = found.filter((t) => !found.some((x) => x !== t && x.start <= t.start && x.end >= t.end));
    const spans: { start: number; end: number; answer: string; raw: boolean }[] = [];
    for (const t of outer) {
      // a tag inside the question is answered first
      const question = (await text(s.slice(t.contentStart, t.contentEnd), path)).trim();
      spans.push({ start: t.start, end: t.end, answer: await ask(question, path), raw: !shell || wantsShellCode(t.attrs) });
    }
    // in a shell command an answer is one quoted word (see shellQuote.ts)
    const result = spliceQuoted(s, spans);
    return isAutoTag(s) ? result.trim() : result;
  };
  const walk = async (v: unknown, path: string): Promise<unknown> => {
    if (typeof v === 'string') return v.includes('<AUTO') ? text(v, path, path === 'parameters.command' && isShellParameter(tool, 'command')) : v;
    if (Array.isArray(v)) return Promise.all(v.map((x, i) => walk(x, `${path}[${i}]`)));
    if (v && typeof v === 'object') {
      const r: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) Object.defineProperty(r, k, { value: await walk(x, `${path}.${k}`), enumerable: true, writable: true, configurable: true });
      return r;
    }
    return v;
  };
  out.params = (await walk(params, 'parameters')) as Record<string, unknown>;
  return out;
}
