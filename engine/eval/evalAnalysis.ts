// analyzeEval(text, file) → the eval spec and its findings, each on the exact characters it is
// about: the shape of the file (evalFile.ts), then what it says about its pipeline — the pipeline
// compiles, every output and step named exists, every required parameter gets a value, every
// column is used, every template names what an assertion can see. Pure but for reading the
// pipeline file and a dataset file's first record; the language server can publish the findings as they are.
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, hasErrors, type Analysis } from '../analyze/index';
import { parseYaml, stringOffsets } from '../parse/yamlDocument';
import { offsetAt } from '../parse/scalarOffsets';
import { hasTemplateSyntax, TemplateSyntaxError } from '../template/index';
import { referencesOf } from '../template/references';
import { didYouMean, suggest } from '../analyze/suggest';
import type { Finding, Pipeline, ValuePath } from '../spec/types';
import { withoutBom } from '../util/text';
import { firstRecord, MAX_RECORD_BYTES } from './dataset';
import { checkGuardAssertion, GUARD_ASSERTION_KINDS } from './guardAssertions';
import { CASE_RESERVED, EvalSink, readEvalSpec, RUN_KINDS, TRAJECTORY_KINDS, type EvalAssertion, type EvalSpec } from './evalFile';
import { checkTrajectory } from './trajectoryCheck';
import { compareNames } from '../util/nameOrder';

/** The names an assertion's template sees. */
export const ASSERTION_SCOPE = ['case', 'outputs', 'steps', 'value', 'run'];

export interface EvalAnalysis {
  /** The eval, when it has what an eval needs (it may still have errors: see findings). */
  eval: EvalSpec | null;
  /** Sorted by position. */
  findings: Finding[];
  /** The pipeline's analysis, when its file could be read. */
  pipeline: Analysis | null;
}

type TemplateAt = { path: ValuePath; source: string; kind: 'template' | 'expression' };

