// Record and replay of model calls. `record`: every model call's answer (text, structured data,
// the stream's deltas, tokens, cost) goes to a JSONL cassette keyed by the sha256 of the request's
// canonical JSON. `replay`: calls are answered from it with no provider (no network, no key), and
// a call it has no answer for fails its step with what differs from the nearest recorded request.
// It sits at the provider boundary of ProviderModelRunner.call: a recorded call went through the
// limiter, breaker and retries as any other; a replayed one needs none of them.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelCallRecord, ModelRequest, ModelRunner } from './modelRunner';
import type { ChatAnswer, ChatCall, ModelProvider, ProviderAnswer, ProviderCall, StructuredAnswer } from './provider';
import { Redactor } from '../toolkit/redact';
import { canonicalJson, CassetteFileError, requestKey, storeOf, type CassetteAnswer, type CassetteLine, type CassetteRequest, type CassetteStore } from './cassetteFile';
import { missError } from './cassetteMiss';
import { partKey } from './contentParts';

export { CassetteFileError, canonicalJson, requestKey, type CassetteAnswer, type CassetteLine, type CassetteRequest } from './cassetteFile';
export { CassetteMissError } from './cassetteMiss';

export type CassetteMode = 'record' | 'replay';

export interface CassetteOptions {
  mode: CassetteMode;
  /** The cassette file (JSONL). */
  file: string;
  /** Step ids that call the real model during a replay while every other step answers from the cassette. */
  live?: string[];
  /** A replay answers agents' tool calls from the cassette too (no tool runs); else they run for real. */
  replayTools?: boolean;
  /** An eval's trial (0-based): from the second on, its calls are keyed apart, so each trial replays its own answers. */
  trial?: number;
}

/** What an agent's tool calls ask of the run's cassette (engine/agent): under --record each result is
 * written; under --replay --replay-tools each is answered from it. */
export interface ToolTape {
  readonly mode: 'record' | 'replay' | 'live';
  /** The recorded result of a call (the how-manieth call of the tool with these arguments in the step); a miss throws CassetteMissError. */
  replayTool(stepId: string, tool: string, args: unknown, occurrence: number): { status: 'ok' | 'error'; result?: unknown; error?: string };
  recordTool(stepId: string, tool: string, args: unknown, occurrence: number, outcome: { status: 'ok' | 'error'; result?: unknown; error?: string }): void;
}

/** `NAME.cassette.jsonl` beside the pipeline, NAME its file name without `.yaml` / `.yml`. */
export function defaultCassetteFile(pipelineFile: string): string {
  return `${pipelineFile.replace(/\.ya?ml$/i, '')}.cassette.jsonl`;
}

function requestOf(provider: string, call: ProviderCall, schema: Record<string, unknown> | null): CassetteRequest {
  return { provider, model: call.model, kind: schema ? 'structured' : 'text', system: call.system, prompt: call.prompt, max_tokens: call.maxTokens, temperature: call.temperature, schema, ...(call.parts?.length ? { parts: call.parts.map(partKey) } : {}) };
}

function chatRequestOf(provider: string, call: ChatCall): CassetteRequest {
  return { provider, model: call.model, kind: 'chat', system: call.system, prompt: '', messages: call.messages.map((m) => (m.role === 'user' && m.parts?.length ? { ...m, parts: m.parts.map(partKey) as unknown as typeof m.parts } : m)), tools: call.tools, parallel_tool_calls: call.parallelToolCalls, ...(call.toolChoice === 'none' ? { tool_choice: 'none' as const } : {}), max_tokens: call.maxTokens, temperature: call.temperature, schema: call.schema };
}

function toolRequestOf(tool: string, args: unknown, occurrence: number): CassetteRequest {
  return { provider: 'tool', model: tool, kind: 'tool', system: null, prompt: canonicalJson(args ?? null), max_tokens: null, temperature: null, schema: null, occurrence };
}

