// A run's trace, built from its RunEvents: one root `invoke_workflow {pipeline}` span, an
// `execute_tool {step}` span per step, an `attempt N` span per attempt when the step was tried more
// than once (a step tried once is its own attempt: half the spans, the cost of tracing per step),
// loop iterations under their loop's attempt, nested pipelines under the step that ran them, a
// `chat {model}` span per provider call, and an agent step's `invoke_agent` with its turns and calls
// (agentSpans.ts). It is a RunListener: the run knows nothing of it. Loaded only when traces are on.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type AttributeValue, type Attributes, type Context, type Link, type Span, type Tracer } from '@opentelemetry/api';
import type { NestedRunAt, RunEvent, RunListener, StepResult, StepScope } from '../run/events';
import type { RunOptions } from '../run/runPipeline';
import type { Redactor } from '../toolkit/redact';
import { messagesJson, startChatSpan } from './chatSpan';
import { guardSpan } from './guardSpan';
import { AgentSpans, type AgentRunEvent } from './agentSpans';
import { ERROR_TYPE, GEN_AI, ORC } from './semconv';
import { MAX_QUEUE } from './spanQueue';

/** A step span's attributes (the hot path, a span per step, spells them out): semconv.ts's names, checked by the type. */
type StepAttribute =
  | (typeof GEN_AI)['operation' | 'toolName' | 'toolType' | 'inputTokens' | 'outputTokens']
  | (typeof ORC)['stepId' | 'tool' | 'action' | 'status' | 'attempts' | 'retries' | 'costUsd' | 'cached']
  | typeof ERROR_TYPE;

/**
 * Epoch milliseconds as the SDK's [seconds, nanoseconds] (its own `millisToHrTime`): a span given
 * that takes it as is, where a number costs a clock reading to tell epoch from process time.
 */
