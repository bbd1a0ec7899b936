// `orc optimize FILE.eval.yaml --models M1,M2,... [--steps ID,...] [--budget-runs N]
// [--min-pass-rate R] [--objective cost|latency] [--max-parallel N] [--estimate] [--json] [--apply]
// [--record | --replay [--cassette PATH] [--live STEP,...]]` and `orc optimize --list [--json]`.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, type Assignment, bruteForceRuns, CassetteFileError, type CassetteOptions, createModelRunner, DatasetError, editPipeline, EvalInputError, findRunsRoot, listOptimizations, optimize, type OptimizeOutcome, percent, planOptimization, registryOrShipped, type Trial } from '../api/index';
import { cassetteFlagsOf } from './cassetteFlags';
import type { EvalIO } from './evalCompile';
import { compileEval } from './evalCompile';
import type { Style } from './findingFormat';
import { UsageError } from './input';
import { holdEvalHeap } from './evalHeap';

export const OPTIMIZE_EXIT = { met: 0, notMet: 1, usage: 2, interrupted: 130 } as const;

const VALUE = new Set(['--models', '--steps', '--budget-runs', '--min-pass-rate', '--objective', '--max-parallel', '--cassette', '--live']);
const FLAGS = new Set(['--estimate', '--json', '--apply', '--list', '--record', '--replay', '--replay-tools']);

interface OptimizeArgs {
  file: string | null;
  flags: Map<string, string | true>;
}

export function parseOptimizeArgs(argv: string[]): OptimizeArgs {
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
    } else throw new UsageError(`unknown option ${arg} for 'orc optimize'`);
  }
  if (flags.has('--list')) {
    for (const f of flags.keys()) if (f !== '--list' && f !== '--json') throw new UsageError(`--list goes only with --json (not ${f})`);
    if (files.length) throw new UsageError("'orc optimize --list' takes no file");
    return { file: null, flags };
  }
  if (files.length !== 1) throw new UsageError("'orc optimize' takes one eval file (NAME.eval.yaml)");
  if (!flags.has('--models')) throw new UsageError("'orc optimize' needs --models M1,M2,... (provider:model, at least one)");
  if (flags.has('--estimate') && (flags.has('--apply') || flags.has('--record') || flags.has('--replay'))) throw new UsageError('--estimate runs nothing: it goes without --apply, --record and --replay');
  return { file: files[0], flags };
}

const list = (v: string | true | undefined) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

function numberFlag(v: string | true | undefined, name: string, check: (n: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !check(n)) throw new UsageError(`${name} takes ${what}`);
  return n;
}

/** The cassette: `--cassette PATH`, else NAME.cassette.jsonl beside NAME.eval.yaml (as `orc eval`). */
function cassetteOf(a: OptimizeArgs): CassetteOptions | undefined {
  const f = cassetteFlagsOf(a.flags);
  if (!f.record && !f.replay) {
    if (f.cassette || f.live || f.replayTools) throw new UsageError(`${f.cassette ? '--cassette' : f.live ? '--live' : '--replay-tools'} goes with --record or --replay`);
    return undefined;
  }
  if (f.record && f.replay) throw new UsageError('--record and --replay contradict each other');
  if ((f.live || f.replayTools) && !f.replay) throw new UsageError(`${f.live ? '--live' : '--replay-tools'} goes with --replay`);
  const live = list(f.live);
  return { mode: f.record ? 'record' : 'replay', file: f.cassette ?? `${a.file!.replace(/(\.eval)?\.ya?ml$/i, '')}.cassette.jsonl`, ...(live.length ? { live } : {}), ...(f.replayTools ? { replayTools: true } : {}) };
}

const shown = (a: Assignment) =>
  Object.entries(a)
    .map(([s, m]) => `${s}=${m}`)
    .join(' ');
const usd = (x: number) => `$${x.toFixed(6)}`;

/** What --json prints of a trial. */
const trialJson = (t: Trial) => ({ assignment: t.assignment, pass_rate: t.pass_rate, cost_usd: t.cost_usd, latency_ms: t.latency_ms, interval: t.interval, runs: t.runs, passed: t.passed });

