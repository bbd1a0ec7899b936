// A guard's check as a span, `guardrail {name}` (INTERNAL), under its step's attempt: what the guard
// looked at (stage), whether it passed and what it did, and the verdict as the GenAI conventions'
// `gen_ai.evaluation.*` attributes (name, score, label, explanation). A check that stopped the text
// (block, a person's no) is an error of type GuardrailError. The reason is redacted like every record.
import { SpanKind, SpanStatusCode, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import type { RunEvent } from '../run/events';
import type { Redactor } from '../toolkit/redact';
import { ERROR_TYPE, GEN_AI, ORC } from './semconv';

export function guardSpan(tracer: Tracer, e: Extract<RunEvent, { type: 'guardrail' }>, parent: Context, redactor: Redactor): void {
  const attributes: Attributes = {
    [ORC.stepId]: e.stepId,
    [ORC.guardName]: e.guard,
    [ORC.guardStage]: e.stage,
    [ORC.guardPassed]: e.passed,
    [ORC.guardAction]: e.action,
    [GEN_AI.evaluationName]: e.guard,
    [GEN_AI.evaluationLabel]: e.passed ? 'pass' : 'fail',
  };
  if (e.score !== undefined) attributes[GEN_AI.evaluationScore] = e.score;
  const reason = e.reason === null ? null : redactor.text(e.reason);
  if (reason !== null) attributes[GEN_AI.evaluationExplanation] = reason;
  const stopped = e.action === 'block' || e.action === 'ask-denied';
  if (stopped) attributes[ERROR_TYPE] = 'GuardrailError';
  const span = tracer.startSpan(`guardrail ${e.guard}`, { kind: SpanKind.INTERNAL, startTime: e.time - (e.duration_ms ?? 0), attributes }, parent);
  if (stopped) span.setStatus({ code: SpanStatusCode.ERROR, message: reason ?? 'blocked' });
  span.end(e.time);
}