/** What a recorded answer says of how it ended, as a provider's answer says it. */
function answered(a: CassetteAnswer): Pick<ProviderAnswer, 'finishReasons' | 'responseModel'> {
  return { ...(a.finish_reasons ? { finishReasons: a.finish_reasons } : {}), ...(a.response_model ? { responseModel: a.response_model } : {}) };
}

/** One run's use of a cassette (several runs may share one file). */
export class RunCassette implements ToolTape {
  private readonly live: Set<string>;
  private closed = false;
  private providers: Set<string> | null = null;

  constructor(
    readonly mode: CassetteMode,
    private readonly store: CassetteStore,
    live: string[],
    private readonly redactor: Redactor,
    /** --replay-tools: a replay answers tool calls too. */
    readonly replaysTools = false,
    /** An eval's trial: its requests carry it (the first trial's, 0, do not). */
    private readonly trial = 0,
  ) {
    this.live = new Set(live);
  }

  /** How an agent's tool calls go: recorded, answered from the cassette, or run (a replay without --replay-tools). */
  toolModeFor(stepId: string): 'record' | 'replay' | 'live' {
    if (this.mode === 'record') return 'record';
    return this.replaysTools && !this.live.has(stepId) ? 'replay' : 'live';
  }

  /** The tape an agent of this step uses for its tool calls. */
  toolTape(stepId: string): ToolTape {
    const mode = this.toolModeFor(stepId);
    return { mode, replayTool: (s, t, a, n) => this.replayTool(s, t, a, n), recordTool: (s, t, a, n, o) => this.recordTool(s, t, a, n, o) };
  }

  replayTool(stepId: string, tool: string, args: unknown, occurrence: number): { status: 'ok' | 'error'; result?: unknown; error?: string } {
    const req = this.keyed(toolRequestOf(tool, args, occurrence));
    const hit = this.lookup(req);
    if (!hit?.answer.tool_result) throw missError(this.store.file, this.store.lines.values(), this.redactor.value(req), stepId);
    return hit.answer.tool_result;
  }

  recordTool(stepId: string, tool: string, args: unknown, occurrence: number, outcome: { status: 'ok' | 'error'; result?: unknown; error?: string }): void {
    const req = this.keyed(toolRequestOf(tool, args, occurrence));
    this.store.add({ stepId, ...this.entry(req), answer: this.redactor.value({ text: '', tool_result: outcome, tokens_in: 0, tokens_out: 0, cost_usd: 0 }) });
  }

  /** The request as this run's trial keys it. */
  private keyed(req: CassetteRequest): CassetteRequest {
    return this.trial ? { ...req, trial: this.trial } : req;
  }

  /**
   * A request as the cassette keeps it: redacted (the environment's keys, the run's secret inputs), and
   * keyed as redacted, so a replay given the same or another secret finds it by the same placeholder.
   */
  private entry(req: CassetteRequest): { key: string; request: CassetteRequest } {
    const request = this.redactor.value(req);
    return { key: requestKey(request), request };
  }

  /** The recorded answer of a request: keyed as redacted, or as it was (a cassette recorded before keys were redacted). */
  private lookup(req: CassetteRequest): CassetteLine | undefined {
    return this.store.find(this.entry(req).key) ?? this.store.find(requestKey(req));
  }

  get file(): string {
    return this.store.file;
  }

  /** Whether the cassette holds a call to this provider. */
  answersFor(provider: string): boolean {
    this.providers ??= new Set([...this.store.lines.values()].map((l) => l.request.provider));
    return this.providers.has(provider);
  }

  /** How this call goes: past the cassette to the provider (a live step), recorded, or replayed. */
  modeFor(stepId: string | null): CassetteMode | 'live' {
    return this.mode === 'replay' && stepId !== null && this.live.has(stepId) ? 'live' : this.mode;
  }

