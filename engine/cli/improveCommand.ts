// `orc improve FILE.eval.yaml [--steps ID,...] [--reflect MODEL] [--max-evals N] [--budget-usd X]
// [--validation R] [--seed N] [--record | --replay [--cassette PATH]] [--apply] [--json]` and
// `orc improve --list [--json]`: searches better prompts against the eval (engine/improve).
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { applyEdits, CassetteFileError, DatasetError, EditRefused, EvalInputError, findRunsRoot, ImproveInputError, improvePrompts, listImproveRecords, percent, promptEdits, sha256Text, unifiedDiff, type ImproveResult } from '../api/index';
import { compileEval, type EvalIO } from './evalCompile';
import type { Style } from './findingFormat';
import { UsageError } from './input';

/** 0: the search ran (whatever it found); 1: --apply refused because the pipeline changed meanwhile; 2: bad input (or --apply through a shared alias); 130: interrupted. */
export const IMPROVE_EXIT = { done: 0, changed: 1, usage: 2, interrupted: 130 } as const;

const VALUE = new Set(['--steps', '--reflect', '--max-evals', '--budget-usd', '--validation', '--seed', '--cassette']);
const FLAGS = new Set(['--replay', '--record', '--apply', '--json', '--list']);

export function parseImproveArgs(argv: string[]): { file: string | null; flags: Map<string, string | true> } {
  const flags = new Map<string, string | true>();
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    if (arg.startsWith('--') && arg.includes('=')) [arg, value] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
    if (!arg.startsWith('-') || arg === '-') files.push(arg);
    else if (FLAGS.has(arg)) {
      if (value !== undefined) throw new UsageError(`${arg} takes no value`);
      flags.set(arg, true);
    } else if (VALUE.has(arg)) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
        value = argv[++i];
      }
      flags.set(arg, value);
    } else throw new UsageError(`unknown option ${arg} for 'orc improve' (see 'orc improve --help')`);
  }
  if (flags.has('--list')) {
    for (const f of flags.keys()) if (f !== '--list' && f !== '--json') throw new UsageError(`--list goes only with --json (not ${f})`);
    if (files.length) throw new UsageError("'orc improve --list' takes no file");
    return { file: null, flags };
  }
  if (files.length !== 1) throw new UsageError("'orc improve' takes one eval file (NAME.eval.yaml)");
  if (flags.has('--record') && flags.has('--replay')) throw new UsageError('--record and --replay contradict each other');
  if (flags.has('--cassette') && !flags.has('--record') && !flags.has('--replay')) throw new UsageError('--cassette goes with --record or --replay');
  return { file: files[0], flags };
}

