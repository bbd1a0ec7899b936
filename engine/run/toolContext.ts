// What a tool sees of one attempt of its step (or of one call an agent makes): the run's folders,
// its signal, its output stream and the model calls it makes for the step, each made when the tool
// first reads it.
import type { Step } from '../spec/types';
import type { ToolContext } from '../toolkit/runtime';
import type { StepResult, StepScope } from './events';
import type { ActionContext } from './runContext';
import type { ModelCallRecord } from '../models/modelRunner';
import { createToolModels } from '../models/toolModels';
import type { ToolModels } from '../toolkit/toolModels';
import type { StreamRedactor } from '../toolkit/redact';
import { signalOf, type AttemptSignal } from './attemptSignal';
import { modelFor } from './stepModel';

/** Model calls a tool makes for its step: chosen, streamed and counted as a model action's are. */
function toolModelsFor(step: Step, ctx: ActionContext, signal: AbortSignal, scopePath: StepScope[], r: StepResult, output: (stream: 'text', chunk: string) => void): ToolModels {
  return createToolModels({
    runner: ctx.models,
    stepId: step.id,
    stepModel: modelFor(step, ctx),
    requiresModel: step.requiresModel,
    selectionSchema: ctx.pipeline.selectionSchema,
    signal,
    output,
    onCall: (c: ModelCallRecord) => ctx.emitter.emit({ type: 'model-call', time: Date.now(), stepId: step.id, scope: scopePath, ...c }),
    record: (res, reason) => {
      addModelFigures(r, res);
      if (reason) r.model_reason = reason;
    },
  });
}

/** A model's answer counted in its step's result: the model that answered, time in the provider and its limiter, tokens, cost. */
export function addModelFigures(r: StepResult, res: { model: string; latency_ms?: number; wait_ms?: number; tokens_in: number; tokens_out: number; cost_usd: number }): void {
  r.model = res.model;
  if (res.latency_ms !== undefined) r.latency_ms = (r.latency_ms ?? 0) + res.latency_ms;
  if (res.wait_ms !== undefined) r.limiter_wait_ms = (r.limiter_wait_ms ?? 0) + res.wait_ms;
  r.tokens_in += res.tokens_in;
  r.tokens_out += res.tokens_out;
  r.cost_usd += res.cost_usd;
}

/** A step as a person reads it: `loop[1] › step` inside a loop. */
export function stepLabel(stepId: string, scopePath: StepScope[]): string {
  return [...scopePath.map((s) => `${s.loop}[${s.index}]`), stepId].join(' › ');
}

type OutputStream = 'stdout' | 'stderr' | 'text';
/** A step's output stream; `end()` releases what its redaction held back, when the attempt is over. */
export type StepOutput = ((stream: OutputStream, chunk: string) => void) & { end(): void };

/** The step's output stream: `step-output` events, redacted as one text per stream (a key cut across two chunks is redacted too). */
export function stepOutput(step: Step, ctx: ActionContext, scopePath: StepScope[]): StepOutput {
  const emit = (stream: OutputStream, chunk: string) => {
    if (chunk) ctx.emitter.emit({ type: 'step-output', time: Date.now(), stepId: step.id, scope: scopePath, stream, chunk });
  };
  // made with the first chunk that needs redacting (most steps stream nothing)
  let streams: Map<OutputStream, StreamRedactor> | null = null;
  const out = ((stream: OutputStream, chunk: string) => {
    if (ctx.redactor.empty) return emit(stream, chunk);
    let r = (streams ??= new Map()).get(stream);
    if (!r) streams.set(stream, (r = ctx.redactor.stream()));
    emit(stream, r.push(chunk));
  }) as StepOutput;
  out.end = () => {
    if (!streams) return;
    for (const [stream, r] of streams) emit(stream, r.end());
    streams.clear();
  };
  return out;
}

/**
 * What a tool sees of its attempt. The signal, the output stream and the model calls are made when
 * the tool first reads them (a tool that reads none, like most quick ones, costs no AbortController
 * and no model plumbing). They are getters of the class: a tool that copies its context
 * (`{ ...ctx, cwd }`) keeps the plain fields only.
 */
export class AttemptToolContext implements ToolContext {
  readonly cwd: string;
  readonly workspace: string;
  readonly allowOutsideWorkspace: boolean;
  readonly pipelineFile: string | null;
  readonly runNested: ToolContext['runNested'];
  readonly interaction: ToolContext['interaction'];
  #models: ToolModels | undefined = undefined;
  #output: StepOutput | undefined = undefined;

  constructor(
    private readonly step: Step,
    private readonly ctx: ActionContext,
    private readonly attemptSignal: AbortSignal | AttemptSignal,
    private readonly scopePath: StepScope[],
    private readonly r: StepResult,
  ) {
    this.cwd = ctx.cwd;
    this.workspace = ctx.workspace;
    this.allowOutsideWorkspace = ctx.allowOutsideWorkspace;
    this.pipelineFile = ctx.pipelineFile;
    this.runNested = (file, inputs, options) => ctx.runNested(file, inputs, options, { stepId: step.id, scope: scopePath });
    this.interaction = ctx.interaction ? { host: ctx.interaction, stepId: step.id, label: stepLabel(step.id, scopePath) } : undefined;
  }

  get signal(): AbortSignal {
    return signalOf(this.attemptSignal);
  }

  /** Streams output as it comes (a function of its own: tools pass it on detached). */
  get output(): ToolContext['output'] {
    return (this.#output ??= stepOutput(this.step, this.ctx, this.scopePath));
  }

  get models(): ToolModels {
    return (this.#models ??= toolModelsFor(this.step, this.ctx, this.signal, this.scopePath, this.r, this.output));
  }

  /** The attempt is over: what the output's redaction held back goes out. */
  endOutput(): void {
    this.#output?.end();
  }
}

