// analyze(text) → the pipeline, its findings with exact ranges, symbols, references, templates,
// AUTO tags and plan. One pure function behind `orc validate`, every LSP feature and `orc run`.
import { repairUnderIndentedQuotes, ShiftedLineIndex } from '../parse/yamlRepair';
import { parseWithPlainAutoTags } from '../parse/autoTagRepair';
import { parseWhole, parseYaml, readBySections, type ParsedYaml } from '../parse/yamlDocument';
import type { Finding, Pipeline, Plan, ValuePath } from '../spec/types';
import { collectAutoTags, withAnswers } from './autoTags';
import { FindingSink } from './findingSink';
import { FINDING_CODES } from './codes';
import type { AutoTag, PipelineSymbol, StepReference, TemplateSite } from './model';
import { normalizePipeline } from './normalize';
import { stripContextlabKeys } from './contextlabCompat';
import { asContextlabFindings, isContextlabFile } from './contextlabDialect';
import { checkInlineDocuments } from './inlineDocuments';
import { checkSchema } from './schemaCheck';
import { checkModalities } from './modalityCheck';
import { checkPartPaths } from './partPathCheck';
import { checkAgents } from './agentCheck';
import { checkTriggers } from './triggerCheck';
import { checkMonitors } from './monitorCheck';
import { checkGuardsAndBudgets } from './guardCheck';
import { checkSteps, indexSteps, type StepIndexEntry } from './stepCheck';
import { pipelineSymbols } from './symbols';
import { checkTemplates } from './templateCheck';
import { StepMemoContext } from './stepMemo';
import { compareNames } from '../util/nameOrder';
import { stepIdAt } from '../spec/values';
import { catalogWith, type ToolSpec } from '../toolkit/toolSpecs';
import type { McpAnalysisInfo } from '../mcp/catalog';

export type { AutoTag, PipelineSymbol, StepReference, TemplateSite } from './model';

/** Documents larger than this are refused with one finding rather than analyzed. */
export const MAX_DOCUMENT_CHARS = 5_000_000;

