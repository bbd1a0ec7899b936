// `orc eval FILE.eval.yaml [--variant NAME]... [--case ID]... [--max-parallel N] [--json]
// [--junit FILE] [--baseline EVAL_ID|latest] [--estimate] [--resume[=EVAL_ID]] [--no-cache]
// [--record | --replay [--live STEP]... [--replay-tools]] [--cassette PATH] [--against REF]
// [--quarantine] [--coverage OUT.info]`,
// `orc eval add FILE.eval.yaml RUN_ID [--expect]` and `orc evals [--json]`.
import * as path from 'node:path';
import { AgainstError, againstMarkdown, type Agreement, type BaselineComparison, BaselineError, CassetteFileError, type CassetteOptions, checkBaseline, compareWithBaseline, CoverageCollector, coverageLine, createModelRunner, DatasetError, DEFAULT_EVAL_PARALLEL, EvalInputError, EvalRecord, findBaseline, findRunsRoot, judgeAgreement, listEvals, percent, RecordIdError, registryOrShipped, type ResultDocument, runEval, toLcov, writeJUnit } from '../api/index';
import { statSync, writeFileSync } from 'node:fs';
import type { Style } from './findingFormat';
import { UsageError } from './input';
import { baselineLines, CaseTable, summaryLines } from './evalOutput';
import { estimateEval } from './evalEstimate';
import { evalAddCommand } from './evalAddCommand';
import { compileEval, type EvalIO } from './evalCompile';
import { evalTelemetry } from './runTelemetry';
import { holdEvalHeap } from './evalHeap';
import { evalAtRef, type RefEval } from './evalAgainst';

export type { EvalIO } from './evalCompile';

export const EVAL_EXIT = { passed: 0, underThreshold: 1, compile: 2, interrupted: 130 } as const;

/** A report's file, checked before any case runs: a folder, or a file in a folder that does not exist, is a usage error (exit 2). */
function checkReportFile(flag: string, file: string): void {
  const kind = (p: string) => {
    try {
      return statSync(p).isDirectory() ? 'folder' : 'file';
    } catch {
      return null;
    }
  };
  if (file === '') throw new UsageError(`${flag} needs the file to write`);
  if (kind(file) === 'folder') throw new UsageError(`${flag} ${file}: that is a folder; name the file to write (${flag === '--junit' ? '--junit report.xml' : '--coverage lcov.info'})`);
  const folder = path.dirname(path.resolve(file));
  if (kind(folder) !== 'folder') throw new UsageError(`${flag} ${file}: the folder ${folder} does not exist; nothing ran`);
}

interface EvalArgs {
  file: string;
  variants: string[];
  cases: string[];
  maxParallel?: number;
  json: boolean;
  junit?: string;
  baseline?: string;
  estimate: boolean;
  resume?: string | true;
  cache: boolean;
  record: boolean;
  replay: boolean;
  cassette?: string;
  live: string[];
  /** `--replay-tools`: agents' tool calls answered from the cassette too, none run. */
  replayTools: boolean;
  /** `--quarantine`: flaky cases reported, not failed on. */
  quarantine: boolean;
  /** `--coverage OUT.info`: the lcov file of what the cases ran. */
  coverage?: string;
  /** `--against REF`: the eval as it is at a git ref is run first, and the markdown comparison printed. */
  against?: string;
}

const VALUE_OPTIONS = new Set(['--variant', '--case', '--max-parallel', '--junit', '--baseline', '--cassette', '--live', '--against', '--coverage']);
const FLAG_OPTIONS = new Set(['--json', '--estimate', '--resume', '--no-cache', '--record', '--replay', '--replay-tools', '--quarantine']);

