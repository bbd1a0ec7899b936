// analyze(text) → the pipeline, its findings with exact ranges, symbols, references, templates,
// AUTO tags and plan. One pure function behind `orc validate`, every LSP feature and `orc run`.
import { parseYaml, type ParsedYaml } from '../parse/yamlDocument';
import type { Finding, Pipeline, Plan, ValuePath } from '../spec/types';
import { collectAutoTags, withAnswers } from './autoTags';
import { FindingSink } from './findingSink';
import type { AutoTag, PipelineSymbol, StepReference, TemplateSite } from './model';
import { normalizePipeline, parametersKey } from './normalize';
import { checkSchema } from './schemaCheck';
import { checkSteps, indexSteps, type StepIndexEntry } from './stepCheck';
import { pipelineSymbols } from './symbols';
import { checkTemplates } from './templateCheck';
import { stepIdAt } from '../spec/values';
import { catalogWith, type ToolSpec } from '../tools/specs';

export type { AutoTag, PipelineSymbol, StepReference, TemplateSite } from './model';

/** Documents larger than this are refused with one finding rather than analyzed. */
export const MAX_DOCUMENT_CHARS = 5_000_000;

export interface AnalyzeOptions {
  /** Tools besides the built-in ones (a host's, a benchmark's). */
  tools?: Record<string, ToolSpec>;
  /** Answers of AUTO tags, by `path\ntext` (engine/auto/resolve.ts): the pipeline is analyzed with them in place of their tags. */
  autoAnswers?: Map<string, unknown>;
}

export interface Analysis {
  text: string;
  parsed: ParsedYaml;
  /** The normalized pipeline; null when the document is not a mapping at all. */
  pipeline: Pipeline | null;
  /** Sorted by position. */
  findings: Finding[];
  symbols: PipelineSymbol[];
  references: StepReference[];
  templates: TemplateSite[];
  autoTags: AutoTag[];
  /** The plan of the top-level steps; null when there is no pipeline. */
  plan: Plan | null;
  /** Plans of loop bodies, by loop step id. */
  bodyPlans: Record<string, Plan>;
  /** Every step by id, with the list it is in. */
  stepIndex: Map<string, StepIndexEntry>;
}

export function hasErrors(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

function byPosition(a: Finding, b: Finding): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code);
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  if (text.length > MAX_DOCUMENT_CHARS) {
    const parsed = parseYaml('');
    const finding: Finding = {
      code: 'document.too-large',
      severity: 'error',
      message: `The document has ${text.length} characters; pipelines over ${MAX_DOCUMENT_CHARS} are not analyzed.`,
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      step: null,
      path: '',
      suggestions: [],
    };
    return { text, parsed, pipeline: null, findings: [finding], symbols: [], references: [], templates: [], autoTags: [], plan: null, bodyPlans: {}, stepIndex: new Map() };
  }
  const parsed = parseYaml(text);
  const sink = new FindingSink(parsed);
  sink.findings.push(...parsed.findings);
  const value = parsed.value;
  const stepIdAtPath = (path: ValuePath) => stepIdAt(value, path);
  const references: StepReference[] = [];
  let pipeline: Pipeline | null = null;
  let symbols: PipelineSymbol[] = [];
  let templates: TemplateSite[] = [];
  let autoTags: AutoTag[] = [];
  let plan: Plan | null = null;
  let bodyPlans: Record<string, Plan> = {};
  let stepIndex = new Map<string, StepIndexEntry>();

  if (value !== undefined) {
    autoTags = collectAutoTags(value, sink, stepIdAtPath);
    // the pipeline as it runs: resolved tags replaced by their answers (ranges stay the tags')
    const effective = options.autoAnswers?.size ? withAnswers(value, options.autoAnswers) : value;
    checkSchema(effective, sink, stepIdAtPath);
    pipeline = normalizePipeline(effective, sink);
    if (pipeline) {
      const pkey = parametersKey(effective);
      stepIndex = indexSteps(pipeline, sink, references);
      const catalog = catalogWith(options.tools);
      const t = checkTemplates(pipeline, sink, stepIndex, catalog);
      templates = t.sites;
      references.push(...t.references);
      const s = checkSteps(pipeline, sink, stepIndex, t, references, pkey, catalog);
      plan = s.plan;
      bodyPlans = s.bodyPlans;
      symbols = pipelineSymbols(parsed, pipeline, pkey);
    }
  }
  const findings = withoutRestatements(sink.findings).sort(byPosition);
  return { text, parsed, pipeline, findings, symbols, references, templates, autoTags, plan, bodyPlans, stepIndex };
}

/** Once the YAML parser reported a syntax error it had to guess the structure, so findings about that
 * structure (unknown keys, wrong shapes, missing actions, list keys) only restate the syntax error. */
const RESTATING = /^(schema\.(unknown-key|type|required)|step\.missing-|yaml\.complex-key$)/;
function withoutRestatements(findings: Finding[]): Finding[] {
  if (!findings.some((f) => f.code === 'yaml.syntax')) return findings;
  return findings.filter((f) => !RESTATING.test(f.code));
}
