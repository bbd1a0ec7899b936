// Intention and architecture: what a pipeline is for and how its steps achieve it, written by the
// orchestrator model as structured output, then checked: a second structured pass compares them
// with the steps and reports contradictions (a step the summaries never account for, an intention
// no step can deliver) as findings on the steps' ranges. Cached by the document's content hash.
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Analysis, PipelineSymbol } from '../analyze/index';
import type { ModelRunner } from '../models/modelRunner';
import type { Finding, Range, Step } from '../spec/types';
import { makeStateDir } from '../toolkit/stateDir';
import { readStateFile } from '../util/boundedRead';

export interface Explanation {
  intention: string;
  architecture: string;
  /** Contradictions between the summaries and the steps. */
  findings: Finding[];
  model: string;
  /** sha256 of the document the explanation is of. */
  document_sha256: string;
}

export interface Contradiction {
  step: string | null;
  kind: 'unaccounted-step' | 'undeliverable-intention' | 'other';
  message: string;
}

const SUMMARY_SCHEMA = {
  type: 'object',
  properties: { intention: { type: 'string' }, architecture: { type: 'string' } },
  required: ['intention', 'architecture'],
  additionalProperties: false,
};

const CHECK_SCHEMA = {
  type: 'object',
  properties: {
    contradictions: {
      type: 'array',
      items: {
        type: 'object',
        properties: { step: { type: ['string', 'null'] }, kind: { type: 'string', enum: ['unaccounted-step', 'undeliverable-intention', 'other'] }, message: { type: 'string' } },
        required: ['step', 'kind', 'message'],
        additionalProperties: false,
      },
    },
  },
  required: ['contradictions'],
  additionalProperties: false,
};

/** The steps as the model sees them: id, what runs, dependencies, loops, description. */
export function describeSteps(steps: Step[], indent = ''): string {
  const lines: string[] = [];
  for (const s of steps) {
    const what = s.loop ? `loop (${s.loop.kind})` : s.tool ? `${s.tool}.${s.action}` : `${s.action}${s.model ? ` on ${s.model}` : ''}`;
    const deps = s.dependencies.length ? `, after ${s.dependencies.join(', ')}` : '';
    lines.push(`${indent}- ${s.id}: ${what}${deps}${s.name ? ` — ${s.name}` : ''}${s.description ? ` — ${s.description}` : ''}`);
    if (s.body) lines.push(describeSteps(s.body, `${indent}  `));
  }
  return lines.join('\n');
}

function allSteps(steps: Step[]): Step[] {
  return steps.flatMap((s) => [s, ...(s.body ? allSteps(s.body) : [])]);
}

function symbolRange(symbols: PipelineSymbol[], id: string): Range | null {
  for (const s of symbols) {
    if ((s.kind === 'step' || s.kind === 'loop') && s.name === id) return s.selectionRange;
    const inner = symbolRange(s.children, id);
    if (inner) return inner;
  }
  return null;
}

/** Where a finding about the whole pipeline goes: its `name:` (or `id:`) line. */
function pipelineRange(a: Analysis): Range {
  const lines = a.text.split('\n');
  const at = lines.findIndex((l) => /^name\s*:/.test(l));
  const line = at >= 0 ? at : Math.max(0, lines.findIndex((l) => /^id\s*:/.test(l)));
  return { start: { line, character: 0 }, end: { line, character: lines[line]?.length ?? 0 } };
}

export function explanationFindings(a: Analysis, items: Contradiction[]): Finding[] {
  const ids = new Set(allSteps(a.pipeline!.steps).map((s) => s.id));
  const out: Finding[] = [];
  for (const c of items) {
    const step = c.step && ids.has(c.step) ? c.step : null;
    const range = (step && symbolRange(a.symbols, step)) || pipelineRange(a);
    out.push({ code: c.kind === 'unaccounted-step' ? 'explain.unaccounted-step' : c.kind === 'undeliverable-intention' ? 'explain.undeliverable-intention' : 'explain.contradiction', severity: 'warning', message: c.message, range, step, path: step ? '' : 'name', suggestions: [] });
  }
  return out.sort((x, y) => x.range.start.line - y.range.start.line);
}

export function cacheFile(stateRoot: string, sha: string, model: string): string {
  return path.join(stateRoot, '.orchestrator', 'explain', `${sha.slice(0, 32)}-${model.replace(/[^\w.-]+/g, '_')}.json`);
}

/** The cached explanation of exactly this text by this model, if any (no call). */
export function readCachedExplanation(stateRoot: string, text: string, model: string): Explanation | null {
  const sha = createHash('sha256').update(text).digest('hex');
  const file = cacheFile(stateRoot, sha, model);
  if (!existsSync(file)) return null;
  try {
    const hit = JSON.parse(readStateFile(file, 4 * 1024 * 1024)) as Explanation;
    return hit.document_sha256 === sha && hit.model === model ? hit : null;
  } catch {
    return null;
  }
}

/** Explains a pipeline that compiles: from the cache when this document was explained by this model before, else two calls. */
export async function explain(a: Analysis, o: { models: ModelRunner; model: string; stateRoot: string; signal?: AbortSignal; refresh?: boolean }): Promise<{ explanation: Explanation; cached: boolean; calls: number }> {
  const sha = createHash('sha256').update(a.text).digest('hex');
  const file = cacheFile(o.stateRoot, sha, o.model);
  // a torn or missing cache entry is asked again
  const hit = o.refresh ? null : readCachedExplanation(o.stateRoot, a.text, o.model);
  if (hit) return { explanation: hit, cached: true, calls: 0 };
  const p = a.pipeline!;
  let calls = 0;
  const ask = async (prompt: string, schema: Record<string, unknown>) => {
    const r = await o.models.run({ model: o.model, action: 'generate_structured', params: { prompt, stream: false }, system: 'You read pipelines of LLM and tool steps written in YAML, and answer only with JSON of the asked shape.', schema, signal: o.signal ?? new AbortController().signal, onText: () => undefined, onCall: () => void calls++ });
    return r.value as Record<string, unknown>;
  };
  const about = `Pipeline '${p.id}'${p.name ? ` (${p.name})` : ''}${p.description ? `: ${p.description}` : ''}.\nSteps:\n${describeSteps(p.steps)}`;
  const summary = (await ask(`${about}\n\nWrite two short paragraphs: "intention", what this pipeline is for; "architecture", how its steps achieve that, naming the steps.`, SUMMARY_SCHEMA)) as { intention: string; architecture: string };
  const check = (await ask(
    `${about}\n\nIntention: ${summary.intention}\nArchitecture: ${summary.architecture}\n\nList every contradiction between these summaries and the steps: a step the summaries never account for (kind "unaccounted-step", with its id), an intention the steps cannot deliver (kind "undeliverable-intention", e.g. it says the report is emailed and no step sends anything; step null unless one step is to blame), anything else (kind "other"). An empty list when there are none.`,
    CHECK_SCHEMA,
  )) as { contradictions: Contradiction[] };
  const explanation: Explanation = { intention: summary.intention, architecture: summary.architecture, findings: explanationFindings(a, check.contradictions), model: o.model, document_sha256: sha };
  makeStateDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(explanation, null, 2)}\n`);
  renameSync(tmp, file);
  return { explanation, cached: false, calls };
}