export function parseEvalArgs(argv: string[]): EvalArgs {
  const a: EvalArgs = { file: '', variants: [], cases: [], json: false, estimate: false, cache: true, record: false, replay: false, live: [], replayTools: false, quarantine: false };
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    if (arg.startsWith('--') && arg.includes('=')) {
      value = arg.slice(arg.indexOf('=') + 1);
      arg = arg.slice(0, arg.indexOf('='));
    }
    if (!arg.startsWith('-') || arg === '-') {
      files.push(arg);
      continue;
    }
    if (arg === '--resume') {
      a.resume = value ?? true;
      continue;
    }
    if (FLAG_OPTIONS.has(arg)) {
      if (value !== undefined) throw new UsageError(`${arg} takes no value`);
      if (arg === '--json') a.json = true;
      else if (arg === '--estimate') a.estimate = true;
      else if (arg === '--no-cache') a.cache = false;
      else if (arg === '--record') a.record = true;
      else if (arg === '--replay') a.replay = true;
      else if (arg === '--replay-tools') a.replayTools = true;
      else if (arg === '--quarantine') a.quarantine = true;
      continue;
    }
    if (!VALUE_OPTIONS.has(arg)) throw new UsageError(`unknown option ${arg} for 'orc eval'`);
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      value = argv[++i];
    }
    if (arg === '--variant') a.variants.push(value);
    else if (arg === '--case') a.cases.push(value);
    else if (arg === '--junit') a.junit = value;
    else if (arg === '--baseline') a.baseline = value;
    else if (arg === '--cassette') a.cassette = value;
    else if (arg === '--coverage') {
      if (!value || value.startsWith('-')) throw new UsageError('--coverage needs the lcov file to write (--coverage OUT.info)');
      a.coverage = value;
    }
    else if (arg === '--against') a.against = value;
    else if (arg === '--live') a.live.push(...value.split(',').map((x) => x.trim()).filter(Boolean));
    else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new UsageError('--max-parallel takes a whole number of at least 1');
      a.maxParallel = n;
    }
  }
  if (files.length !== 1) throw new UsageError("'orc eval' takes one eval file (NAME.eval.yaml)");
  a.file = files[0];
  if (a.estimate && (a.resume || a.baseline || a.junit || a.record || a.replay)) throw new UsageError('--estimate runs nothing: it goes without --resume, --baseline, --junit, --record and --replay');
  for (const [flag, file] of [['--junit', a.junit], ['--coverage', a.coverage]] as const) if (file !== undefined) checkReportFile(flag, file);
  if (a.resume && (a.variants.length || a.cases.length)) throw new UsageError('--resume runs the rest of the variants and cases the eval started with: it takes no --variant or --case');
  if (a.record && a.replay) throw new UsageError('--record and --replay contradict each other');
  if (a.cassette && !a.record && !a.replay) throw new UsageError('--cassette goes with --record or --replay');
  if (a.live.length && !a.replay) throw new UsageError('--live goes with --replay');
  if (a.replayTools && !a.replay) throw new UsageError('--replay-tools goes with --replay');
  if (a.against !== undefined && (a.estimate || a.resume || a.baseline || a.record)) throw new UsageError('--against compares two fresh evals: it goes without --estimate, --resume, --baseline and --record (record first, then compare with --replay)');
  return a;
}

/** `--record | --replay [--cassette PATH] [--live STEP]... [--replay-tools]`: the cassette, by default NAME.cassette.jsonl beside NAME.eval.yaml. */
export function evalCassette(a: EvalArgs): CassetteOptions | undefined {
  if (!a.record && !a.replay) return undefined;
  const file = a.cassette ?? `${a.file.replace(/(\.eval)?\.ya?ml$/i, '')}.cassette.jsonl`;
  return { mode: a.record ? 'record' : 'replay', file, ...(a.live.length ? { live: a.live } : {}), ...(a.replayTools ? { replayTools: true } : {}) };
}

/** The analysis of an eval file that compiles, or null after printing its errors like a compiler. */
/** Ctrl-C once: stop starting cases, cancel the running ones (the finished stay); twice: quit now. */
function interruptible(err: (s: string) => void): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const onSignal = () => {
    if (ctl.signal.aborted) process.exit(EVAL_EXIT.interrupted);
    err("\nInterrupted: cancelling the running cases; the finished ones are kept ('orc eval FILE --resume' runs the rest; Ctrl-C again quits at once)");
    const e = new Error('The eval was cancelled');
    e.name = 'CancelledError';
    ctl.abort(e);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: ctl.signal, dispose: () => (process.off('SIGINT', onSignal), process.off('SIGTERM', onSignal)) };
}

function resumeRecord(root: string, which: string | true, evalFile: string): EvalRecord {
  try {
    if (which !== true) return EvalRecord.open(root, which);
    const rel = path.relative(root, path.resolve(evalFile));
    const m = listEvals(root).find((e) => e.eval_file === rel && e.status !== 'completed');
    if (!m) throw new UsageError(`no unfinished eval of ${evalFile} to resume (see 'orc evals')`);
    return new EvalRecord(root, m);
  } catch (e) {
    // an id given, or read from a record, that names no folder of its own: nothing runs
    if (e instanceof RecordIdError) throw new UsageError(e.message);
    throw e;
  }
}