function frontierLines(r: OptimizeOutcome, style: Style): string[] {
  const rows = r.frontier.map((t) => [t === r.chosen ? '*' : ' ', shown(t.assignment), percent(t.pass_rate), `[${percent(t.interval.low)}, ${percent(t.interval.high)}]`, usd(t.cost_usd), `${Math.round(t.latency_ms)} ms`]);
  const head = [' ', 'ASSIGNMENT', 'PASS', '95% INTERVAL', 'COST/CASE', 'P50 LATENCY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const fmt = (x: string[]) => x.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [style.color ? `\x1b[1m${fmt(head)}\x1b[0m` : fmt(head), ...rows.map(fmt)];
}

/** Writes the chosen models into the pipeline, one set-model edit per step whose model changes. */
function apply(pipelineFile: string, chosen: Assignment, io: EvalIO): boolean {
  let text = readFileSync(pipelineFile, 'utf8');
  const changed: string[] = [];
  for (const [step, model] of Object.entries(chosen)) {
    const a = analyze(text);
    const s = a.stepIndex.get(step)?.step;
    const current = s ? ((typeof s.parameters.model === 'string' ? s.parameters.model : null) ?? s.model ?? a.pipeline?.model ?? null) : null;
    if (current === model) continue;
    const r = editPipeline(text, { op: 'set-model', id: step, model }, a);
    if (!r.ok) {
      io.err(`orc: --apply: ${r.reason}; ${pipelineFile} is unchanged`);
      return false;
    }
    text = r.text;
    changed.push(r.summary);
  }
  if (!changed.length) {
    io.err(`--apply: ${pipelineFile} has the chosen models already`);
    return true;
  }
  writeFileSync(pipelineFile, text);
  io.err(`--apply: ${pipelineFile}: ${changed.join('; ')}`);
  return true;
}

function listCommand(json: boolean, io: EvalIO): number {
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  const all = listOptimizations(root);
  if (json) {
    io.out(JSON.stringify(all, null, 2));
    return 0;
  }
  if (!all.length) {
    io.out('no optimizations yet in .orchestrator/optimize');
    return 0;
  }
  const head = ['OPTIMIZATION', 'EVAL', 'STATUS', 'RUNS', 'BRUTE FORCE', 'CHOSEN'];
  const rows = all.map((m) => [m.optimize_id, m.eval_file, m.status, String(m.runs_used), String(m.brute_force_runs), m.chosen ? shown(m.chosen) : '-']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) io.out(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  return 0;
}

export async function optimizeCommand(argv: string[], style: Style, errStyle: Style, io: EvalIO): Promise<number> {
  const a = parseOptimizeArgs(argv);
  const json = a.flags.has('--json');
  if (!a.file) return listCommand(json, io);
  const candidates = list(a.flags.get('--models'));
  const steps = list(a.flags.get('--steps'));
  const budgetRuns = numberFlag(a.flags.get('--budget-runs'), '--budget-runs', (n) => Number.isInteger(n) && n >= 1, 'a whole number of at least 1');
  const minPassRate = numberFlag(a.flags.get('--min-pass-rate'), '--min-pass-rate', (n) => n >= 0 && n <= 1, 'a rate from 0 to 1 (0.9 for 90 %)');
  const parallel = numberFlag(a.flags.get('--max-parallel'), '--max-parallel', (n) => Number.isInteger(n) && n >= 1, 'a whole number of at least 1');
  const objective = a.flags.get('--objective') ?? 'cost';
  if (objective !== 'cost' && objective !== 'latency') throw new UsageError('--objective is cost or latency');
  const cassette = cassetteOf(a);
  const compiled = compileEval(a.file, errStyle, io.err);
  if (!compiled) return OPTIMIZE_EXIT.usage;
  const spec = compiled.analysis.eval!;
  const registryFile = process.env.ORC_MODEL_REGISTRY || undefined;
  const registry = registryOrShipped(registryFile);
  const root = process.cwd();
  const ctl = new AbortController();
  const onSignal = () => {
    if (ctl.signal.aborted) process.exit(OPTIMIZE_EXIT.interrupted);
    io.err('\nInterrupted: stopping the running cases; what ran is kept in the record (Ctrl-C again quits at once)');
    ctl.abort(new Error('The optimization was cancelled'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const plan = await planOptimization({ root, analysis: compiled.analysis, candidates, steps, registry });
    const rate = minPassRate ?? spec.threshold;
    if (spec.variants.length || spec.repeat > 1) io.err(`note: optimize runs each case once on the pipeline as written with the assignment's models; the eval's ${spec.variants.length ? 'variants' : 'repeat'} are not used`);
    if (a.flags.has('--estimate')) {
      const n = plan.cases.length;
      const brute = bruteForceRuns(plan.steps.map(() => ({ models: plan.models })), n);
      const most = n * (2 + plan.steps.length * (plan.models.length - 1));
      io.out(`${plan.steps.length} model step${plan.steps.length === 1 ? '' : 's'} (${plan.steps.join(', ')}) × ${plan.models.length} models (cheapest first: ${plan.models.join(', ')}), ${n} cases, min pass rate ${percent(rate)}`);
      io.out(`brute force: ${brute} case runs (${brute / n} assignments × ${n} cases)`);
      io.out(`search: at most ${Math.min(most, brute)} case runs before fallbacks (${percent(Math.min(most, brute) / brute)} of brute force): the dearest assignment, each step's models cheapest-first, the combination`);
      io.out(`  a model that cannot reach the pass rate is dropped as soon as it cannot (at its first failed case when every case must pass), so the search usually spends far less${budgetRuns ? `; --budget-runs caps it at ${budgetRuns}` : ''}`);
      return 0;
    }
    const say = json ? io.err : io.out;
    say(`optimizing ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'} (${plan.steps.join(', ')}) over ${plan.models.join(', ')} on ${plan.cases.length} cases, min pass rate ${percent(rate)}`);
    const told = new Set<string>();
    holdEvalHeap();
    const r = await optimize({
      root,
      analysis: compiled.analysis,
      evalText: compiled.text,
      models: createModelRunner({ env: process.env, registryFile }),
      candidates,
      steps,
      minPassRate,
      objective,
      budgetRuns,
      parallel,
      cassette,
      registry,
      signal: ctl.signal,
      onEvent: (e) => {
        if (e.kind === 'start' && e.known) io.err(`reusing ${e.known} earlier case runs of this eval and pipeline`);
        // each assignment once, when it is decided
        const key = e.kind === 'trial' ? shown(e.trial.assignment) : '';
        if (e.kind === 'trial' && (e.trial.complete || e.trial.eliminated) && !told.has(key)) {
          told.add(key);
          io.err(`  ${e.trial.meets ? 'keeps  ' : 'dropped'} ${key}  ${e.trial.passed}/${e.trial.runs} passed  ${usd(e.trial.cost_usd)}/case`);
        }
      },
    });
    const rel = path.relative(process.cwd(), r.record.dir);
    if (json) {
      io.out(JSON.stringify({ frontier: r.frontier.map(trialJson), chosen: r.chosen ? trialJson(r.chosen) : null, runs_used: r.runs_used, brute_force_runs: r.brute_force_runs, runs_reused: r.runs_reused, trials: r.trials.map((t) => ({ ...trialJson(t), complete: t.complete, eliminated: t.eliminated })), optimize_id: r.record.meta.optimize_id, stopped: r.stopped }, null, 2));
    } else {
      for (const l of frontierLines(r, style)) io.out(l);
      io.out(`case runs: ${r.runs_used} of brute force's ${r.brute_force_runs} (${percent(r.runs_used / r.brute_force_runs)})${r.runs_reused ? `, ${r.runs_reused} reused from earlier optimizations` : ''}; record: ${rel}`);
      if (r.chosen) {
        const dear = r.trials.find((t) => Object.values(t.assignment).every((m) => m === plan.models[plan.models.length - 1]) && t.complete);
        io.out(`chosen: ${shown(r.chosen.assignment)}: ${percent(r.chosen.pass_rate)} passed, ${usd(r.chosen.cost_usd)} per case${dear && dear.cost_usd > 0 ? ` (${percent(r.chosen.cost_usd / dear.cost_usd)} of the dearest assignment's ${usd(dear.cost_usd)})` : ''}`);
      }
    }
    if (r.stopped === 'cancelled') return OPTIMIZE_EXIT.interrupted;
    if (r.stopped === 'budget') io.err(`orc: --budget-runs ${budgetRuns} spent before the search ended: the choice is among the assignments it could finish`);
    if (!r.chosen) {
      const best = [...r.trials].sort((x, y) => y.pass_rate - x.pass_rate || y.runs - x.runs)[0];
      io.err(`orc: no assignment reached the pass rate ${percent(rate)}${best ? `; the best found: ${shown(best.assignment)} with ${best.passed}/${best.runs} passed (${percent(best.pass_rate)})` : ''}`);
      return OPTIMIZE_EXIT.notMet;
    }
    if (a.flags.has('--apply') && !apply(spec.pipeline, r.chosen.assignment, io)) return OPTIMIZE_EXIT.usage;
    return OPTIMIZE_EXIT.met;
  } catch (e) {
    if (e instanceof EvalInputError || e instanceof DatasetError || e instanceof CassetteFileError) {
      io.err(`orc: ${e.message}`);
      return OPTIMIZE_EXIT.usage;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
