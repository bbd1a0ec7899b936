// `orc traces import FILE.json --pipeline P.pipeline.yaml`: OTLP JSON traces with OpenTelemetry's
// GenAI spans (whatever framework wrote them) become run records of that pipeline, one per trace,
// so they are reviewed, labelled and turned into cases like runs from `orc serve`. The trace's first
// user message is the pipeline's one required parameter (`message` when it has several or none),
// its last assistant message the pipeline's one output (`answer` otherwise); each GenAI span is a
// step with its model, tokens and messages. Re-importing a file adds nothing twice.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Analysis } from '../analyze/index';
import type { ResultDocument, StepResult } from '../run/events';
import { runDir } from '../run/checkpointStore';
import { readBoundedText } from '../util/boundedRead';
import { writeRunRecord } from '../eval/runRecord';
import { messageParameterOf } from '../run/inputs';
import { ReviewError } from './labels';

/** 256 MiB of OTLP JSON at most; a trace of more than 2,000 spans keeps its first 2,000 steps. */
const MAX_TRACE_FILE = 256 * 1024 * 1024;
const MAX_SPANS = 2_000;
const MAX_TEXT = 64_000;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttr {
  key: string;
  value?: OtlpValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpAttr[];
  events?: Array<{ name?: string; attributes?: OtlpAttr[] }>;
  status?: { code?: number | string; message?: string };
}

export interface Message {
  role: string;
  content: string;
}

export interface ImportOutcome {
  imported: string[];
  /** Traces already imported (their run id exists). */
  kept: string[];
  /** Traces with no GenAI span, or no user message. */
  skipped: Array<{ trace_id: string; why: string }>;
}

const value = (v: OtlpValue | undefined): unknown => {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
};
const attrs = (list: OtlpAttr[] | undefined) => new Map((list ?? []).filter((a) => typeof a?.key === 'string').map((a) => [a.key, value(a.value)]));
const cut = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}… [cut at ${MAX_TEXT} characters]` : s);
const nanosToIso = (n: string | number | undefined) => {
  const ms = Number(BigInt(String(n ?? 0)) / 1_000_000n);
  return new Date(Number.isFinite(ms) && ms > 0 ? ms : 0).toISOString();
};

/** A message's text, from the shapes GenAI conventions have used (parts, content strings, arrays of blocks). */
function textOf(m: Record<string, unknown>): string {
  if (typeof m.content === 'string') return m.content;
  const parts = (Array.isArray(m.parts) ? m.parts : Array.isArray(m.content) ? m.content : []) as Array<Record<string, unknown>>;
  return parts.map((p) => (typeof p?.content === 'string' ? p.content : typeof p?.text === 'string' ? p.text : '')).filter(Boolean).join('\n');
}

function messagesFrom(raw: unknown, fallbackRole: string): Message[] {
  let v = raw;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return v ? [{ role: fallbackRole, content: cut(v as string) }] : [];
    }
  }
  const list = Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : [];
  return list
    .filter((m): m is Record<string, unknown> => !!m && typeof m === 'object')
    .map((m) => ({ role: typeof m.role === 'string' ? m.role : fallbackRole, content: cut(textOf((m.message as Record<string, unknown>) ?? m)) }))
    .filter((m) => m.content);
}

/** A GenAI span's messages: the current attributes, the older prompt/completion ones, or its events. */
function spanMessages(s: OtlpSpan): { input: Message[]; output: Message[] } {
  const a = attrs(s.attributes);
  const input = [...messagesFrom(a.get('gen_ai.system_instructions'), 'system'), ...messagesFrom(a.get('gen_ai.input.messages') ?? a.get('gen_ai.prompt'), 'user')];
  const output = messagesFrom(a.get('gen_ai.output.messages') ?? a.get('gen_ai.completion'), 'assistant');
  for (const e of s.events ?? []) {
    const ea = attrs(e.attributes);
    const body = ea.get('content') ?? ea.get('message') ?? ea.get('gen_ai.event.content');
    if (e.name === 'gen_ai.user.message' || e.name === 'gen_ai.system.message') input.push(...messagesFrom(body, e.name.split('.')[1]));
    else if (e.name === 'gen_ai.choice' || e.name === 'gen_ai.assistant.message') output.push(...messagesFrom(body, 'assistant'));
  }
  return { input, output };
}

const isGenAi = (s: OtlpSpan) => attrs(s.attributes).has('gen_ai.operation.name') || attrs(s.attributes).has('gen_ai.request.model') || attrs(s.attributes).has('gen_ai.system');
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? Math.round(x) : 0);

/** Reads the file's spans, grouped by trace (in the order each trace first appears). */
export function readOtlpTraces(file: string): Map<string, { spans: OtlpSpan[]; service: string }> {
  const text = readBoundedText(file, MAX_TRACE_FILE);
  if (text === 'missing') throw new ReviewError(`no file ${file}`);
  if (text === 'unreadable') throw new ReviewError(`${file} is not a regular file of at most 256 MiB`);
  let doc: { resourceSpans?: Array<{ resource?: { attributes?: OtlpAttr[] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ReviewError(`${file} is not JSON: ${(e as Error).message}`);
  }
  if (!doc || !Array.isArray(doc.resourceSpans)) throw new ReviewError(`${file} is not OTLP JSON: it has no 'resourceSpans' list (export traces as OTLP/JSON, as the collector's file exporter writes them)`);
  const traces = new Map<string, { spans: OtlpSpan[]; service: string }>();
  for (const rs of doc.resourceSpans) {
    const service = String(attrs(rs?.resource?.attributes).get('service.name') ?? 'imported');
    for (const ss of rs?.scopeSpans ?? []) {
      for (const s of ss?.spans ?? []) {
        if (typeof s?.traceId !== 'string' || !/^[0-9a-fA-F]{1,64}$/.test(s.traceId)) continue;
        let t = traces.get(s.traceId);
        if (!t) traces.set(s.traceId, (t = { spans: [], service }));
        if (t.spans.length < MAX_SPANS) t.spans.push(s);
      }
    }
  }
  return traces;
}