async function printJson(record: EvalRecord, comparison: BaselineComparison | null, judged: Agreement | null, out: (s: string) => void): Promise<void> {
  // streamed: an eval of 100,000 cases is printed without holding its results
  const meta = JSON.stringify(record.meta, null, 2).replace(/\n/g, '\n  ');
  out(`{\n  "eval": ${meta},\n  "results": [`);
  let prev: string | null = null;
  for await (const r of record.results()) {
    if (prev !== null) out(`${prev},`);
    prev = `    ${JSON.stringify(r)}`;
  }
  if (prev !== null) out(prev);
  out(`  ]${comparison ? `,\n  "baseline": ${JSON.stringify(comparison, null, 2).replace(/\n/g, '\n  ')}` : ''}${judged ? `,\n  "judge_agreement": ${JSON.stringify(judged)}` : ''}\n}`);
}

export async function evalCommand(argv: string[], style: Style, errStyle: Style, io: EvalIO): Promise<number> {
  if (argv[0] === 'add') return evalAddCommand(argv.slice(1), io);
  const a = parseEvalArgs(argv);
  const compiled = compileEval(a.file, errStyle, io.err);
  if (!compiled) return EVAL_EXIT.compile;
  const spec = compiled.analysis.eval!;
  const registryFile = process.env.ORC_MODEL_REGISTRY || undefined;
  const parallel = a.maxParallel ?? spec.maxParallel ?? DEFAULT_EVAL_PARALLEL;
  if (a.estimate) return estimateEval(compiled.analysis, { variants: a.variants, cases: a.cases, parallel, registry: registryOrShipped(registryFile), root: findRunsRoot(process.cwd()) ?? process.cwd(), out: io.out, err: io.err });
  const root = a.resume ? (findRunsRoot(process.cwd()) ?? process.cwd()) : process.cwd();
  const resume = a.resume ? resumeRecord(root, a.resume, a.file) : undefined;
  if (a.baseline) {
    try {
      checkBaseline(root, a.baseline, path.relative(root, path.resolve(a.file)));
    } catch (e) {
      if (!(e instanceof BaselineError)) throw e;
      io.err(`orc: ${e.message}; nothing ran`);
      return EVAL_EXIT.compile;
    }
  }
  const telemetry = await evalTelemetry(io.err);
  const intr = interruptible(io.err);
  holdEvalHeap();
  let table: CaseTable | null = null;
  // with --against, stdout is the markdown report alone (for a pull request's comment)
  const say = a.json || a.against !== undefined ? io.err : io.out;
  let atRef: RefEval | null = null;
  try {
    if (a.against !== undefined) atRef = await evalAtRef(a.file, a.against, { variants: a.variants, cases: a.cases, maxParallel: parallel, cassette: evalCassette(a), signal: intr.signal, style: errStyle, err: io.err });
    const coverage = a.coverage ? new CoverageCollector(compiled.analysis.pipeline!, path.relative(process.cwd(), spec.pipeline)) : null;
    const outcome = await runEval({
      root,
      analysis: compiled.analysis,
      evalText: compiled.text,
      models: createModelRunner({ env: process.env, registryFile }),
      maxParallel: parallel,
      onlyVariants: resume ? resume.meta.only_variants : a.variants,
      onlyCases: resume ? resume.meta.only_cases : a.cases,
      signal: intr.signal,
      cache: a.cache && spec.repeat === 1,
      registry: registryOrShipped(registryFile),
      resume,
      cassette: evalCassette(a),
      quarantine: a.quarantine,
      ...(coverage ? { onRun: (doc: ResultDocument) => coverage.add(doc) } : {}),
      onStart: ({ planned, kept, idWidth, record }) => {
        if (kept) say(`resuming eval ${record.meta.eval_id}: ${kept} of ${planned} case runs kept, ${planned - kept} to run`);
        const variantWidth = Math.max(7, ...record.meta.variants.map((v) => v.length));
        table = a.json ? null : new CaseTable(say, style, idWidth + (spec.repeat > 1 ? String(spec.repeat).length + 2 : 0), variantWidth, a.file);
      },
      onResult: (r) => (table as CaseTable | null)?.row(r),
      ...(telemetry ? { traces: telemetry.traces } : {}),
    });
    const { record, summary } = outcome;
    // a report that cannot be written is said plainly, the eval's record kept (exit 2 at the end)
    let unwritten = false;
    const report = async (flag: string, file: string, write: () => Promise<void> | void): Promise<boolean> => {
      try {
        await write();
        return true;
      } catch (e) {
        unwritten = true;
        io.err(`orc: ${flag} ${file}: could not write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the eval's results are kept in ${path.relative(process.cwd(), record.dir) || '.'} (orc evals)`);
        return false;
      }
    };
    if (coverage && a.coverage) {
      const lcov = coverage.report();
      if (await report('--coverage', a.coverage, () => writeFileSync(a.coverage!, toLcov(lcov)))) say(`${coverageLine(lcov)}; lcov: ${a.coverage}`);
    }
    let comparison: BaselineComparison | null = null;
    if (a.baseline) comparison = await compareWithBaseline(record, findBaseline(root, a.baseline, record.meta));
    if (atRef) comparison = await compareWithBaseline(record, atRef.record);
    if (a.junit) await report('--junit', a.junit, () => writeJUnit(record, path.basename(a.file).replace(/\.eval\.ya?ml$/i, ''), a.junit!));
    // the llm_rubric judge against the people's labels of the runs its cases came from (orc review)
    const judged = await judgeAgreement(root, record);
    if (a.json) await printJson(record, comparison, judged, io.out);
    else if (atRef && comparison) {
      for (const l of summaryLines(summary, record.meta.eval_id, path.relative(process.cwd(), record.dir) || '.', errStyle)) io.err(l);
      io.out(againstMarkdown({ ref: atRef.checkout.ref, commit: atRef.checkout.commit, evalFile: a.file, base: atRef.summary, head: summary, comparison }).trimEnd());
    } else {
      for (const l of summaryLines(summary, record.meta.eval_id, path.relative(process.cwd(), record.dir) || '.', style)) io.out(l);
      if (comparison) for (const l of baselineLines(comparison, style)) io.out(l);
    }
    if (judged && !a.json) say(`the judge agrees with people's labels on ${judged.agree} of ${judged.n} case${judged.n === 1 ? '' : 's'} (${percent(judged.rate)}), Cohen's kappa ${judged.kappa === null ? 'undefined (one verdict only)' : judged.kappa.toFixed(2)}`);
    if (outcome.status === 'cancelled') {
      io.err(`eval ${record.meta.eval_id} cancelled: ${summary.total + summary.variants.reduce((x, v) => x + v.skipped, 0)} of ${record.meta.planned} case runs finished and kept; 'orc eval ${a.file} --resume' runs the rest`);
      return EVAL_EXIT.interrupted;
    }
    if (summary.verdict === 'failed') io.err(`orc: the pass rate ${percent(summary.pass_rate)} is under the threshold ${percent(summary.threshold)}`);
    if (unwritten) return EVAL_EXIT.compile;
    return summary.verdict === 'passed' ? EVAL_EXIT.passed : EVAL_EXIT.underThreshold;
  } catch (e) {
    if (e instanceof EvalInputError || e instanceof DatasetError || e instanceof BaselineError || e instanceof CassetteFileError || e instanceof AgainstError) {
      io.err(`orc: ${e.message}`);
      return EVAL_EXIT.compile;
    }
    throw e;
  } finally {
    atRef?.checkout.dispose();
    intr.dispose();
    await telemetry?.shutdown();
  }
}

/** `orc evals [--json]`: past evals in .orchestrator/evals/, newest first. */
export function evalsCommand(json: boolean, style: Style, out: (s: string) => void, err: (s: string) => void): number {
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  if (root !== process.cwd()) err(`using ${root}/.orchestrator/`);
  const evals = listEvals(root);
  if (json) {
    out(JSON.stringify(evals, null, 2));
    return 0;
  }
  if (!evals.length) {
    out('no evals yet in .orchestrator/evals');
    return 0;
  }
  const head = ['EVAL', 'FILE', 'STATUS', 'STARTED (UTC)', 'PASSED', 'RATE', 'VERDICT', 'COST'];
  const rows = evals.map((m) => {
    const s = m.summary;
    return [m.eval_id, m.eval_file, m.status, m.started_at.replace('T', ' ').slice(0, 19), s ? `${s.passed}/${s.total}` : '', s ? percent(s.pass_rate) : '', s && m.status === 'completed' ? s.verdict : '', s ? `$${(s.cost_usd + s.judge_cost_usd).toFixed(6)}` : ''];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  out(style.color ? `\x1b[1m${fmt(head)}\x1b[0m` : fmt(head));
  for (const r of rows) out(fmt(r));
  return 0;
}
