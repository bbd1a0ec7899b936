// Coverage of a pipeline by an eval (`orc eval FILE --coverage OUT.info`): over every case run, which
// steps ran (loop bodies: once per iteration), each condition's true and false outcome, jumps taken
// (`on_success`, `on_false`), `on_failure` handlers entered, loop bodies run 0, 1 and many times, and
// each agent tool called. Read from the runs' result documents (nothing in the engine changes for
// it) and written as lcov over the pipeline's lines, which any CI coverage tool reads:
//   DA:LINE,HITS        a step's first line (how many times it ran), a jump's key (how many times
//                       it was taken), an agent's tools entry (how many of its calls ran)
//   BRDA:LINE,B,N,HITS  a condition (true, false), an on_failure policy (succeeded, failed and
//                       handled), a loop (0, 1, many iterations); `-` when the step never ran or
//                       was never reached
import * as path from 'node:path';
import type { Analysis } from '../analyze/index';
import { keyRange, valueRange } from '../parse/yamlDocument';
import type { AgentToolCall, ResultDocument, StepResult } from '../run/events';
import type { Step, ValuePath } from '../spec/types';

/** What one step did over every run the collector saw. */
interface StepCounts {
  /** Times it ran (started: completed or failed). */
  ran: number;
  /** Times it was reached: ran, or skipped by its own condition. */
  reached: number;
  condTrue: number;
  condFalse: number;
  succeeded: number;
  failed: number;
  loops: [number, number, number];
  /** Calls that ran, by tools entry (index in the allow-list). */
  tools: number[];
}

export interface BranchLine {
  line: number;
  block: number;
  branch: number;
  /** null: the step holding it was never reached (lcov's `-`). */
  taken: number | null;
  /** What the branch is, in words (`true`, `failed`, `many iterations`), for the editor. */
  label: string;
}

export interface CoverageReport {
  /** The pipeline file as the lcov file names it. */
  file: string;
  /** 1-based line → hits. */
  lines: Map<number, number>;
  branches: BranchLine[];
  /** Steps that ran at least once, of all. */
  stepsHit: number;
  steps: number;
}

const isRan = (r: StepResult): boolean => !!r && (r.status === 'completed' || r.status === 'failed');
const conditionKey = (s: Step): string | null => (s.raw.condition !== undefined ? 'condition' : s.raw.if !== undefined ? 'if' : null);
const LOOP_KEYS = ['for_each', 'foreach', 'while'];

export class CoverageCollector {
  private readonly counts = new Map<Step, StepCounts>();
  private readonly all: Step[] = [];

  constructor(
    private readonly analysis: Analysis,
    /** The pipeline file as lcov's SF line gives it (relative to where the eval ran). */
    private readonly file: string,
  ) {
    const walk = (steps: Step[]) => {
      for (const s of steps) {
        this.all.push(s);
        this.counts.set(s, { ran: 0, reached: 0, condTrue: 0, condFalse: 0, succeeded: 0, failed: 0, loops: [0, 0, 0], tools: (s.agent?.tools ?? []).map(() => 0) });
        if (s.body) walk(s.body);
      }
    };
    walk(analysis.pipeline?.steps ?? []);
  }

  /** One case run's result document. */
  add(doc: ResultDocument): void {
    this.visit(this.analysis.pipeline?.steps ?? [], [doc.steps]);
  }

  /** `steps` of one list, their results in each scope that list ran in (the top level once, a body once per iteration). */
  private visit(steps: Step[], scopes: Record<string, StepResult>[]): void {
    for (const s of steps) {
      const c = this.counts.get(s)!;
      const bodies: Record<string, StepResult>[] = [];
      for (const scope of scopes) {
        const r = scope[s.id];
        if (!r) continue;
        const ran = isRan(r);
        if (ran || r.skip_kind === 'condition') c.reached++;
        if (r.skip_kind === 'condition') c.condFalse++;
        if (!ran) continue;
        c.ran++;
        c.condTrue++;
        if (r.status === 'failed' || r.success === false) c.failed++;
        else c.succeeded++;
        if (s.loop) {
          const n = (r.iterations?.length ?? 0) + (r.iterations_omitted ?? 0);
          c.loops[n === 0 ? 0 : n === 1 ? 1 : 2]++;
          for (const it of r.iterations ?? []) bodies.push(it.steps);
        }
        if (s.agent) this.countTools(s, c, r);
      }
      if (s.body && bodies.length) this.visit(s.body, bodies);
    }
  }