/** The run id a trace is imported as (stable: re-importing finds it). */
export const importedRunId = (traceId: string) => `import-${traceId.toLowerCase().slice(0, 32)}`;

export async function importTraces(root: string, file: string, pipelineFile: string, analysis: Analysis): Promise<ImportOutcome> {
  const p = analysis.pipeline;
  if (!p) throw new ReviewError(`${pipelineFile} is not a pipeline`);
  const param = messageParameterOf(p.parameters) ?? 'message';
  const outputNames = Object.keys(p.outputs ?? {});
  const output = outputNames.length === 1 ? outputNames[0] : 'answer';
  const outcome: ImportOutcome = { imported: [], kept: [], skipped: [] };
  for (const [traceId, t] of readOtlpTraces(file)) {
    const runId = importedRunId(traceId);
    if (existsSync(runDir(root, runId))) {
      outcome.kept.push(runId);
      continue;
    }
    const spans = t.spans.filter(isGenAi).sort((a, b) => (BigInt(String(a.startTimeUnixNano ?? 0)) < BigInt(String(b.startTimeUnixNano ?? 0)) ? -1 : 1));
    if (!spans.length) {
      outcome.skipped.push({ trace_id: traceId, why: 'no GenAI span (gen_ai.* attributes)' });
      continue;
    }
    const steps: Record<string, StepResult> = {};
    const order: string[] = [];
    let firstUser: string | undefined;
    let lastAnswer: string | undefined;
    let tin = 0;
    let tout = 0;
    spans.forEach((s, i) => {
      const a = attrs(s.attributes);
      const op = String(a.get('gen_ai.operation.name') ?? 'chat').replace(/[^A-Za-z0-9_]/g, '_');
      const id = `${op}_${i + 1}`;
      const { input, output: out } = spanMessages(s);
      firstUser ??= input.find((m) => m.role === 'user')?.content;
      const answer = out.filter((m) => m.role === 'assistant').pop()?.content;
      if (answer) lastAnswer = answer;
      const tool = a.get('gen_ai.tool.name');
      const failed = s.status?.code === 2 || s.status?.code === 'STATUS_CODE_ERROR';
      const started = nanosToIso(s.startTimeUnixNano);
      const ended = nanosToIso(s.endTimeUnixNano ?? s.startTimeUnixNano);
      const ti = num(a.get('gen_ai.usage.input_tokens') ?? a.get('gen_ai.usage.prompt_tokens'));
      const to = num(a.get('gen_ai.usage.output_tokens') ?? a.get('gen_ai.usage.completion_tokens'));
      tin += ti;
      tout += to;
      steps[id] = {
        status: failed ? 'failed' : 'completed',
        success: !failed,
        result: tool !== undefined ? { tool, arguments: a.get('gen_ai.tool.call.arguments') ?? null, result: a.get('gen_ai.tool.call.result') ?? null } : { messages: [...input, ...out], ...(answer !== undefined ? { text: answer } : {}) },
        error: failed ? cut(String(s.status?.message ?? 'the span ended with an error')) : null,
        error_type: failed ? 'ImportedError' : null,
        timed_out: false,
        attempts: 1,
        retries: 0,
        started_at: started,
        ended_at: ended,
        duration_ms: Math.max(0, Date.parse(ended) - Date.parse(started)),
        model: typeof a.get('gen_ai.request.model') === 'string' ? `${a.get('gen_ai.system') ?? a.get('gen_ai.provider.name') ?? 'imported'}:${a.get('gen_ai.request.model')}` : null,
        tokens_in: ti,
        tokens_out: to,
        cost_usd: 0,
      };
      order.push(id);
    });
    if (firstUser === undefined) {
      outcome.skipped.push({ trace_id: traceId, why: 'no user message in its GenAI spans' });
      continue;
    }
    const failedSteps = order.filter((id) => steps[id].status === 'failed');
    const started = steps[order[0]].started_at!;
    const ended = order.map((id) => steps[id].ended_at!).sort().pop()!;
    const doc: ResultDocument = {
      pipeline_id: p.id,
      execution_id: runId,
      status: failedSteps.length ? 'failed' : 'completed',
      success: !failedSteps.length,
      outputs: lastAnswer !== undefined ? { [output]: lastAnswer } : {},
      steps,
      execution_order: order,
      execution_levels: order.map((id) => [id]),
      failed_steps: failedSteps,
      skipped_steps: [],
      started_at: started,
      ended_at: ended,
      duration_ms: Math.max(0, Date.parse(ended) - Date.parse(started)),
      tokens_in: tin,
      tokens_out: tout,
      cost_usd: 0,
      trigger: { kind: 'import', name: t.service },
    };
    await writeRunRecord(root, doc, { inputs: { [param]: firstUser }, pipelineFile: path.resolve(pipelineFile), source: analysis.text, maxParallel: 1, trigger: doc.trigger });
    outcome.imported.push(runId);
  }
  return outcome;
}
