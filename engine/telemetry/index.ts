// Traces for a process that runs pipelines (`orc run`, `orc worker`, the editor). Callers import only
// this module: it reads the configuration and, when traces are on, loads the OpenTelemetry SDK by
// dynamic import. Off (nothing configured, or OTEL_SDK_DISABLED=true): no SDK is loaded, nothing costs.
import type { Context } from '@opentelemetry/api';
import type { Checkpoint } from '../run/checkpointStore';
import type { Redactor } from '../toolkit/redact';
import type { RunOptions } from '../run/runPipeline';
import type { TelemetryConfig } from './config';
import type { RunTracer } from './runTracer';
import type { TelemetrySdk } from './sdk';
import type { WorkerTraces } from '../run/attemptTraces';
import type { EvalTraces } from '../run/evalTraces';

export type { TracedAttempt, WorkerAttempt } from './workerTracer';

/** How a worker traces the attempts it runs. */
export type { WorkerTraces } from '../run/attemptTraces';

export { splitEndpoints, telemetryConfig, TelemetryConfigError, type TelemetryConfig } from './config';

export interface RunTraceOptions {
  pipelineId: string;
  redactor: Redactor;
  /** The run being resumed: its trace links to the first session's. */
  resume?: Checkpoint;
  /** A W3C traceparent the run's root span hangs under. */
  parent?: string;
  /** Its steps run on workers (`orc run --redis`): they record their model calls' metrics. */
  distributed?: boolean;
}

type Hooks = Pick<RunOptions, 'listeners' | 'nestedListeners'>;

/** Several listeners' hooks as one: all listen, and each hangs its nested runs' listeners in. */
function mergeHooks(hooks: Hooks[]): Hooks {
  if (hooks.length === 1) return hooks[0];
  return {
    listeners: hooks.flatMap((h) => h.listeners ?? []),
    nestedListeners: (from) => mergeHooks(hooks.map((h) => h.nestedListeners?.(from) ?? {})),
  };
}

export interface Telemetry {
  /** What a run needs to be traced: listeners, the nested-run hook, the traceparent its checkpoint keeps. */
  forRun(o: RunTraceOptions): Pick<RunOptions, 'listeners' | 'nestedListeners' | 'traceparent'> & { tracer: RunTracer | null };
  /** The context a traceparent names, for spans started by hand. */
  contextOf(traceparent: string | undefined): Context;
  /** An eval's trace (`orc eval`): its span, each case's under it, each case's run under its case. */
  forEval(): EvalTraces;
  /** A worker's attempts as spans under their coordinator's (`orc worker`). */
  worker(redactor: Redactor): WorkerTraces;
  sdk: TelemetrySdk;
  /** Flushes within 2 s and says once what was lost; `timedOut`: an export still hangs (the CLI then exits anyway). */
  shutdown(warn: (s: string) => void): Promise<{ timedOut: boolean; dropped: number }>;
}

/** Loads the SDK and starts exporting, when `config` says so; null otherwise. */
export async function startTelemetry(config: TelemetryConfig | null, version: string): Promise<Telemetry | null> {
  if (!config) return null;
  const [{ startSdk }, { RunTracer, contextFromTraceparent, flushSteps }, { traceWorkerAttempt }, { RunMetrics }, { EvalTracer }] = await Promise.all([import('./sdk.js'), import('./runTracer.js'), import('./workerTracer.js'), import('./runMetrics.js'), import('./evalTracer.js')]);
  const sdk = await startSdk(config, version);
  const metrics = sdk.meter ? new RunMetrics(sdk.meter) : null;
  const traces = config.exporters.length > 0;
  const telemetry: Telemetry = {
    sdk,
    contextOf: contextFromTraceparent,
    forEval: () => new EvalTracer(traces ? sdk.tracer : null, (o) => telemetry.forRun(o)),
    worker: (redactor) => ({
      attempt: (a) => {
        const t0 = performance.now();
        const traced = traces ? traceWorkerAttempt(sdk.tracer, redactor, a) : null;
        return {
          listener: (e) => {
            traced?.listener(e);
            if (metrics && e.type === 'model-call') metrics.recordCall(e, a.pipelineId);
          },
          end: (r) => {
            traced?.end(r);
            metrics?.recordAttempt({ pipelineId: a.pipelineId, stepId: a.stepId, tool: a.tool, action: a.action, status: r.ok && r.success !== false ? 'completed' : 'failed', ms: performance.now() - t0 });
          },
        };
      },
    }),
    forRun(o) {
      const tracer = traces ? new RunTracer({ tracer: sdk.tracer, redactor: o.redactor, captureContent: config.captureContent, pipelineId: o.pipelineId, linkTo: o.resume?.traceparent, parent: o.parent ? contextFromTraceparent(o.parent) : undefined }) : null;
      const hooks = [tracer ? { listeners: [tracer.listener], nestedListeners: tracer.nestedListeners } : null, metrics ? metrics.listener(Boolean(o.distributed)) : null].filter((h) => h !== null);
      return { tracer, ...mergeHooks(hooks), ...(tracer ? { traceparent: tracer.traceparent } : {}) };
    },
    shutdown: (warn) => {
      // the spans of steps that ended since the loop last turned are made first, then all go
      flushSteps();
      return sdk.shutdown(warn);
    },
  };
  return telemetry;
}