  private countTools(s: Step, c: StepCounts, r: StepResult): void {
    const calls = (r.result as { tool_calls?: AgentToolCall[] } | null)?.tool_calls;
    if (!Array.isArray(calls)) return;
    const entries = s.agent!.tools;
    for (const call of calls) {
      if (call.status !== 'ok' && call.status !== 'error') continue;
      const i = entries.findIndex((e) => call.tool === e.spelling || call.tool.startsWith(`${e.spelling}.`));
      if (i >= 0) c.tools[i]++;
    }
  }

  report(): CoverageReport {
    const parsed = this.analysis.parsed;
    const lineOf = (p: ValuePath, key?: string) => (key ? keyRange(parsed, [...p, key]) : valueRange(parsed, p)).start.line + 1;
    const lines = new Map<number, number>();
    // two records on one line (a one-action loop and its step) keep the larger count
    const da = (line: number, hits: number) => lines.set(line, Math.max(hits, lines.get(line) ?? 0));
    const branches: BranchLine[] = [];
    let block = 0;
    const brda = (line: number, reached: boolean, taken: number[], labels: string[]) => {
      taken.forEach((t, branch) => branches.push({ line, block, branch, taken: reached ? t : null, label: labels[branch] }));
      block++;
    };
    let stepsHit = 0;
    for (const s of this.all) {
      const c = this.counts.get(s)!;
      if (c.ran) stepsHit++;
      da(lineOf(s.path), c.ran);
      const cond = conditionKey(s);
      if (cond) brda(lineOf(s.path, cond), c.reached > 0, [c.condTrue, c.condFalse], ['true', 'false']);
      if (s.onFalse && s.raw.on_false !== undefined) da(lineOf(s.path, 'on_false'), c.condFalse);
      if (s.onSuccess && s.raw.on_success !== undefined) da(lineOf(s.path, 'on_success'), c.succeeded);
      if (s.onFailure.kind !== 'fail' && s.raw.on_failure !== undefined) {
        const at = lineOf(s.path, 'on_failure');
        brda(at, c.ran > 0, [c.succeeded, c.failed], ['succeeded', 'failed']);
        da(at, c.failed);
      }
      const loopKey = s.loop ? LOOP_KEYS.find((k) => s.raw[k] !== undefined) : undefined;
      if (s.loop) brda(loopKey ? lineOf(s.path, loopKey) : lineOf(s.path), c.ran > 0, c.loops, ['0 iterations', '1 iteration', 'many iterations']);
      s.agent?.tools.forEach((e, i) => da(lineOf(e.path), c.tools[i]));
    }
    return { file: this.file, lines, branches, stepsHit, steps: this.all.length };
  }
}

/** The report as lcov text (one record: the pipeline file). */
export function toLcov(r: CoverageReport): string {
  const out = ['TN:', `SF:${r.file.split(path.sep).join('/')}`];
  const lines = [...r.lines].sort(([a], [b]) => a - b);
  const branches = [...r.branches].sort((a, b) => a.line - b.line || a.block - b.block || a.branch - b.branch);
  for (const b of branches) out.push(`BRDA:${b.line},${b.block},${b.branch},${b.taken === null ? '-' : b.taken}`);
  out.push(`BRF:${branches.length}`, `BRH:${branches.filter((b) => b.taken).length}`);
  for (const [line, hits] of lines) out.push(`DA:${line},${hits}`);
  out.push(`LF:${lines.length}`, `LH:${lines.filter(([, h]) => h > 0).length}`, 'end_of_record');
  return `${out.join('\n')}\n`;
}

/** One line for the terminal: `coverage: 3/4 steps, 5/8 branches, 6/7 lines`. */
export function coverageLine(r: CoverageReport): string {
  const hit = [...r.lines.values()].filter((h) => h > 0).length;
  return `coverage: ${r.stepsHit}/${r.steps} steps, ${r.branches.filter((b) => b.taken).length}/${r.branches.length} branches, ${hit}/${r.lines.size} lines`;
}
