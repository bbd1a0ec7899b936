// The view state of a run, from its RunEvents: a pure reducer the webview renders from (and the
// unit tests check), so what a node shows follows from the events alone.
import type { RunEvent, StepResult, StepScope, StepStatus } from '../engine/run/events';
import type { BudgetStanding } from '../engine/guard/ledger';
import type { GuardrailLine } from '../engine/guard/types';
import { addStreamedText, agentFromResult, applyAgentEvent, isAgentResult, stopOpen, type AgentView } from './conversation';

export type NodeStatus = StepStatus | 'retrying';

export interface AttemptView {
  attempt: number;
  error: string;
  errorType: string;
  retryInMs: number | null;
}

export interface StepView {
  status: NodeStatus;
  /** Milliseconds since the epoch when the current attempt started (for the live timer). */
  startedAt: number | null;
  attempt: number;
  attempts: AttemptView[];
  inputs: Record<string, unknown> | null;
  result: StepResult | null;
  /** Streamed model text (the last MAX_TEXT characters) and tool output lines. */
  text: string;
  /** Loop steps: iterations seen and how many ended; body steps: runs across iterations. */
  iterationsStarted: number;
  iterationsEnded: number;
  /** An agent step's conversation (media/conversation.ts): live from its events, then from its result. */
  agent: AgentView | null;
  /** The iteration (scope) the conversation is of: a loop's body shows its latest iteration's. */
  agentScope: string;
  /** Its guards' checks, in order (engine/guard/): live from `guardrail` events, then from its result. */
  guards: GuardrailLine[];
}

export interface RunView {
  runId: string | null;
  pipelineId: string | null;
  status: 'idle' | 'running' | 'completed' | 'failed' | 'cancelled';
  startedAt: number | null;
  endedAt: number | null;
  total: number;
  steps: Record<string, StepView>;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  /** Steps whose results an earlier run supplied (Run From Here, Resume). */
  reused: string[];
  warnings: string[];
  /** The `orc serve` address of a run followed from the server (null: a run of this editor or a record). */
  served: string | null;
  /** Each budget's ledger (the run's, a step's own): live from `budget` events, then from the result. */
  budget: BudgetStanding[];
}

/** Streamed text kept per step: enough to read, bounded however long a stream runs. */
export const MAX_TEXT = 64 * 1024;

export function emptyRun(): RunView {
  return { runId: null, pipelineId: null, status: 'idle', startedAt: null, endedAt: null, total: 0, steps: {}, tokensIn: 0, tokensOut: 0, costUsd: 0, reused: [], warnings: [], served: null, budget: [] };
}

export function emptyStep(): StepView {
  return { status: 'pending', startedAt: null, attempt: 0, attempts: [], inputs: null, result: null, text: '', iterationsStarted: 0, iterationsEnded: 0, agent: null, agentScope: '', guards: [] };
}

function step(run: RunView, id: string): StepView {
  let s = run.steps[id];
  if (!s) {
    s = emptyStep();
    run.steps[id] = s;
  }
  return s;
}

function append(text: string, chunk: string): string {
  const t = text + chunk;
  return t.length > MAX_TEXT ? t.slice(t.length - MAX_TEXT) : t;
}

const scopeKey = (scope: StepScope[]) => scope.map((sc) => `${sc.loop}[${sc.index}]`).join('/');

/** A step's result as its conversation: an agent's loop record replaces the live view (the same view a
 * finished run opened later shows); without one, what was live stays, its open calls marked stopped. */
function settleAgent(s: StepView, id: string, result: StepResult): void {
  if (isAgentResult(result.result)) s.agent = agentFromResult(result.result, id);
  else if (s.agent) stopOpen(s.agent);
}

/** Steps done: ran to an end or were skipped (a cancelled step never ran). */
export function stepsDone(run: RunView): number {
  let n = 0;
  for (const s of Object.values(run.steps)) if (s.result && (s.status === 'completed' || s.status === 'skipped' || s.status === 'failed')) n++;
  return n;
}

/** How a run's steps stand, as the header says it: `ids` are the steps the graph draws (a loop's body
 * included); without a graph, the steps the run knows. A step that completed but reported a failure
 * (`success: false`) counts as failed; once the run has ended, a step that never started is `notRun`. */
export interface StepCounts {
  total: number;
  completed: number;
  failed: number;
  skipped: number;
  cancelled: number;
  notRun: number;
}

export function stepCounts(run: RunView, ids: readonly string[] | null): StepCounts {
  const list = ids ?? Object.keys(run.steps);
  const ended = run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled';
  const c: StepCounts = { total: ids ? ids.length : Math.max(run.total, list.length), completed: 0, failed: 0, skipped: 0, cancelled: 0, notRun: 0 };
  for (const id of list) {
    const s = run.steps[id];
    const status = s?.status ?? 'pending';
    if (status === 'completed') {
      if (s.result?.success === false) c.failed++;
      else c.completed++;
    } else if (status === 'failed') c.failed++;
    else if (status === 'skipped') c.skipped++;
    else if (status === 'cancelled') c.cancelled++;
    else if (status === 'pending' && ended) c.notRun++;
  }
  return c;
}

/** Applies events in order; returns a new top-level object (step objects are updated in place and
 * their ids returned in `changed`, so a renderer touches only those nodes). */