export interface AnalyzeOptions {
  /** Tools besides the built-in ones (a host's, a benchmark's, the listed MCP tools as `mcp:<server>.<tool>`). */
  tools?: Record<string, ToolSpec>;
  /** The MCP servers the user's settings declare and whether each server's tools are listed (engine/run/mcpPrepare.ts). */
  mcp?: McpAnalysisInfo;
  /** Answers of AUTO tags, by `path\ntext` (engine/auto/resolve.ts): the pipeline is analyzed with them in place of their tags. */
  autoAnswers?: Map<string, unknown>;
  /**
   * The pipeline's own file, when the caller knows it (the CLI, the language server for a saved
   * document): the `pipeline: FILE` entries of agents' allow-lists are read beside it and must
   * compile. Without it they are not checked.
   */
  pipelineFile?: string;
  /** How deep inside inline documents (sub-pipelines written in a parameter) this text is. */
  inlineDepth?: number;
  /**
   * Names of the inputs the step running this inline sub-pipeline passes it (`inputs:` of a
   * `pipeline-executor` step). As in ContextLab, an inline sub-pipeline takes what it is passed:
   * each name it does not declare is a parameter of it, optional, of any type.
   */
  passedInputs?: string[];
  /**
   * Whether this analysis keeps what it found in each top-level step of a long document, for the
   * analysis of an edited version to reuse (default true). Keeping it is about a seventh of a long
   * document's first analysis (45 of 330 ms at 5,000 steps) and pays off only when an edit
   * follows: the language server leaves it off for a document's open and keeps them in a second
   * analysis once the open's diagnostics are out (server/documents.ts, `AnalysisCache.prime`).
   */
  keepStepResults?: boolean;
  /**
   * The document this text is a version of (the language server passes its URI): the sections its
   * parse keeps are kept for the next parse of the same document, whatever other documents are
   * parsed between (engine/parse/sectionCache.ts). Other callers share one.
   */
  sectionOwner?: string;
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

/**
 * Unquoted `<AUTO>` tags holding `: ` are read as ContextLab reads them (one string each). And YAML 1.2
 * refuses a multi-line quoted scalar whose closing lines sit no deeper than its key, which
 * PyYAML (and so ContextLab) reads: such a document is read repaired when the repair leaves no YAML
 * error, and each scalar is a warning whose quick fix indents its lines in the file.
 */
function readAsContextlabDoes(text: string, parsed: ParsedYaml): { parsed: ParsedYaml; findings: Finding[] } {
  // an unquoted `<AUTO>` value holding `: ` or ` #`: ContextLab reads its tags before the YAML, so the
  // value is the tag, where YAML reads an error or a mapping (autoTagRepair.ts)
  const autoTags = parseWithPlainAutoTags(text, parsed);
  if (autoTags) return { parsed: autoTags, findings: [] };
  if (!parsed.findings.some((f) => f.code === 'yaml.syntax')) return { parsed, findings: [] };
  const repair = repairUnderIndentedQuotes(text);
  if (!repair) return { parsed, findings: [] };
  const fixed = parseWhole(repair.text, new ShiftedLineIndex(repair.text, repair.shifts));
  if (fixed.findings.some((f) => f.severity === 'error')) return { parsed, findings: [] };
  const findings = repair.scalars.map((lines): Finding => {
    const first = lines[0];
    const shown = fixed.lines.lineText(first);
    const indent = shown.length - shown.trimStart().length;
    return {
      code: 'yaml.under-indented-quote',
      severity: FINDING_CODES['yaml.under-indented-quote'].severity,
      message: `This line of a quoted value is indented no deeper than its key: YAML 1.2 reads it as the end of the value, PyYAML (ContextLab) reads it as part of it, and so does this analysis. Indent ${lines.length === 1 ? 'it' : `its ${lines.length} lines`} past the key.`,
      range: { start: { line: first, character: indent }, end: { line: first, character: shown.length } },
      step: null,
      path: '',
      suggestions: [],
      fixes: [{ title: 'Indent the quoted value past its key', edits: lines.map((l) => ({ range: { start: { line: l, character: 0 }, end: { line: l, character: 0 } }, newText: ' '.repeat(repair.shifts.get(l)!) })) }],
    };
  });
  return { parsed: fixed, findings };
}

function byPosition(a: Finding, b: Finding): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || compareNames(a.code, b.code);
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
  const repaired = readAsContextlabDoes(text, parseYaml(text, options.sectionOwner));
  const parsed = repaired.parsed;
  const sink = new FindingSink(parsed);
  sink.findings.push(...parsed.findings, ...repaired.findings);
  const value = parsed.value;
  const stepIdAtPath = (path: ValuePath) => stepIdAt(value, path);
  const references: StepReference[] = [];
  let pipeline: Pipeline | null = null;
  let symbols: (() => PipelineSymbol[]) | null = null;
  let templates: TemplateSite[] = [];
  let autoTags: AutoTag[] = [];
  let plan: Plan | null = null;
  let bodyPlans: Record<string, Plan> = {};
  let stepIndex = new Map<string, StepIndexEntry>();
  const inlineFindings = new Set<Finding>();