function numberFlag(v: string | true | undefined, name: string, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name} takes ${what}`);
  return n;
}

const usd = (x: number) => `$${x.toFixed(6)}`;
const interval = (i: [number, number] | null) => (i ? `[${percent(i[0])}, ${percent(i[1])}]` : '');
const rateText = (r: number | null, i: [number, number] | null) => (r === null ? 'not measured' : `${percent(r)} ${interval(i)}`);

const STOPPED: Record<string, string> = {
  'max-evals': 'the --max-evals case runs were spent',
  budget: 'the --budget-usd budget could not hold the next call',
  'all-train-passed': 'a candidate passes every train case',
  cancelled: 'interrupted',
  'no-failures': 'every train case passes already: nothing to learn from, no model asked',
  'no-candidates': 'the reflection proposed nothing better several times in a row',
};

/** What --json prints: deterministic (a replay prints it byte for byte), so no id, path or time. */
export function improveJson(r: ImproveResult): Record<string, unknown> {
  return {
    steps: r.steps,
    train: r.train,
    validation: r.validation,
    evals: r.evals,
    calls: r.calls,
    cost_usd: r.cost_usd,
    front: r.front.map((f) => ({ id: f.id, steps: f.steps, train_pass_rate: f.train_pass_rate, cost_usd: f.cost_usd })),
    chosen: r.chosen,
    stopped: r.stopped,
    refused: r.refused,
    reflect: r.reflect,
  };
}

function report(r: ImproveResult, io: EvalIO, style: Style): void {
  const bold = (s: string) => (style.color ? `\x1b[1m${s}\x1b[0m` : s);
  const changed = Object.entries(r.steps).filter(([, p]) => p.before !== p.after);
  if (!changed.length) io.out('no prompt changed: the first prompts stay the best found');
  for (const [step, p] of changed) {
    io.out(bold(`step ${step}: prompt`));
    for (const l of unifiedDiff(p.before, p.after, `${step} (before)`, `${step} (after)`)) io.out(style.color ? (l.startsWith('+') && !l.startsWith('+++') ? `\x1b[32m${l}\x1b[0m` : l.startsWith('-') && !l.startsWith('---') ? `\x1b[31m${l}\x1b[0m` : l) : l);
  }
  io.out(`train (${r.train.cases} cases):      ${rateText(r.train.before, r.train.before_interval)} → ${rateText(r.train.after, r.train.after_interval)}`);
  io.out(`validation (${r.validation.cases} cases): ${r.validation.cases ? `${rateText(r.validation.before, r.validation.before_interval)} → ${rateText(r.validation.after, r.validation.after_interval)}` : 'none (--validation 0, or too few cases)'}`);
  io.out(`case runs: ${r.evals}, reflection calls: ${r.calls}${r.refused ? ` (${r.refused} proposal${r.refused === 1 ? '' : 's'} refused before any run)` : ''}, cost: ${usd(r.cost_usd)}`);
  io.out(`front: ${r.front.map((f) => `${f.id}${f.id === r.chosen ? '*' : ''} ${percent(f.train_pass_rate)}`).join(', ')}`);
  io.out(`stopped: ${r.stopped} (${STOPPED[r.stopped] ?? r.stopped})`);
}

function listCommand(json: boolean, io: EvalIO): number {
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  const all = listImproveRecords(root);
  if (json) {
    io.out(JSON.stringify(all, null, 2));
    return 0;
  }
  if (!all.length) {
    io.out('no searches yet in .orchestrator/improve');
    return 0;
  }
  const head = ['SEARCH', 'EVAL', 'STARTED', 'STOPPED', 'TRAIN'];
  const rows = all.map((m) => [m.id, m.evalFile, m.startedAt, m.stopped ?? 'running', m.train ? `${percent(m.train.before)} → ${percent(m.train.after)}` : '-']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  for (const x of [head, ...rows]) io.out(x.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  return 0;
}

/** Writes the chosen prompts into the pipeline, unless it changed since the search read it. */
export function applyChosen(r: ImproveResult, io: EvalIO): number {
  const prompts = Object.fromEntries(Object.entries(r.steps).map(([s, p]) => [s, p.after]));
  let text: string;
  try {
    text = readFileSync(r.pipelineFile, 'utf8');
  } catch (e) {
    io.err(`orc: --apply: cannot read ${r.pipelineFile}: ${(e as Error).message}`);
    return IMPROVE_EXIT.changed;
  }
  if (sha256Text(text) !== r.pipelineHash) {
    io.err(`orc: --apply: ${r.pipelineFile} changed since the search started; it is not overwritten (the chosen prompts are in ${r.dir}/result.json)`);
    return IMPROVE_EXIT.changed;
  }
  try {
    const edits = promptEdits(text, prompts, r.pipelineHash);
    if (!edits.length) {
      io.err(`--apply: ${r.pipelineFile} has the chosen prompts already`);
      return IMPROVE_EXIT.done;
    }
    writeFileSync(r.pipelineFile, applyEdits(text, edits));
    io.err(`--apply: ${r.pipelineFile}: the prompt${edits.length === 1 ? '' : 's'} of ${Object.keys(r.steps).filter((s) => r.steps[s].before !== r.steps[s].after).join(', ')} written`);
    return IMPROVE_EXIT.done;
  } catch (e) {
    if (!(e instanceof EditRefused)) throw e;
    io.err(`orc: --apply: ${e.message}; ${r.pipelineFile} is unchanged`);
    return IMPROVE_EXIT.usage;
  }
}

export async function improveCommand(argv: string[], style: Style, errStyle: Style, io: EvalIO): Promise<number> {
  const a = parseImproveArgs(argv);
  const json = a.flags.has('--json');
  if (!a.file) return listCommand(json, io);
  const steps = typeof a.flags.get('--steps') === 'string' ? (a.flags.get('--steps') as string).split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const reflect = a.flags.get('--reflect');
  if (reflect === true || reflect === '') throw new UsageError('--reflect needs a model (provider:model)');
  const maxEvals = numberFlag(a.flags.get('--max-evals'), '--max-evals', 'a whole number of case runs of at least 1');
  const budgetUsd = numberFlag(a.flags.get('--budget-usd'), '--budget-usd', 'an amount in US dollars over 0');
  const validation = numberFlag(a.flags.get('--validation'), '--validation', 'a share from 0 to 0.9');
  const seed = numberFlag(a.flags.get('--seed'), '--seed', 'a whole number of at least 0');
  const cassetteFlag = a.flags.get('--cassette');
  // the eval's findings printed as a compiler's (warnings too), before anything runs
  if (!compileEval(a.file, errStyle, io.err)) return IMPROVE_EXIT.usage;
  const root = process.cwd();
  const ctl = new AbortController();
  const onSignal = () => {
    if (ctl.signal.aborted) process.exit(IMPROVE_EXIT.interrupted);
    io.err('\nInterrupted: stopping the running cases; the front is kept in the record (Ctrl-C again quits at once)');
    ctl.abort(new Error('The search was cancelled'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const say = json ? io.err : io.out;
    const r = await improvePrompts({
      root,
      evalFile: path.resolve(a.file),
      steps,
      reflect: typeof reflect === 'string' ? reflect : undefined,
      maxEvals,
      budgetUsd,
      validation,
      seed,
      cassette: a.flags.has('--record') ? 'record' : a.flags.has('--replay') ? 'replay' : undefined,
      cassetteFile: typeof cassetteFlag === 'string' ? path.resolve(cassetteFlag) : undefined,
      env: process.env,
      signal: ctl.signal,
      onEvent: (e) => {
        if (e.kind === 'start') say(`improving ${e.steps.join(', ')} on ${e.train} train and ${e.validation} validation case${e.validation === 1 ? '' : 's'}${e.maxEvals ? `, at most ${e.maxEvals} case runs` : ''}; record: ${path.relative(root, e.dir) || e.dir}`);
        else if (e.kind === 'candidate') io.err(`  ${e.candidate.id}${e.candidate.parent ? ` (from ${e.candidate.parent})` : ''}: ${e.candidate.train_passed}/${e.candidate.train_cases} train cases passed; ${e.evals} case runs, ${e.calls} reflection call${e.calls === 1 ? "" : "s"} so far`);
        else if (e.kind === 'refused') io.err(`  refused a prompt for ${e.step}: ${e.reason}`);
      },
    });
    if (json) io.out(JSON.stringify(improveJson(r), null, 2));
    else report(r, io, style);
    if (r.stopped === 'cancelled') {
      io.err(`the front so far is in ${path.relative(root, r.dir) || r.dir}/front.json`);
      return IMPROVE_EXIT.interrupted;
    }
    if (a.flags.has('--apply')) return applyChosen(r, io);
    return IMPROVE_EXIT.done;
  } catch (e) {
    if (e instanceof ImproveInputError || e instanceof EvalInputError || e instanceof DatasetError || e instanceof CassetteFileError) {
      io.err(`orc: ${e.message}`);
      return IMPROVE_EXIT.usage;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