  /** A provider that answers from the cassette: never constructs the real one. */
  replayer(provider: string, stepId: string | null): ModelProvider & { last: CassetteAnswer | null } {
    const self = this;
    const find = (call: ProviderCall | ChatCall, schema: Record<string, unknown> | null): CassetteAnswer => {
      if (call.signal.aborted) throw call.signal.reason;
      const req = self.keyed('messages' in call ? chatRequestOf(provider, call) : requestOf(provider, call, schema));
      const hit = self.lookup(req);
      if (!hit) throw missError(self.store.file, self.store.lines.values(), self.redactor.value(req), stepId);
      p.last = hit.answer;
      return hit.answer;
    };
    const p = {
      name: provider,
      last: null as CassetteAnswer | null,
      async chat(call: ChatCall, onDelta?: (text: string) => void): Promise<ChatAnswer> {
        const a = find(call, null);
        if (onDelta && a.text && !call.schema) onDelta(a.text);
        const toolCalls = a.tool_calls ?? [];
        return { text: a.text, toolCalls, message: { role: 'assistant', text: a.text, toolCalls, ...(a.native ? { native: a.native } : {}) }, ...(call.schema ? { data: a.data } : {}), tokensIn: a.tokens_in, tokensOut: a.tokens_out, ...answered(a) };
      },
      async generate(call: ProviderCall): Promise<ProviderAnswer> {
        const a = find(call, null);
        return { text: a.text, tokensIn: a.tokens_in, tokensOut: a.tokens_out, ...answered(a) };
      },
      async stream(call: ProviderCall, onDelta: (text: string) => void): Promise<ProviderAnswer> {
        const a = find(call, null);
        for (const d of a.deltas ?? (a.text ? [a.text] : [])) onDelta(d);
        return { text: a.text, tokensIn: a.tokens_in, tokensOut: a.tokens_out, ...answered(a) };
      },
      async generateStructured(call: ProviderCall & { schema: Record<string, unknown> }): Promise<StructuredAnswer> {
        const a = find(call, call.schema);
        return { text: a.text, data: a.data, tokensIn: a.tokens_in, tokensOut: a.tokens_out, ...answered(a) };
      },
    };
    return p;
  }

  /** The real provider, with each successful answer written to the cassette. */
  recorder(inner: ModelProvider, provider: string, stepId: string | null, price: (tokensIn: number, tokensOut: number) => number): ModelProvider {
    const redactor = this.redactor;
    const keep = (call: ProviderCall, schema: Record<string, unknown> | null, a: ProviderAnswer, extra: { data?: unknown; deltas?: string[] }) => {
      const req = this.keyed(requestOf(provider, call, schema));
      const answer: CassetteAnswer = { text: a.text, ...extra, tokens_in: a.tokensIn, tokens_out: a.tokensOut, cost_usd: price(a.tokensIn, a.tokensOut), ...(a.finishReasons ? { finish_reasons: a.finishReasons } : {}), ...(a.responseModel ? { response_model: a.responseModel } : {}) };
      this.store.add({ stepId, ...this.entry(req), answer: this.redactor.value(answer) });
    };
    const chat = inner.chat;
    return {
      name: inner.name,
      ...(chat
        ? {
            chat: async (call: ChatCall, onDelta?: (text: string) => void) => {
              const a = await chat.call(inner, call, onDelta);
              const req = this.keyed(chatRequestOf(provider, call));
              const answer: CassetteAnswer = { text: a.text, ...(call.schema ? { data: a.data } : {}), tool_calls: a.toolCalls, ...(a.message.native ? { native: a.message.native } : {}), tokens_in: a.tokensIn, tokens_out: a.tokensOut, cost_usd: price(a.tokensIn, a.tokensOut), ...(a.finishReasons ? { finish_reasons: a.finishReasons } : {}), ...(a.responseModel ? { response_model: a.responseModel } : {}) };
              this.store.add({ stepId, ...this.entry(req), answer: this.redactor.value(answer) });
              return a;
            },
          }
        : {}),
      async generate(call) {
        const a = await inner.generate(call);
        keep(call, null, a, {});
        return a;
      },
      async stream(call, onDelta) {
        // kept as they came but redacted as one text: a key cut across two deltas is redacted too
        const clean = redactor.stream();
        const deltas: string[] = [];
        const a = await inner.stream(call, (d) => {
          const safe = clean.push(d);
          if (safe) deltas.push(safe);
          onDelta(d);
        });
        const rest = clean.end();
        if (rest) deltas.push(rest);
        keep(call, null, a, { deltas });
        return a;
      },
      async generateStructured(call) {
        const a = await inner.generateStructured(call);
        keep(call, call.schema, a, { data: a.data });
        return a;
      },
    };
  }

