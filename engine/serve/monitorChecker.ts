// One monitor check: the eval's assertions (engine/eval/assertions.ts, through engine/api) on a
// finished run's result document, giving a line of the monitor's file (monitorLog.ts). Which runs
// are checked is seeded by the run id (a hash of run id and monitor name under `sample`), so a
// check can be reproduced. A judge (llm_rubric) draws on the monitor's own daily budget, reserved
// before each call as a run's budget is (engine/guard/ledger.ts), and is bounded in time: one that
// hangs or fails makes the check `error`, never a pass or a fail.
import { createHash } from 'node:crypto';
import { ASSERTION_KINDS, assertionNow, RunLedger, withBudget, type AssertionKind, type AssertionResult, type EvalAssertion, type ModelRunner, type MonitorDecl, type ResultDocument } from '../api/index';
import type { MonitorCheck } from './monitorLog';

/** A judge that has not answered in this long makes its check `error` (ms). */
export const DEFAULT_JUDGE_TIMEOUT_MS = 60_000;

/** Whether the monitor checks this run: the first 32 bits of sha256(run id, monitor name), as a share of 2^32, under `sample`. */
export function sampled(runId: string, monitor: string, sample: number): boolean {
  if (sample >= 1) return true;
  if (!(sample > 0)) return false;
  const h = createHash('sha256').update(runId).update('\n').update(monitor).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000 < sample;
}

/** Kinds about the run as a whole (no output to look at). */
const WHOLE_RUN = new Set<string>(['max_cost_usd', 'max_latency_ms', 'status', 'expression', 'guardrail_tripped', 'guardrail_not_tripped']);
/** The key a monitor's assertion without `output:` looks at when the run has several outputs (all of them, as JSON). */
export const ALL_OUTPUTS = '(outputs)';

/**
 * A monitor's assertion as written (`{type: not-contains, value: "I cannot"}`, the eval's own
 * `{not_contains: "I cannot"}` too) as the eval's assertion; a string saying why when it is none.
 */
export function monitorAssertion(raw: Record<string, unknown>, index: number): EvalAssertion | string {
  let kind: string | undefined;
  let operand: unknown;
  if (typeof raw.type === 'string') {
    kind = raw.type.trim().replace(/-/g, '_');
    operand = raw.value;
  } else {
    const kinds = Object.keys(raw).filter((k) => (ASSERTION_KINDS as readonly string[]).includes(k));
    if (kinds.length === 1) [kind, operand] = [kinds[0], raw[kinds[0]]];
  }
  if (!kind || !(ASSERTION_KINDS as readonly string[]).includes(kind)) return `assertion ${index + 1} has no assertion type the eval knows (${kind ? `'${String(raw.type)}'` : 'no type'})`;
  if (kind === 'is_json' && operand === undefined) operand = true;
  const str = (k: string) => (typeof raw[k] === 'string' && raw[k] ? (raw[k] as string) : null);
  const num = (k: string) => (typeof raw[k] === 'number' && Number.isFinite(raw[k]) ? (raw[k] as number) : null);
  const output = str('output');
  const step = str('step');
  return {
    kind: kind as AssertionKind,
    target: output ? { output } : step ? { step } : null,
    operand,
    threshold: num('threshold'),
    tolerance: num('tolerance'),
    model: str('model'),
    args: raw.args && typeof raw.args === 'object' && !Array.isArray(raw.args) ? (raw.args as Record<string, unknown>) : null,
    description: str('description'),
    path: ['monitors', index],
    line: -1,
  };
}

/** An assertion without a target looks at the run's one output, or at all of them (as JSON) when it has several. */
function aimed(a: EvalAssertion, doc: ResultDocument): { a: EvalAssertion; doc: ResultDocument } {
  if (a.target || WHOLE_RUN.has(a.kind)) return { a, doc };
  const names = Object.keys(doc.outputs);
  if (names.length === 1) return { a: { ...a, target: { output: names[0] } }, doc };
  const all = doc.status === 'completed' ? { ...doc, outputs: { ...doc.outputs, [ALL_OUTPUTS]: doc.outputs } } : doc;
  return { a: { ...a, target: { output: ALL_OUTPUTS } }, doc: all };
}

