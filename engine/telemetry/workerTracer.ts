// A worker's spans (`orc worker`): each attempt it runs is an `execute_tool {step}` span (CONSUMER:
// it came off the queue) under the coordinator's attempt span, whose W3C traceparent the job
// carries, with the attempt's model calls as `chat {model}` spans under it. The worker exports with
// its own service name (`orc-worker` unless OTEL_SERVICE_NAME says otherwise).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { RunListener } from '../run/events';
import type { Redactor } from '../toolkit/redact';
import { startChatSpan } from './chatSpan';
import { contextFromTraceparent } from './runTracer';
import { ERROR_TYPE, GEN_AI, ORC } from './semconv';
import type { TracedAttempt, WorkerAttempt } from '../run/attemptTraces';

export type { TracedAttempt, WorkerAttempt } from '../run/attemptTraces';

export function traceWorkerAttempt(tracer: Tracer, redactor: Redactor, a: WorkerAttempt): TracedAttempt {
  const parent = a.traceparent ? contextFromTraceparent(a.traceparent) : ROOT_CONTEXT;
  const attributes = {
    [GEN_AI.operation]: 'execute_tool',
    [GEN_AI.toolName]: a.stepId,
    [GEN_AI.toolType]: 'function',
    [ORC.stepId]: a.stepId,
    [ORC.runId]: a.runId,
    [ORC.attempt]: a.attempt,
    'orchestrator.worker': a.worker,
    ...(a.tool ? { [ORC.tool]: a.tool } : {}),
    ...(a.action ? { [ORC.action]: a.action } : {}),
  };
  const span = tracer.startSpan(`execute_tool ${a.stepId}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  const ctx = trace.setSpan(parent, span);
  return {
    listener: (e) => {
      if (e.type !== 'model-call') return;
      const chat = startChatSpan(tracer, e, ctx);
      chat.span.end(chat.end);
    },
    end(r) {
      if (!r.ok || r.success === false) {
        span.setAttribute(ERROR_TYPE, r.errorType ?? 'ReportedFailure');
        span.setStatus({ code: SpanStatusCode.ERROR, message: r.message ? redactor.text(r.message) : undefined });
      }
      span.end();
    },
  };
}