function hrTime(ms: number): [number, number] {
  return [Math.trunc(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

export interface RunTracerOptions {
  tracer: Tracer;
  redactor: Redactor;
  /** Prompts and answers on the chat spans (redacted). */
  captureContent: boolean;
  /** The pipeline's id, for the root span's name before the run starts. */
  pipelineId?: string;
  /** The parent of the root span (a nested run's step; a coordinator's span, in a worker). */
  parent?: Context;
  /** The W3C traceparent of an earlier session of this run (a resume): linked from the root. */
  linkTo?: string;
}

interface PendingChat {
  span: Span;
  end: number;
}

type ModelCall = Extract<RunEvent, { type: 'model-call' }>;

interface StepSpans {
  /** Made when something needs it (a child, an event, a traceparent) or, for a step nothing needed, from its record when the event loop next turns. */
  step: Span | null;
  /** What the span is made with: its parent (the root or a loop iteration) and its start (when the step was ready). */
  parent: Context;
  startTime: [number, number];
  /** The step's id, tool and action: its span's first attributes, set with the others when it ends (one pass over them, not three). */
  stepId: string;
  tool: string | null;
  action: string | null;
  /** The span of the current attempt: only once the step is tried again (attempt 1's is made when it fails and a retry follows). */
  attempt: Span | null;
  /** Made when something hangs under them (a call, a nested run, an iteration). */
  attemptCtx: Context | null;
  stepCtx: Context | null;
  /** When the current attempt started (attempt 1's span, made late, starts then). */
  attemptStart: number;
  prompt: unknown;
  /** Made with the first (most steps make no model call). */
  chats: PendingChat[] | null;
  /** The current attempt's calls while it has no span: they become spans when it ends, under the right parent. */
  calls: ModelCall[] | null;
  /** Its attempts run on a worker (which traces its model calls). */
  remote?: boolean;
  /** The current attempt's agent (an agent step): its spans are made when the attempt ends. */
  agent?: AgentSpans;
}

/** A step that ended before anything needed its span: the span is made, filled and ended from this later. */
interface EndedStep {
  s: StepSpans;
  r: StepResult;
  time: number;
}

/** Tracers holding ended steps whose spans are not made yet (made at the next turn of the loop, or by flushSteps). */
const holding = new Set<RunTracer>();

/** Makes the spans of every ended step still held (before the SDK flushes at exit). */
export function flushSteps(): void {
  for (const t of [...holding]) t.flushSteps();
}

interface IterationSpan {
  span: Span;
  ctx: Context;
  last: number;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A span context from a W3C traceparent, or null when it is not one. */
export function parseTraceparent(tp: string | undefined | null): { traceId: string; spanId: string; traceFlags: number; isRemote: true } | null {
  const m = tp ? TRACEPARENT.exec(tp.trim()) : null;
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return null;
  return { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true };
}

export function traceparentOf(span: Span): string {
  const c = span.spanContext();
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 1 ? 1 : 0).toString(16).padStart(2, '0')}`;
}

/** A context whose active span is the remote one a traceparent names (ROOT_CONTEXT when none). */
export function contextFromTraceparent(tp: string | undefined | null): Context {
  const sc = parseTraceparent(tp);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

export function keyOf(scope: StepScope[], step: string): string {
  if (!scope.length) return step;
  let k = '';
  for (const s of scope) k += `${s.loop}[${s.index}]/`;
  return k + step;
}

function scopeKey(scope: StepScope[], n: number): string {
  let k = '';
  for (let i = 0; i < n; i++) k += `${scope[i].loop}[${scope[i].index}]/`;
  return k;
}


export class RunTracer {
  readonly root: Span;
  private readonly rootCtx: Context;
  private readonly steps = new Map<string, StepSpans>();
  private readonly iterations = new Map<string, IterationSpan>();
  private readonly ready = new Map<string, number>();
  /** Steps that ended with spans not made yet (a plain step: no child, no retry, nothing asked for its context). */
  private endedSteps: EndedStep[] = [];
  private flushing: NodeJS.Immediate | undefined;
  readonly listener: RunListener = (e) => this.on(e);

  constructor(private readonly o: RunTracerOptions) {
    const links: Link[] = [];
    const first = parseTraceparent(o.linkTo);
    if (first) links.push({ context: first, attributes: { 'orchestrator.link': 'first_session' } });
    this.root = o.tracer.startSpan(`invoke_workflow ${o.pipelineId ?? ''}`.trim(), { kind: SpanKind.INTERNAL, links, attributes: { [GEN_AI.operation]: 'invoke_workflow' } }, o.parent ?? ROOT_CONTEXT);
    this.rootCtx = trace.setSpan(o.parent ?? ROOT_CONTEXT, this.root);
  }

  get traceparent(): string {
    return traceparentOf(this.root);
  }

  /** The context of a step's current attempt, or of the step when the attempt has no span of its own. */
  private ctxOf(s: StepSpans): Context {
    if (s.attempt) return (s.attemptCtx ??= trace.setSpan(ROOT_CONTEXT, s.attempt));
    return (s.stepCtx ??= trace.setSpan(ROOT_CONTEXT, this.stepSpan(s)));
  }

  /**
   * A step's span, made now if it was not yet. A step's span is made late: a run of trivial steps
   * that never yields to the event loop would otherwise spend its time in the SDK, step after step,
   * while the spans could not be sent anyway until the loop turns (their times are the run's own).
   */
  private stepSpan(s: StepSpans): Span {
    return (s.step ??= this.o.tracer.startSpan(`execute_tool ${s.stepId}`, { kind: SpanKind.INTERNAL, startTime: s.startTime }, s.parent));
  }

  /** Makes, fills and ends the spans of the steps that ended since the loop last turned. */
  flushSteps(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    holding.delete(this);
    const ended = this.endedSteps;
    this.endedSteps = [];
    for (const e of ended) this.finish(e.s, e.r, e.time);
  }

  /** The listeners of a run nested in the step at `from`: its trace hangs under that step's attempt. */
  readonly nestedListeners = (from: NestedRunAt): Pick<RunOptions, 'listeners' | 'nestedListeners'> => {
    const s = this.steps.get(keyOf(from.scope, from.stepId));
    const child = new RunTracer({ ...this.o, pipelineId: undefined, linkTo: undefined, parent: s ? this.ctxOf(s) : this.rootCtx });
    return { listeners: [child.listener], nestedListeners: child.nestedListeners };
  };

  /** The context of the span a step of `scope` hangs under: the root, or its loop iteration's span. */
  private parentOf(scope: StepScope[], time: number): Context {
    if (!scope.length) return this.rootCtx;
    let ctx = this.rootCtx;
    for (let i = 0; i < scope.length; i++) {
      const at = scope[i];
      const key = `${scopeKey(scope, i)}${at.loop}[${at.index}]`;
      let it = this.iterations.get(key);
      if (!it) {
        const loop = this.steps.get(`${scopeKey(scope, i)}${at.loop}`);
        const parent = loop ? this.ctxOf(loop) : ctx;
        const span = this.o.tracer.startSpan(`iteration ${at.loop}`, { kind: SpanKind.INTERNAL, startTime: time, attributes: { [ORC.loop]: at.loop, [ORC.index]: at.index } }, parent);
        it = { span, ctx: trace.setSpan(parent, span), last: time };
        this.iterations.set(key, it);
      }
      if (time > it.last) it.last = time;
      ctx = it.ctx;
    }
    return ctx;
  }

  private on(e: RunEvent): void {
    switch (e.type) {
      case 'run-started':
        this.root.updateName(`invoke_workflow ${e.pipelineId}`);
        this.root.setAttributes({ [GEN_AI.workflowName]: e.pipelineId, [ORC.pipelineId]: e.pipelineId, [ORC.runId]: e.executionId, [ORC.resumed]: e.resumed });
        return;
      case 'step-ready':
        this.ready.set(keyOf(e.scope, e.stepId), e.time);
        return;
      case 'step-started':
        return this.started(e);
      case 'attempt-failed':
        return this.attemptFailed(e);
      case 'model-call':
        return this.modelCall(e);
      case 'agent-turn-started':
      case 'agent-turn-ended':
      case 'tool-call-started':
      case 'tool-call-ended':
      case 'agent-ended':
        return this.agentEvent(e);
      case 'step-ended':
        return this.ended(e.scope, e.stepId, e.result, e.time);
      case 'guardrail': {
        const s = this.steps.get(keyOf(e.scope, e.stepId));
        if (!s?.remote) guardSpan(this.o.tracer, e, s ? this.ctxOf(s) : this.rootCtx, this.o.redactor);
        return;
      }
      case 'warning':
        this.root.addEvent('warning', { [ORC.message]: this.o.redactor.text(e.message), ...(e.stepId ? { [ORC.stepId]: e.stepId } : {}) }, e.time);
        return;
      case 'run-ended':
        return this.runEnded(e.result, e.time);
      default:
        return;
    }
  }

  private started(e: Extract<RunEvent, { type: 'step-started' }>): void {
    const key = keyOf(e.scope, e.stepId);
    let s = this.steps.get(key);
    if (!s) {
      const parent = this.parentOf(e.scope, e.time);
      const startTime = this.ready.get(key) ?? e.time;
      this.ready.delete(key);
      s = { step: null, parent, startTime: hrTime(startTime), stepId: e.stepId, tool: e.tool ?? null, action: e.action ?? null, attempt: null, attemptCtx: null, stepCtx: null, attemptStart: e.time, prompt: undefined, chats: null, calls: null };
      this.steps.set(key, s);
    } else this.endAttempt(s, e.time, null);
    s.attemptStart = e.time;
    // a second attempt and later ones: a span each (the first has one made when it failed)
    if (e.attempt > 1) s.attempt = this.startAttempt(s, e.attempt, e.time);
    if (this.o.captureContent) s.prompt = e.inputs.prompt ?? (Object.keys(e.inputs).length ? e.inputs : undefined);
  }

  private startAttempt(s: StepSpans, attempt: number, time: number): Span {
    s.attemptCtx = null;
    return this.o.tracer.startSpan(`attempt ${attempt}`, { kind: SpanKind.INTERNAL, startTime: time, attributes: { [ORC.attempt]: attempt } }, s.stepCtx ?? trace.setSpan(ROOT_CONTEXT, this.stepSpan(s)));
  }

  private attemptFailed(e: Extract<RunEvent, { type: 'attempt-failed' }>): void {
    const s = this.steps.get(keyOf(e.scope, e.stepId));
    if (!s) return;
    // the first attempt failed and another follows: now it is worth a span of its own
    if (!s.attempt && e.retryInMs !== null) s.attempt = this.startAttempt(s, e.attempt, s.attemptStart);
    if (s.attempt) {
      s.attempt.setAttribute(ERROR_TYPE, e.errorType);
      s.attempt.setStatus({ code: SpanStatusCode.ERROR, message: this.o.redactor.text(e.error) });
    }
    s.agent?.fail(e.errorType, e.error);
    if (e.retryInMs !== null) this.stepSpan(s).addEvent('retry', { [ORC.attempt]: e.attempt, [ORC.retryInMs]: e.retryInMs, [ERROR_TYPE]: e.errorType }, e.time);
    this.endAttempt(s, e.time, null);
  }

  private agentEvent(e: AgentRunEvent): void {
    const s = this.steps.get(keyOf(e.scope, e.stepId));
    if (!s || s.remote) return;
    (s.agent ??= new AgentSpans(this.o)).on(e);
  }

  private modelCall(e: Extract<RunEvent, { type: 'model-call' }>): void {
    const s = this.steps.get(keyOf(e.scope, e.stepId));
    // a worker ran the attempt: its own trace has the call, under its span
    if (s?.remote) return;
    // an agent's turn: its chat span hangs under the agent's
    if (s?.agent?.takes(e)) return;
    // an attempt without a span yet: its calls wait for its end, to hang under it if it is retried
    if (s && !s.attempt) {
      (s.calls ??= []).push(e);
      return;
    }
    const parent = s ? this.ctxOf(s) : this.rootCtx;
    const input = this.o.captureContent && s?.prompt !== undefined ? messagesJson(this.o.redactor, 'user', s.prompt) : undefined;
    const { span, end } = startChatSpan(this.o.tracer, e, parent, input);
    // with content on, the answer is known only when the attempt ends: the span waits for it
    if (this.o.captureContent && s) (s.chats ??= []).push({ span, end });
    else span.end(end);
  }

  /**
   * The traceparent of a step's current attempt span, for a worker that runs it (`orc run --redis`):
   * its spans hang under it, and its model calls are its own trace's (not repeated here).
   */
  remoteTraceparent(key: string): string | undefined {
    const s = this.steps.get(key);
    if (!s) return undefined;
    s.remote = true;
    return traceparentOf(s.attempt ?? this.stepSpan(s));
  }

  private endAttempt(s: StepSpans, time: number, r: StepResult | null): void {
    if (s.agent) {
      if (r && (r.success === false || r.status === 'cancelled')) s.agent.fail(r.error_type ?? r.status, r.error ?? r.status);
      s.agent.flush(this.ctxOf(s), time, s.prompt);
      s.agent = undefined;
    }
    if (s.calls) {
      const parent = this.ctxOf(s);
      const input = this.o.captureContent && s.prompt !== undefined ? messagesJson(this.o.redactor, 'user', s.prompt) : undefined;
      const chats = (s.chats ??= []);
      for (const c of s.calls) chats.push(startChatSpan(this.o.tracer, c, parent, input));
      s.calls = null;
    }
    if (s.chats) {
      const last = s.chats[s.chats.length - 1];
      if (this.o.captureContent && r?.success && r.result !== null && r.result !== undefined) last.span.setAttribute(GEN_AI.outputMessages, messagesJson(this.o.redactor, 'assistant', r.result));
      for (const c of s.chats) c.span.end(c.end);
      s.chats = null;
    }
    if (!s.attempt) return;
    if (r) {
      if (r.success === false) {
        if (r.error_type) s.attempt.setAttribute(ERROR_TYPE, r.error_type);
        s.attempt.setStatus({ code: SpanStatusCode.ERROR, message: r.error ? this.o.redactor.text(r.error) : r.status });
      }
    }
    s.attempt.end(time);
    s.attempt = null;
    s.attemptCtx = null;
  }

  private ended(scope: StepScope[], step: string, r: StepResult, time: number): void {
    const key = keyOf(scope, step);
    let s = this.steps.get(key);
    if (!s) {
      // a step that never started (skipped, cancelled): a span of its own, from ready to now
      const parent = this.parentOf(scope, time);
      s = { step: null, parent, startTime: hrTime(this.ready.get(key) ?? time), stepId: step, tool: null, action: null, attempt: null, attemptCtx: null, stepCtx: null, attemptStart: time, prompt: undefined, chats: null, calls: null };
    } else if (scope.length) this.parentOf(scope, time);
    this.ready.delete(key);
    this.steps.delete(key);
    if (r.iterations) this.endIterations(key, r);
    this.endAttempt(s, time, r);
    if (s.step) return this.finish(s, r, time);
    // nothing needed its span while it ran: made with the others when the loop next turns (at
    // most as many held as the span queue holds: a run that never yields makes them now past that)
    if (this.endedSteps.push({ s, r, time }) >= MAX_QUEUE) return this.flushSteps();
    if (!this.flushing) {
      holding.add(this);
      this.flushing = setImmediate(() => this.flushSteps());
    }
  }

  /** A step's span gets its attributes and events, and ends. */
  private finish(s: StepSpans, r: StepResult, time: number): void {
    const span = this.stepSpan(s);
    // one literal of a fixed shape (the names of semconv.ts spelled out, which V8 builds from a
    // template): an absent value (null, undefined) is no attribute, as the SDK skips it
    span.setAttributes({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': s.stepId,
      'gen_ai.tool.type': 'function',
      'orchestrator.step.id': s.stepId,
      'orchestrator.tool': s.tool || undefined,
      'orchestrator.action': s.action || undefined,
      'orchestrator.status': r.status,
      'orchestrator.attempts': r.attempts,
      'orchestrator.retries': r.retries,
      'gen_ai.usage.input_tokens': r.tokens_in,
      'gen_ai.usage.output_tokens': r.tokens_out,
      'orchestrator.cost_usd': r.cost_usd,
      'orchestrator.cached': r.cached ? true : undefined,
      'error.type': (r.success === false && r.error_type) || undefined,
    } satisfies Record<StepAttribute, AttributeValue | undefined>);
    const at = hrTime(time);
    if (r.queued_ms) span.addEvent('queued', { 'orchestrator.queued_ms': r.queued_ms } satisfies Record<(typeof ORC)['queuedMs'], number>, at);
    if (r.limiter_wait_ms) span.addEvent('rate_limited', { [ORC.waitMs]: r.limiter_wait_ms }, at);
    if (r.success === false) span.setStatus({ code: SpanStatusCode.ERROR, message: r.error ? this.o.redactor.text(r.error) : r.status });
    span.end(at);
  }

  /** A step span's first attributes, for a step the run's end closes (it never ended itself). */
  private stepAttributes(s: StepSpans): void {
    const attributes: Attributes = { [GEN_AI.operation]: 'execute_tool', [GEN_AI.toolName]: s.stepId, [GEN_AI.toolType]: 'function', [ORC.stepId]: s.stepId };
    if (s.tool) attributes[ORC.tool] = s.tool;
    if (s.action) attributes[ORC.action] = s.action;
    this.stepSpan(s).setAttributes(attributes);
  }

  /** A loop ended: each iteration's span ends at its last event, with its status. */
  private endIterations(loopKey: string, r: StepResult): void {
    const status = new Map<number, string>();
    for (const it of r.iterations ?? []) status.set(it.index, it.status);
    const prefix = `${loopKey}[`;
    for (const [k, it] of this.iterations) {
      if (!k.startsWith(prefix) || k.indexOf('/', prefix.length) !== -1) continue;
      const index = Number(k.slice(prefix.length, -1));
      const st = status.get(index);
      if (st) it.span.setAttribute(ORC.status, st);
      if (st === 'failed') it.span.setStatus({ code: SpanStatusCode.ERROR });
      it.span.end(it.last);
      this.iterations.delete(k);
    }
  }

  private runEnded(doc: Extract<RunEvent, { type: 'run-ended' }>['result'], time: number): void {
    // whatever is still open (a cancelled run, restored steps) ends with the run
    for (const s of this.steps.values()) {
      this.endAttempt(s, time, null);
      this.stepAttributes(s);
      this.stepSpan(s).end(time);
    }
    this.steps.clear();
    for (const it of this.iterations.values()) it.span.end(it.last);
    this.iterations.clear();
    this.root.setAttributes({ [ORC.status]: doc.status, [ORC.costUsd]: doc.cost_usd, [GEN_AI.inputTokens]: doc.tokens_in, [GEN_AI.outputTokens]: doc.tokens_out });
    if (!doc.success) {
      // failed steps, else those that reported failure (a command's exit code) without failing the step
      const bad = doc.failed_steps.length ? doc.failed_steps : Object.keys(doc.steps).filter((k) => doc.steps[k].success === false);
      this.root.setAttribute(ERROR_TYPE, doc.status === 'cancelled' ? 'cancelled' : bad.length ? (doc.steps[bad[0]].error_type ?? 'ReportedFailure') : doc.output_errors ? 'OutputError' : doc.status);
      this.root.setStatus({ code: SpanStatusCode.ERROR, message: bad.length ? `failed steps: ${bad.join(', ')}` : doc.status });
    }
    this.root.end(time);
  }
}