/** The strings of `tool_called`'s `args` that are templates, wherever they are in it. */
function argTemplates(v: unknown, p: ValuePath, out: TemplateAt[]): TemplateAt[] {
  if (typeof v === 'string' && hasTemplateSyntax(v)) out.push({ path: p, source: v, kind: 'template' });
  else if (Array.isArray(v)) v.forEach((x, i) => argTemplates(x, [...p, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) argTemplates(x, [...p, k], out);
  return out;
}

/** Template strings of an assertion: the operand of the kinds that take text, and `args`. */
function templatesOf(a: EvalAssertion): TemplateAt[] {
  const args = a.args ? argTemplates(a.args, [...a.path, 'args'], []) : [];
  if (typeof a.operand !== 'string') return args;
  const p = [...a.path, a.kind];
  if (a.kind === 'expression') return [{ path: p, source: a.operand, kind: hasTemplateSyntax(a.operand) ? 'template' : 'expression' }];
  return hasTemplateSyntax(a.operand) ? [{ path: p, source: a.operand, kind: 'template' }, ...args] : args;
}

class Checker {
  readonly columnsRead = new Set<string>();
  /** Every `case.X` an assertion reads, where it is written. */
  readonly caseReads: { key: string; path: ValuePath; source: string; start: number; end: number }[] = [];
  readonly outputs: string[];
  readonly steps: string[];
  constructor(
    readonly sink: EvalSink,
    readonly pipeline: Pipeline,
  ) {
    this.outputs = Object.keys(pipeline.outputs);
    this.steps = pipeline.steps.map((s) => s.id);
  }

  private at(p: ValuePath, source: string, start: number, end: number): { start: number; end: number } | null {
    const offsets = stringOffsets(this.sink.parsed, p, source);
    if (offsets === null) return null;
    return { start: offsetAt(offsets, start), end: offsetAt(offsets, Math.max(end, start + 1)) };
  }

  place(code: 'eval.template-syntax' | 'eval.template-unknown-name' | 'eval.unknown-output' | 'eval.unknown-step' | 'eval.unknown-column', message: string, p: ValuePath, source: string, start: number, end: number, suggestions: string[] = []): void {
    const o = this.at(p, source, start, end);
    if (o) this.sink.add(code, message, this.sink.parsed.lines.range(o.start, o.end), p, suggestions);
    else this.sink.atValue(code, message, p, suggestions);
  }

  template(t: TemplateAt): void {
    let refs;
    try {
      refs = referencesOf(t.source, t.kind);
    } catch (e) {
      if (!(e instanceof TemplateSyntaxError)) throw e;
      return this.place('eval.template-syntax', `Template syntax error: ${e.message}.`, t.path, t.source, Math.min(e.start, t.source.length), Math.min(e.end, t.source.length));
    }
    for (const n of refs.names) {
      if (!ASSERTION_SCOPE.includes(n.name)) {
        const s = suggest(n.name, ASSERTION_SCOPE);
        this.place('eval.template-unknown-name', `Unknown name '${n.name}' in an assertion: it sees ${ASSERTION_SCOPE.join(', ')}.${didYouMean(s)}`, t.path, t.source, n.start, n.end, s);
        continue;
      }
      const first = n.chain[0];
      if (!first || typeof first.key !== 'string') continue;
      if (n.name === 'case') {
        this.columnsRead.add(first.key);
        this.caseReads.push({ key: first.key, path: t.path, source: t.source, start: first.start, end: first.end });
      }
      else if (n.name === 'outputs' && !this.outputs.includes(first.key)) {
        const s = suggest(first.key, this.outputs);
        this.place('eval.unknown-output', `The pipeline has no output '${first.key}'.${didYouMean(s)}`, t.path, t.source, first.start, first.end, s);
      } else if (n.name === 'steps' && !this.steps.includes(first.key)) {
        const s = suggest(first.key, this.steps);
        this.place('eval.unknown-step', `The pipeline has no step '${first.key}'.${didYouMean(s)}`, t.path, t.source, first.start, first.end, s);
      }
    }
  }

  assertion(a: EvalAssertion): void {
    if (a.target && 'output' in a.target && !this.outputs.includes(a.target.output)) {
      const s = suggest(a.target.output, this.outputs);
      this.sink.atValue('eval.unknown-output', `The pipeline has no output '${a.target.output}'.${didYouMean(s)}${this.outputs.length ? ` Its outputs: ${this.outputs.join(', ')}.` : ' It declares no outputs.'}`, [...a.path, 'output'], s);
    } else if (a.target && 'step' in a.target && !this.steps.includes(a.target.step)) {
      const s = suggest(a.target.step, this.steps);
      this.sink.atValue('eval.unknown-step', `The pipeline has no top-level step '${a.target.step}'.${didYouMean(s)}`, [...a.path, 'step'], s);
    } else if (TRAJECTORY_KINDS.has(a.kind)) checkTrajectory(this.sink, a, this.pipeline);
    else if (GUARD_ASSERTION_KINDS.has(a.kind)) checkGuardAssertion(this.sink, a, this.pipeline);
    else if (!a.target && !RUN_KINDS.has(a.kind)) {
      // the pipeline's only output is the value looked at when none is named
      if (this.outputs.length === 1) a.target = { output: this.outputs[0] };
      else this.sink.atKey('eval.assertion-target', `'${a.kind}' looks at a value: say which with 'output: NAME' or 'step: ID'${this.outputs.length ? ` (outputs: ${this.outputs.join(', ')})` : ''}.`, [...a.path, a.kind]);
    }
    for (const t of templatesOf(a)) this.template(t);
  }
}

function checkPipeline(sink: EvalSink, spec: EvalSpec): Analysis | null {
  if (!existsSync(spec.pipeline) || !statSync(spec.pipeline).isFile()) {
    sink.atValue('eval.pipeline-not-found', `No pipeline file '${spec.pipelineWritten}' (looked for ${spec.pipeline}).`, ['pipeline']);
    return null;
  }
  const a = analyze(withoutBom(readFileSync(spec.pipeline, 'utf8')));
  if (hasErrors(a.findings) || !a.pipeline) {
    const f = a.findings.find((x) => x.severity === 'error');
    const why = f ? `: ${path.basename(spec.pipeline)}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.message}` : '';
    sink.atValue('eval.pipeline-does-not-compile', `The pipeline does not compile${why}${/[.?!]$/.test(why) ? '' : '.'}`, ['pipeline']);
  }
  return a;
}

/** Columns of the cases (null when a dataset file's cannot be read), and where a finding about one goes. */
function columnsOf(sink: EvalSink, spec: EvalSpec): { columns: string[]; at: (column: string) => ValuePath } | null {
  const src = spec.cases;
  if (src.kind === 'inline') {
    const first = new Map<string, ValuePath>();
    src.cases.forEach((c, i) => {
      for (const k of Object.keys(c.values)) if (!first.has(k)) first.set(k, ['cases', i, k]);
    });
    return { columns: [...first.keys()], at: (c) => first.get(c)! };
  }
  if (!existsSync(src.file)) {
    sink.atValue('eval.dataset-not-found', `No dataset file '${src.written}' (looked for ${src.file}).`, ['cases']);
    return null;
  }
  const first = firstRecord(src.file, src.format);
  if (!('keys' in first)) {
    const why =
      first.problem === 'not a file'
        ? `The dataset '${src.written}' is not a regular file (${first.what}): a dataset is a .jsonl, .csv or .json file.`
        : first.problem === 'too long'
          ? `The first record of '${src.written}' is over ${MAX_RECORD_BYTES / 1024 / 1024} MiB, the most one case may hold.`
          : `The first record of '${src.written}' cannot be read as a ${src.format === 'csv' ? 'CSV header' : 'JSON object'}.`;
    sink.atValue('eval.dataset-format', why, ['cases']);
    return null;
  }
  return { columns: first.keys.filter((k) => !CASE_RESERVED.includes(k)), at: () => ['cases'] };
}

function checkParameters(sink: EvalSink, spec: EvalSpec, a: Analysis, checker: Checker): void {
  const params = a.pipeline!.parameters;
  const names = params.map((p) => p.name);
  const stepIds = a.pipeline!.steps.map((st) => st.id);
  for (const k of Object.keys(spec.answers)) {
    if (stepIds.includes(k)) continue;
    const s = suggest(k, stepIds);
    sink.atKey('eval.unknown-step', `The pipeline has no top-level step '${k}' to answer.${didYouMean(s)}`, ['answers', k], s);
  }
  for (const v of spec.variants) {
    for (const k of Object.keys(v.parameters)) {
      if (names.includes(k)) continue;
      const s = suggest(k, names);
      sink.atKey('eval.unknown-parameter', `The pipeline has no parameter '${k}'.${didYouMean(s)}`, [...v.path, 'parameters', k], s);
    }
    for (const k of Object.keys(v.models)) {
      if (k === '*' || a.stepIndex.has(k)) continue;
      const s = suggest(k, [...a.stepIndex.keys()]);
      sink.atKey('eval.unknown-step', `The pipeline has no step '${k}' (use '*' for every model step).${didYouMean(s)}`, [...v.path, 'models', k], s);
    }
  }
  const cols = columnsOf(sink, spec);
  if (!cols) return;
  const required = params.filter((p) => p.required && !p.hasDefault).map((p) => p.name);
  const variants = spec.variants.length ? spec.variants : [null];
  const lacking = (has: (p: string) => boolean) =>
    required.flatMap((p) => variants.filter((v) => !has(p) && !(v && Object.prototype.hasOwnProperty.call(v.parameters, p))).map((v) => ({ p, v: v?.name ?? null })));
  const say = (miss: { p: string; v: string | null }[]) => {
    const ps = [...new Set(miss.map((m) => m.p))];
    const vs = [...new Set(miss.map((m) => m.v).filter((v): v is string => v !== null))];
    return `no value for the required parameter${ps.length === 1 ? '' : 's'} ${ps.map((p) => `'${p}'`).join(', ')}${vs.length && vs.length < variants.length ? ` in variant${vs.length === 1 ? '' : 's'} ${vs.map((v) => `'${v}'`).join(', ')}` : ''}: give ${ps.length === 1 ? 'it' : 'them'} a column, a variant's parameters or a default`;
  };
  if (spec.cases.kind === 'inline') {
    spec.cases.cases.forEach((c, i) => {
      // a step case from a recorded run takes that run's inputs
      if (c.options?.step !== undefined && c.options.from_run !== undefined) return;
      const miss = lacking((p) => Object.prototype.hasOwnProperty.call(c.values, p));
      if (miss.length) sink.atValue('eval.missing-parameter', `Case '${c.id}' has ${say(miss)}.`, ['cases', i]);
    });
  } else {
    const miss = lacking((p) => cols.columns.includes(p));
    if (miss.length) sink.atValue('eval.missing-parameter', `The first case of '${spec.cases.written}' has ${say(miss)}.`, ['cases']);
  }
  const known = [...cols.columns, 'id'];
  for (const r of checker.caseReads) {
    if (known.includes(r.key)) continue;
    const s = suggest(r.key, known);
    checker.place('eval.unknown-column', `No case has a column '${r.key}'${spec.cases.kind === 'file' ? ` (the first record of '${spec.cases.written}' has ${cols.columns.join(', ') || 'none'})` : ''}.${didYouMean(s)}`, r.path, r.source, r.start, r.end, s);
  }
  for (const c of cols.columns) {
    if (names.includes(c) || checker.columnsRead.has(c)) continue;
    const s = suggest(c, names);
    const message = `Column '${c}' is neither a parameter of the pipeline nor read as 'case.${c}' by an assertion.${didYouMean(s)}`;
    if (spec.cases.kind === 'inline') sink.atKey('eval.unused-column', message, cols.at(c), s);
    else sink.atValue('eval.unused-column', message, ['cases'], s);
  }
}

function byPosition(a: Finding, b: Finding): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || compareNames(a.code, b.code);
}

/** The eval file `text` (at `file`, which relative paths are resolved from): its spec and findings. */
export function analyzeEval(text: string, file: string | null): EvalAnalysis {
  const parsed = parseYaml(text);
  const sink = new EvalSink(parsed);
  sink.findings.push(...parsed.findings);
  const spec = parsed.value === undefined ? null : readEvalSpec(sink, parsed.value, file ? path.resolve(file) : null);
  let pipeline: Analysis | null = null;
  if (spec) {
    pipeline = checkPipeline(sink, spec);
    if (pipeline?.pipeline) {
      const checker = new Checker(sink, pipeline.pipeline);
      for (const a of spec.assert) checker.assertion(a);
      if (spec.cases.kind === 'inline') for (const c of spec.cases.cases) for (const a of c.assert) checker.assertion(a);
      checkParameters(sink, spec, pipeline, checker);
    }
  }
  return { eval: spec, findings: sink.findings.sort(byPosition), pipeline };
}

/** The target of assertions a case row of a dataset file adds is not known here: they are not read from files. */
export function evalHasErrors(a: EvalAnalysis): boolean {
  return !a.eval || !a.pipeline?.pipeline || hasErrors(a.findings);
}