  if (value !== undefined) {
    // steps whose text and context are unchanged since an earlier analysis are not checked again
    const keeps = options.keepStepResults !== false && readBySections(parsed);
    autoTags = collectAutoTags(value, sink, stepIdAtPath, keeps);
    // the pipeline as it runs: resolved tags replaced by their answers (ranges stay the tags')
    const answered = options.autoAnswers?.size ? withAnswers(value, options.autoAnswers) : value;
    // ContextLab's ignored keys: reported, then left out of what is checked and run
    const effective = stripContextlabKeys(answered, sink);
    checkSchema(effective, sink, stepIdAtPath, keeps);
    pipeline = normalizePipeline(effective, sink, keeps);
    if (pipeline && options.passedInputs?.length) withPassedInputs(pipeline, options.passedInputs);
    if (pipeline) {
      const catalog = catalogWith(options.tools);
      const memo = keeps ? new StepMemoContext(parsed, pipeline, catalog, options.mcp) : undefined;
      stepIndex = indexSteps(pipeline, sink, references, memo);
      const t = checkTemplates(pipeline, sink, stepIndex, catalog, memo);
      templates = t.sites;
      references.push(...t.references);
      const s = checkSteps(pipeline, sink, stepIndex, t, references, catalog, options.mcp, memo);
      // another pipeline named by an agent's allow-list compiles as `orc run` compiles it
      checkTriggers(effective, pipeline, sink);
      checkMonitors(effective, sink);
      checkGuardsAndBudgets(pipeline, sink, { pipelineFile: options.pipelineFile, compile: (other) => analyze(other).findings });
      checkModalities(pipeline, sink);
      checkPartPaths(pipeline, sink);
      checkAgents(pipeline, sink, { catalog, mcp: options.mcp, pipelineFile: options.pipelineFile, compile: (other) => analyze(other).findings });
      const beforeInline = sink.findings.length;
      checkInlineDocuments(pipeline, sink, catalog, (inner, depth, passed) => analyze(inner, { ...options, autoAnswers: undefined, inlineDepth: depth, passedInputs: passed, sectionOwner: undefined }).findings, options.inlineDepth ?? 0);
      // an inline pipeline's findings were read as ContextLab's (or not) by its own analysis
      for (let i = beforeInline; i < sink.findings.length; i++) inlineFindings.add(sink.findings[i]);
      plan = s.plan;
      bodyPlans = s.bodyPlans;
      const p = pipeline;
      symbols = () => pipelineSymbols(parsed, p, memo);
    }
  }
  let findings = withoutRestatements(sink.findings).sort(byPosition);
  // a ContextLab file: what ContextLab accepts is a warning saying what happens here (contextlabDialect.ts)
  if (pipeline && isContextlabFile(options.pipelineFile)) findings = asContextlabFindings(findings, parsed, catalogWith(options.tools), inlineFindings);
  // the text the offsets of `parsed` count in (the repaired text, when the YAML was repaired)
  const analysis: Analysis = { text: parsed.text, parsed, pipeline, findings, symbols: [], references, templates, autoTags, plan, bodyPlans, stepIndex };
  return symbols ? withLazySymbols(analysis, symbols) : analysis;
}

/** Declares the inputs an inline sub-pipeline is passed and does not declare itself (see `passedInputs`). */
function withPassedInputs(pipeline: Pipeline, names: string[]): void {
  const declared = new Set(pipeline.parameters.map((p) => p.name));
  for (const name of names) {
    if (declared.has(name)) continue;
    declared.add(name);
    pipeline.parameters.push({ name, type: null, description: 'passed by the step that runs this sub-pipeline', required: false, default: undefined, hasDefault: false, enum: null, source: 'inputs' });
  }
}

/** The outline is made when first read (the outline, the graph), not before the diagnostics it
 * takes no part in: on a 2,000-step document it is 16,000 objects the open need not wait for. */
function withLazySymbols(analysis: Analysis, make: () => PipelineSymbol[]): Analysis {
  let symbols: PipelineSymbol[] | null = null;
  return Object.defineProperty(analysis, 'symbols', {
    enumerable: true,
    configurable: true,
    get: () => (symbols ??= make()),
    set: (v: PipelineSymbol[]) => (symbols = v),
  });
}

/** Once the YAML parser reported a syntax error it had to guess the structure, so findings about that
 * structure (unknown keys, wrong shapes, missing actions, list keys) only restate the syntax error. */
const RESTATING = /^(schema\.(unknown-key|type|required)|step\.missing-|yaml\.complex-key$)/;
function withoutRestatements(findings: Finding[]): Finding[] {
  if (!findings.some((f) => f.code === 'yaml.syntax')) return findings;
  return findings.filter((f) => !RESTATING.test(f.code));
}
