// Genesis: a pipeline written from a description. The model is given the pipeline schema and the
// tool registry (not a hand-written grammar), its YAML is analyzed like any other, and the findings
// go back for up to three repairs. Only a pipeline with no errors is accepted.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, type Analysis } from '../analyze/index';
import type { ModelRunner } from '../models/modelRunner';
import type { Finding } from '../spec/types';
import { BUILTIN_ACTIONS, TOOL_SPECS, type ActionSpec } from '../toolkit/toolSpecs';

export const MAX_REPAIRS = 3;

/** The schema file: beside this module in the source tree, beside the bundle in dist/. */
function schemaText(): string {
  for (const f of [path.join(__dirname, '..', 'spec', 'pipeline.schema.json'), path.join(__dirname, 'pipeline.schema.json')]) {
    try {
      return JSON.stringify(JSON.parse(readFileSync(f, 'utf8')));
    } catch {
      // the other place
    }
  }
  throw new Error('pipeline.schema.json is missing from this installation');
}

function actionLine(name: string, a: ActionSpec): string {
  const params = Object.entries(a.parameters)
    .map(([p, s]) => `${p}${s.required ? '' : '?'}: ${Array.isArray(s.type) ? s.type.join('|') : s.type}`)
    .join(', ');
  return `${name}(${params})${a.result ? ` → result {${Object.keys(a.result).join(', ')}}` : ''} — ${a.description}`;
}

/** The tools and model actions a pipeline may use, one line each. */
export function toolRegistryText(): string {
  const lines: string[] = ['Tools (step `tool:` and `action:`):'];
  for (const t of Object.values(TOOL_SPECS)) {
    lines.push(`- ${t.name}: ${t.description}`);
    for (const [n, a] of Object.entries(t.actions)) lines.push(`  - ${actionLine(n, a)}`);
  }
  lines.push('Model actions (step `action:` with no tool; `model: provider:name`):');
  for (const [n, a] of Object.entries(BUILTIN_ACTIONS)) lines.push(`- ${actionLine(n, a)}`);
  return lines.join('\n');
}

const ANSWER_SCHEMA = { type: 'object', properties: { yaml: { type: 'string' } }, required: ['yaml'], additionalProperties: false };

function findingLines(findings: Finding[]): string {
  return findings.map((f) => `line ${f.range.start.line + 1}, column ${f.range.start.character + 1}: ${f.code}: ${f.message}`).join('\n');
}

export interface GenesisResult {
  ok: boolean;
  /** The last YAML the model wrote. */
  yaml: string;
  analysis: Analysis | null;
  /** Errors of the last attempt (empty when ok). */
  errors: Finding[];
  /** Answers asked for: the first and each repair. */
  attempts: number;
  calls: number;
}

export async function writePipeline(description: string, o: { models: ModelRunner; model: string; models_available: string[]; signal?: AbortSignal; maxRepairs?: number }): Promise<GenesisResult> {
  const base = [
    `Write a pipeline for: ${description}`,
    'The pipeline is YAML that must validate against this JSON Schema:',
    schemaText(),
    toolRegistryText(),
    `Models (provider:name): ${o.models_available.join(', ')}`,
    'Templates are Jinja-like: {{ step_id.result.field }}, {{ parameter }}; a step that uses another step\'s result lists it in dependencies. Give every step an id and a short name.',
    'Answer with JSON {"yaml": "<the whole pipeline>"}.',
  ].join('\n\n');
  let prompt = base;
  let calls = 0;
  let last: GenesisResult = { ok: false, yaml: '', analysis: null, errors: [], attempts: 0, calls: 0 };
  const repairs = o.maxRepairs ?? MAX_REPAIRS;
  for (let attempt = 1; attempt <= repairs + 1; attempt++) {
    const r = await o.models.run({ model: o.model, action: 'generate_structured', params: { prompt, stream: false }, system: 'You write pipelines for Orchestrator, a runner of LLM and tool steps defined in YAML.', schema: ANSWER_SCHEMA, signal: o.signal ?? new AbortController().signal, onText: () => undefined, onCall: () => void calls++ });
    const yaml = String((r.value as { yaml?: unknown }).yaml ?? '');
    const a = analyze(yaml);
    const errors = a.findings.filter((f) => f.severity === 'error');
    if (!a.pipeline) errors.push({ code: 'document.not-a-pipeline', severity: 'error', message: 'The answer is not a pipeline mapping with steps.', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, step: null, path: '', suggestions: [] });
    last = { ok: errors.length === 0, yaml, analysis: a, errors, attempts: attempt, calls };
    if (last.ok) return last;
    prompt = `${base}\n\nYour previous pipeline:\n${yaml}\n\nIt does not compile:\n${findingLines(errors)}\n\nFix every one of these and answer with the whole corrected pipeline.`;
  }
  return last;
}