  /**
   * A replayed call, as ProviderModelRunner.call makes one but with no limiter, breaker or retry
   * (nothing goes out): the recorded tokens and cost, one attempt.
   */
  async replay<T extends ProviderAnswer>(id: string, provider: string, stepId: string | null, signal: AbortSignal, fn: (p: ModelProvider, signal: AbortSignal) => Promise<T>): Promise<{ answer: T; record: ModelCallRecord }> {
    const t0 = performance.now();
    const p = this.replayer(provider, stepId);
    const answer = await fn(p, signal);
    const a = p.last!;
    const record: ModelCallRecord = { model: id, tokens_in: a.tokens_in, tokens_out: a.tokens_out, cost_usd: a.cost_usd, latency_ms: Math.round((performance.now() - t0) * 1000) / 1000, wait_ms: 0, attempts: 1 };
    return { answer, record };
  }

  /** Ends this run's use; the last recording run rewrites the file deduplicated and sorted. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.store.users--;
    if (this.mode === 'record' && this.store.users === 0) this.store.compact();
  }
}

/** Opens a run's cassette: replay needs the file; a broken line is an error naming its number. */
export function openCassette(o: CassetteOptions, redactor: Redactor = new Redactor()): RunCassette {
  const store = storeOf(o.file);
  if (o.mode === 'replay' && !store.exists()) throw new CassetteFileError(`The cassette ${o.file} does not exist: record it first (orc run FILE --record)`);
  // a recording makes its folder before the first (paid) answer has to be written there
  if (o.mode === 'record') mkdirSync(path.dirname(store.file), { recursive: true });
  store.load();
  store.users++;
  return new RunCassette(o.mode, store, o.live ?? [], redactor, o.replayTools === true, o.trial ?? 0);
}

/** The runner with `fields` added to every request (its other methods and state shared). */
function withRequestFields<M extends ModelRunner>(models: M, fields: Partial<ModelRequest>): M {
  const bound = Object.create(models) as M;
  bound.run = (req) => models.run({ ...fields, ...req });
  const chat = models.chat;
  if (chat) bound.chat = (req) => chat.call(models, { ...fields, ...req });
  return bound;
}

/**
 * Opens the run's cassette and binds the runner to it; the runner must play cassettes
 * (ProviderModelRunner does), or the run would make live calls it was told not to.
 */
export function withCassette<M extends ModelRunner>(models: M, o: CassetteOptions, redactor?: Redactor): { models: M; cassette: RunCassette } {
  if (!models.playsCassettes) throw new Error(`This run's model runner cannot ${o.mode} a cassette (only the provider runner can)`);
  const cassette = openCassette(o, redactor);
  const bound = withRequestFields(models, { cassette });
  // a replay with no key still selects as the recording did: a provider the cassette answers for
  // counts as configured (the model chosen then is the best of a set that still holds it)
  const configured = (models as { configured?: unknown }).configured;
  if (o.mode === 'replay' && typeof configured === 'function') {
    (bound as unknown as { configured(p: string): Promise<boolean> }).configured = async (p: string) => cassette.answersFor(p) || (await configured.call(bound, p));
  }
  return { models: bound, cassette };
}

/** A runner whose requests name the step that makes them (for a cassette's `live` steps and its misses). */
export function forStep<M extends ModelRunner>(models: M, stepId: string): M {
  return withRequestFields(models, { stepId });
}
