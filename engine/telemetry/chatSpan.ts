// A provider call as a GenAI `chat {model}` span (CLIENT): operation, provider, request and response
// model, token usage, finish reasons, request parameters, and the rate limiter's wait as an event.
// The run's tracer and a worker's both make them.
import { SpanKind, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { RunEvent } from '../run/events';
import type { Redactor } from '../toolkit/redact';
import { GEN_AI, ORC, providerName } from './semconv';

const modelName = (id: string) => (id.includes(':') ? id.slice(id.indexOf(':') + 1) : id);
const providerOf = (id: string) => (id.includes(':') ? id.slice(0, id.indexOf(':')) : 'unknown');

/** Starts the span of a call that ended at `e.time` (it began `latency_ms` before); the caller ends it at `end`. */
export function startChatSpan(tracer: Tracer, e: Extract<RunEvent, { type: 'model-call' }>, parent: Context, inputMessages?: string): { span: Span; end: number } {
  const model = modelName(e.model);
  const attributes: Attributes = {
    [GEN_AI.operation]: 'chat',
    [GEN_AI.provider]: providerName(e.provider ?? providerOf(e.model)),
    [GEN_AI.requestModel]: model,
    [GEN_AI.responseModel]: e.response_model ?? model,
    [GEN_AI.inputTokens]: e.tokens_in,
    [GEN_AI.outputTokens]: e.tokens_out,
    [ORC.costUsd]: e.cost_usd,
    [ORC.providerAttempts]: e.attempts,
  };
  if (e.finish_reasons?.length) attributes[GEN_AI.finishReasons] = e.finish_reasons;
  if (typeof e.max_tokens === 'number') attributes[GEN_AI.requestMaxTokens] = e.max_tokens;
  if (typeof e.temperature === 'number') attributes[GEN_AI.requestTemperature] = e.temperature;
  if (inputMessages !== undefined) attributes[GEN_AI.inputMessages] = inputMessages;
  const start = e.time - e.latency_ms;
  const span = tracer.startSpan(`chat ${model}`, { kind: SpanKind.CLIENT, startTime: start, attributes }, parent);
  if (e.wait_ms > 0) span.addEvent('rate_limited', { [ORC.waitMs]: e.wait_ms }, start);
  return { span, end: e.time };
}

/** Message content as the conventions' JSON (`gen_ai.input.messages` / `output.messages`), redacted. */
export function messagesJson(redactor: Redactor, role: 'user' | 'assistant', content: unknown): string {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  return JSON.stringify([{ role, parts: [{ type: 'text', content: redactor.text(text) }] }]);
}