export function applyEvents(prev: RunView, events: RunEvent[]): { run: RunView; changed: Set<string> } {
  const run: RunView = { ...prev, steps: { ...prev.steps } };
  const changed = new Set<string>();
  for (const e of events) {
    switch (e.type) {
      case 'run-started': {
        const keep = e.resumed ? run.steps : {};
        Object.assign(run, emptyRun(), { runId: e.executionId, pipelineId: e.pipelineId, status: 'running', startedAt: e.time, total: e.steps.length, steps: keep, reused: prev.reused, served: prev.served ?? null });
        for (const id of e.steps) {
          if (!run.steps[id]) run.steps[id] = emptyStep();
          changed.add(id);
        }
        break;
      }
      case 'step-ready':
        break;
      case 'step-started': {
        // a step inside a loop iteration: the body node shows its latest iteration
        const s = step(run, e.stepId);
        const inLoop = e.scope.length > 0;
        s.status = 'running';
        s.startedAt = e.time;
        s.attempt = e.attempt;
        s.inputs = e.inputs;
        if (e.attempt === 1 && !inLoop) {
          s.attempts = [];
          s.text = '';
          s.guards = [];
        }
        // each attempt (each iteration) is a new conversation
        s.agent = null;
        s.agentScope = scopeKey(e.scope);
        if (inLoop && e.attempt === 1) s.iterationsStarted++;
        changed.add(e.stepId);
        for (const sc of e.scope) {
          // the enclosing loop counts iterations as its body steps start
          const loop = step(run, sc.loop);
          loop.iterationsStarted = Math.max(loop.iterationsStarted, sc.index + 1);
          if (loop.status === 'pending') {
            loop.status = 'running';
            loop.startedAt = e.time;
          }
          changed.add(sc.loop);
        }
        break;
      }
      case 'attempt-failed': {
        const s = step(run, e.stepId);
        s.attempts = [...s.attempts, { attempt: e.attempt, error: e.error, errorType: e.errorType, retryInMs: e.retryInMs }];
        if (e.retryInMs !== null) s.status = 'retrying';
        changed.add(e.stepId);
        break;
      }
      case 'step-output': {
        const s = step(run, e.stepId);
        s.text = append(s.text, e.chunk);
        if (s.agent && e.stream === 'text' && scopeKey(e.scope) === (s.agentScope ?? '')) addStreamedText(s.agent, e.chunk);
        changed.add(e.stepId);
        break;
      }
      case 'step-ended': {
        const s = step(run, e.stepId);
        const inLoop = e.scope.length > 0;
        if (inLoop) s.iterationsEnded++;
        s.status = e.result.status;
        s.result = e.result;
        s.startedAt = null;
        if (e.result.guardrails && !inLoop) s.guards = e.result.guardrails;
        if (scopeKey(e.scope) === (s.agentScope ?? '')) settleAgent(s, e.stepId, e.result);
        // a loop's result repeats its body steps' tokens, which were counted as they ended
        if (!e.result.iterations) {
          run.tokensIn += e.result.tokens_in;
          run.tokensOut += e.result.tokens_out;
          run.costUsd += e.result.cost_usd;
        }
        changed.add(e.stepId);
        break;
      }
      case 'guardrail': {
        const s = step(run, e.stepId);
        const { guard, stage, passed, action, reason, score } = e;
        s.guards = [...(s.guards ?? []).slice(-99), { guard, stage, passed, action, reason, ...(score !== undefined ? { score } : {}) }];
        changed.add(e.stepId);
        break;
      }
      case 'budget': {
        const { budget, spent_usd, spent_tokens, held_usd, held_tokens, max_cost_usd, max_tokens } = e;
        const line: BudgetStanding = { budget, step: e.stepId, spent_usd, spent_tokens, held_usd, held_tokens, max_cost_usd, max_tokens, spent: e.spent };
        const list = run.budget ?? [];
        const at = list.findIndex((b) => b.budget === budget);
        // the run's budget first, then the steps' in the order they were first seen
        run.budget = at >= 0 ? list.map((b, i) => (i === at ? line : b)) : line.step === null ? [line, ...list] : [...list, line];
        break;
      }
      case 'warning':
        run.warnings = [...run.warnings.slice(-49), e.message];
        break;
      case 'checkpoint-written':
        break;
      case 'run-ended': {
        run.status = e.result.status;
        run.endedAt = e.time;
        run.tokensIn = e.result.tokens_in;
        run.tokensOut = e.result.tokens_out;
        run.costUsd = e.result.cost_usd;
        if (e.result.budget?.length) run.budget = e.result.budget;
        for (const [id, r] of Object.entries(e.result.steps)) {
          const s = step(run, id);
          if (s.status !== r.status || !s.result) {
            s.status = r.status;
            s.result = r;
            if (r.guardrails) s.guards = r.guardrails;
            s.startedAt = null;
            settleAgent(s, id, r);
            changed.add(id);
          }
        }
        break;
      }
      case 'agent-turn-started':
      case 'agent-turn-ended':
      case 'tool-call-started':
      case 'tool-call-ended':
      case 'agent-handoff':
      case 'agent-ended': {
        const s = step(run, e.stepId);
        // another iteration's agent (a loop's body running in parallel): the node shows the latest started
        if (scopeKey(e.scope) !== (s.agentScope ?? '')) break;
        s.agent = applyAgentEvent(s.agent ?? null, e);
        changed.add(e.stepId);
        break;
      }
      default:
        // an event kind this view does not know (a newer engine): ignored, never fatal
        break;
    }
  }
  return { run, changed };
}

/** Keeps the statuses of steps that still exist when the graph changes; drops the others. */
export function retainSteps(run: RunView, ids: Iterable<string>): RunView {
  const keep = new Set(ids);
  const steps: Record<string, StepView> = {};
  for (const [id, s] of Object.entries(run.steps)) if (keep.has(id)) steps[id] = s;
  return { ...run, steps };
}

/** A run's record replayed as its events' end state: for a panel restored after a reload. */
export function statusesOf(run: RunView): Record<string, NodeStatus> {
  const out: Record<string, NodeStatus> = {};
  for (const [id, s] of Object.entries(run.steps)) out[id] = s.status;
  return out;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