/** A monitor's daily budget for its judges: one ledger per UTC day, its calls reserved on it. */
export class MonitorBudget {
  private day = '';
  private bound: ModelRunner | null = null;

  constructor(
    private readonly models: ModelRunner,
    private readonly decl: MonitorDecl['budget'],
  ) {}

  /** The runner the monitor's judges call today. */
  runner(now = new Date()): ModelRunner {
    if (!this.decl || (this.decl.maxCostUsd === null && this.decl.maxTokens === null)) return this.models;
    const day = now.toISOString().slice(0, 10);
    if (day !== this.day || !this.bound) {
      this.day = day;
      this.bound = withBudget(this.models, new RunLedger({ maxCostUsd: this.decl.maxCostUsd, maxTokens: this.decl.maxTokens, maxDuration: null }), new Map());
    }
    return this.bound;
  }
}

export interface CheckContext {
  models: ModelRunner;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Aborted when the server closes: the check is then not written. */
  signal?: AbortSignal;
  /** Calls through a cassette (`orc run --monitor --replay`): `similar` is not called live. */
  replay?: boolean;
}

/** Why an assertion did not pass, as the check's reasons say it. */
const reasonOf = (r: AssertionResult) => `${r.kind}${r.target === 'run' ? '' : ` (${r.target})`}: ${r.reason || (r.status === 'error' ? 'could not be judged' : 'did not pass')}`;

/** Checks a finished run with the monitor's assertions. */
export async function checkRun(doc: ResultDocument, pipeline: string, decl: MonitorDecl, ctx: CheckContext): Promise<MonitorCheck> {
  const timeoutMs = ctx.timeoutMs ?? DEFAULT_JUDGE_TIMEOUT_MS;
  // the check's own signal: aborted by its timeout or by the server's. Not AbortSignal.timeout and
  // AbortSignal.any: the first keeps its timer (and what it aborts) until it fires, the second a
  // dependant on the server's long-lived signal, so that every check of the last 60 s stayed on the
  // heap (2 KB each: 10,000 checks in a burst held 20 MB). This one is let go when the check ends.
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort(new DOMException(`the judge did not answer within ${timeoutMs / 1000} s`, 'TimeoutError'));
  }, timeoutMs);
  timer.unref();
  const outer = ctx.signal;
  const onAbort = () => ctl.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  try {
    return await checkWith(doc, pipeline, decl, ctx, ctl.signal, () => timedOut, timeoutMs);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

async function checkWith(doc: ResultDocument, pipeline: string, decl: MonitorDecl, ctx: CheckContext, signal: AbortSignal, timedOut: () => boolean, timeoutMs: number): Promise<MonitorCheck> {
  const reasons: string[] = [];
  let failed = false;
  let erred = false;
  let score: number | null = null;
  const theCase = { id: doc.execution_id, values: {}, assert: [], skip: null, line: 0 };
  for (const [i, raw] of decl.assert.entries()) {
    const converted = monitorAssertion(raw, i);
    if (typeof converted === 'string') {
      erred = true;
      reasons.push(converted);
      continue;
    }
    const { a, doc: seen } = aimed(converted, doc);
    let r: AssertionResult;
    try {
      r = await assertionNow(a, { case: theCase, doc: seen, models: ctx.models, judge: null, embedding: null, signal, env: ctx.env, ...(ctx.replay ? { replay: true } : {}) });
    } catch (e) {
      if (ctx.signal?.aborted) throw e;
      erred = true;
      reasons.push(`${a.kind}: ${timedOut() ? `the judge did not answer within ${timeoutMs / 1000} s` : (e as Error).message}`);
      continue;
    }
    if ((r.kind === 'llm_rubric' || r.kind === 'similar') && r.status !== 'error') score = score === null ? r.score : Math.min(score, r.score);
    if (r.status === 'fail') failed = true;
    if (r.status === 'error') erred = true;
    if (r.status !== 'pass') reasons.push(reasonOf(r));
  }
  const status = failed ? 'fail' : erred ? 'error' : 'pass';
  return { run_id: doc.execution_id, pipeline, monitor: decl.name, status, passed: status === 'pass', score, reasons, at: new Date().toISOString() };
}
