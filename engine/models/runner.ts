// The ModelRunner the engine calls: resolves `provider:model` to a provider, builds the call from
// the step's action and parameters, and runs it through the provider's guard (limits, retries,
// breaker, timeout, cancellation); validates structured answers; records tokens, cost and timing.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ToolError } from '../toolkit/runtime';
import { anthropicProvider } from './anthropicProvider';
import { NotConfiguredError, runChain } from './fallback';
import { embedWith, type EmbedResult } from './embedCalls';

import { googleProvider } from './googleProvider';
import { WORST_CASE_OUT_TOKENS, type ChatRequest, type ChatResponse, type ModelCallRecord, type ModelRequest, type ModelResponse, type ModelRunner } from './modelRunner';
import { openaiProvider } from './openaiProvider';
import { LearnedRateLimiter } from './learnedLimiter';
import { checkPartsFor } from './contentParts';
import { ProviderError, unreachableWords, type ModelProvider, type ProviderAnswer, type ProviderCall } from './provider';
import { loadRegistry, type RegistryModel } from './registry';
import { DEFAULT_LIMITS, DEFAULT_RESILIENCE, FALLBACK_LIMITS, TimeoutError, abortable, describeBreak, providerGuard, retryDelayMs, type ProviderGuard, type ProviderLimits, type ResilienceOptions } from './resilience';
import { selectModel } from './selection';
import { Redactor } from '../toolkit/redact';
import { ajvRegExp } from '../template/linearRegex';
import { checkRecordUsage, checkUsage } from './usageFigures';
import { notJsonReason } from './notJson';

export interface ModelRunnerOptions {
  env?: NodeJS.ProcessEnv;
  /** The editor's secret storage: a provider's key when its environment variable is unset. */
  secrets?: (provider: string) => Promise<string | undefined>;
  /** Base URLs by provider (settings), over the SDKs' environment variables. */
  baseUrls?: Record<string, string>;
  /** A user registry laid over the shipped one. */
  registryFile?: string;
  /** Limits by provider, over the defaults. */
  limits?: Record<string, Partial<ProviderLimits>>;
  resilience?: Partial<ResilienceOptions>;
  /** Providers supplied by the host (the editor's language models), by provider name. */
  providers?: Record<string, ModelProvider>;
}

/** Each provider's key variables, in the order its SDK reads them. */
export const KEY_VARIABLES: Record<string, string[]> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  google: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'],
  'openai-compatible': ['OPENAI_COMPATIBLE_API_KEY'],
  huggingface: ['HF_TOKEN'],
  ollama: [],
};
export const BASE_URL_VARIABLES: Record<string, string> = {
  openai: 'OPENAI_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
  google: 'GOOGLE_GEMINI_BASE_URL',
  'openai-compatible': 'OPENAI_COMPATIBLE_BASE_URL',
  huggingface: 'HUGGINGFACE_BASE_URL',
  ollama: 'OLLAMA_BASE_URL',
};
export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434/v1';
/** Hugging Face's OpenAI-compatible inference router. */
export const HUGGINGFACE_DEFAULT_URL = 'https://router.huggingface.co/v1';


const str = (v: unknown): string | null => (typeof v === 'string' ? v : v === undefined || v === null ? null : JSON.stringify(v));
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.floor(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
const float = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

function splitModel(id: string): { provider: string; name: string } {
  const i = id.indexOf(':');
  if (i <= 0 || i === id.length - 1) throw new ToolError(`Model '${id}' must be written 'provider:model' (e.g. openai:gpt-4o-mini, ollama:llama3.2)`, 'ConfigurationError');
  return { provider: id.slice(0, i), name: id.slice(i + 1) };
}

function firstField(errors: ErrorObject[] | null | undefined): { field: string; text: string } {
  const e = errors?.[0];
  if (!e) return { field: '(answer)', text: 'does not match the schema' };
  const missing = e.keyword === 'required' ? String((e.params as { missingProperty?: string }).missingProperty ?? '') : '';
  const field = missing || e.instancePath.replace(/^\//, '').split('/')[0] || (e.keyword === 'additionalProperties' ? String((e.params as { additionalProperty?: string }).additionalProperty) : '(answer)');
  return { field, text: `${e.instancePath || '(answer)'} ${e.message ?? 'is invalid'}${missing ? '' : ''}` };
}

export class ProviderModelRunner implements ModelRunner {
  private readonly env: NodeJS.ProcessEnv;
  private readonly resilience: ResilienceOptions;
  private readonly guards = new Map<string, ProviderGuard>();
  private readonly clients = new Map<string, { key: string; provider: ModelProvider }>();
  private registry: RegistryModel[] | null = null;
  // an answer's schema `pattern` runs on RE2 (see linearRegex.ts)
  /** Made for the first structured call (a runner that makes none, an eval's, spares its 4 ms). */
  private ajvInstance: Ajv | null = null;
  /** Answer validators by the schema's text: a step's `vars` schema is a new object each call, and Ajv keeps every object it compiled. */
  private readonly validators = new Map<string, ValidateFunction>();
  /** A model's answer is input from outside: a key it echoes is redacted before anyone sees it. */
  private redactor: Redactor | null = null;
  private readonly storedKeys: string[] = [];
  readonly playsCassettes = true;
  readonly honoursBudget = true;

  constructor(private readonly o: ModelRunnerOptions = {}) {
    this.env = o.env ?? process.env;
    this.resilience = { ...DEFAULT_RESILIENCE, ...o.resilience };
  }

  models(): RegistryModel[] {
    return (this.registry ??= loadRegistry(this.o.registryFile ?? null));
  }

  baseUrl(provider: string): string | undefined {
    const set = this.o.baseUrls?.[provider];
    if (set) return set;
    const v = BASE_URL_VARIABLES[provider];
    if (v && this.env[v]) return this.env[v];
    if (provider === 'ollama') return this.env.OLLAMA_HOST ? `${this.env.OLLAMA_HOST.replace(/\/+$/, '')}/v1` : OLLAMA_DEFAULT_URL;
    if (provider === 'huggingface') return HUGGINGFACE_DEFAULT_URL;
    return undefined;
  }

  /** A provider's key: its SDK's environment variable, else the host's secret storage. */
  async key(provider: string): Promise<string | undefined> {
    for (const v of KEY_VARIABLES[provider] ?? [`${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`]) if (this.env[v]) return this.env[v];
    const stored = this.o.secrets ? await this.o.secrets(provider) : undefined;
    if (stored && !this.storedKeys.includes(stored)) {
      this.storedKeys.push(stored);
      this.redactor = null;
    }
    return stored;
  }

  /** The secrets of this process's environment, the runner's and the keys from secret storage. */
  private redact(): Redactor {
    return (this.redactor ??= new Redactor({ ...process.env, ...this.env }, this.storedKeys));
  }

  /** Configured: a key (or, for a local server, an endpoint someone set). */
  async configured(provider: string): Promise<boolean> {
    if (this.o.providers?.[provider]) return true;
    if (provider === 'ollama') return !!(this.o.baseUrls?.ollama || this.env.OLLAMA_BASE_URL || this.env.OLLAMA_HOST);
    return !!(await this.key(provider));
  }

  private guard(provider: string): ProviderGuard {
    let g = this.guards.get(provider);
    if (!g) {
      const limits = { ...(DEFAULT_LIMITS[provider] ?? FALLBACK_LIMITS), ...this.o.limits?.[provider] };
      g = providerGuard(provider, limits, this.resilience);
      // no rate the user set: learn it from the provider (engine/models/learnedLimiter.ts)
      if (this.o.limits?.[provider]?.requestsPerMinute === undefined && this.o.limits?.[provider]?.tokensPerMinute === undefined) g.limiter = new LearnedRateLimiter(this.resilience.windowMs, provider, this.resilience.callTimeoutMs);
      this.guards.set(provider, g);
    }
    return g;
  }

  private async provider(provider: string): Promise<ModelProvider> {
    const hosted = this.o.providers?.[provider];
    if (hosted) return hosted;
    if (provider === 'vscode') throw new NotConfiguredError("'vscode:' models are the editor's own language models: they exist only inside VS Code. On the command line, use a provider with a key (openai:, anthropic:, google:, huggingface:, ollama:)");
    const key = (await this.key(provider)) ?? (provider === 'ollama' ? 'ollama' : undefined);
    const base = this.baseUrl(provider);
    const known = ['openai', 'anthropic', 'google', 'huggingface', 'ollama', 'openai-compatible'].includes(provider) || !!base;
    if (!known) throw new ToolError(`Unknown model provider '${provider}': use openai, anthropic, google, huggingface, ollama, or an OpenAI-compatible server with a base URL in settings`, 'ConfigurationError');
    if (!key) {
      const vars = KEY_VARIABLES[provider] ?? [`${provider.toUpperCase()}_API_KEY`];
      throw new NotConfiguredError(`No API key for provider '${provider}': set ${vars.join(' or ')} (or store one in the editor)`);
    }
    if (provider !== 'ollama' && provider !== 'openai' && provider !== 'anthropic' && provider !== 'google' && !base)
      throw new NotConfiguredError(`Provider '${provider}' needs a base URL (settings, or ${BASE_URL_VARIABLES[provider] ?? 'OPENAI_COMPATIBLE_BASE_URL'})`);
    const cached = this.clients.get(provider);
    if (cached && cached.key === key) return cached.provider;
    const p =
      provider === 'anthropic'
        ? anthropicProvider({ apiKey: key, baseURL: base })
        : provider === 'google'
          ? googleProvider({ apiKey: key, baseUrl: base })
          : openaiProvider({ name: provider, apiKey: key, baseURL: base, ...(KEY_VARIABLES[provider]?.length === 0 && base ? { unreachable: unreachableWords(provider, base) } : {}) });
    this.clients.set(provider, { key, provider: p });
    return p;
  }

  async select(filters: Record<string, unknown>, schema: 'cost' | 'performance' | 'balanced'): Promise<{ model: string; reason: string }> {
    const providers = [...new Set(this.models().map((m) => m.provider))];
    const ok = new Set<string>();
    for (const p of providers) if (await this.configured(p)) ok.add(p);
    return selectModel(this.models(), filters, schema, (p) => ok.has(p));
  }

  price(id: string, tokensIn: number, tokensOut: number): number {
    const m = this.models().find((x) => x.id === id);
    return m ? (tokensIn * m.price_in + tokensOut * m.price_out) / 1_000_000 : 0;
  }

  /** One guarded provider call: limiter, concurrency, breaker and retries, a timeout, the run's signal. */
  async call<T extends ProviderAnswer>(id: string, provider: string, estimate: number, signal: AbortSignal, fn: (p: ModelProvider, signal: AbortSignal) => Promise<T>, via: Pick<ModelRequest, 'cassette' | 'stepId' | 'budget'> = {}, worst: { tokensIn: number; tokensOut: number } = { tokensIn: estimate, tokensOut: 0 }): Promise<{ answer: T; record: ModelCallRecord }> {
    if (!via.budget) return this.callHeld(id, provider, estimate, signal, fn, via);
    // the run's budget: the worst case is held before the call starts, settled to its cost after
    const hold = await via.budget.reserve({ model: id, tokensIn: worst.tokensIn, tokensOut: worst.tokensOut, usd: this.price(id, worst.tokensIn, worst.tokensOut), priced: this.models().some((m) => m.id === id) }, signal);
    let settled = false;
    try {
      const done = await this.callHeld(id, provider, estimate, AbortSignal.any([signal, hold.signal]), fn, via);
      hold.settle(done.record.tokens_in + done.record.tokens_out, done.record.cost_usd);
      settled = true;
      return done;
    } finally {
      if (!settled) hold.settle(0, 0);
    }
  }

  private async callHeld<T extends ProviderAnswer>(id: string, provider: string, estimate: number, signal: AbortSignal, fn: (p: ModelProvider, signal: AbortSignal) => Promise<T>, via: Pick<ModelRequest, 'cassette' | 'stepId'>): Promise<{ answer: T; record: ModelCallRecord }> {
    // a cassette: replayed calls construct no provider and pass no guard; recorded ones go through it
    const tape = via.cassette, stepId = via.stepId ?? null, mode = tape?.modeFor(stepId) ?? 'live';
    if (tape && mode === 'replay') {
      const r = await tape.replay(id, provider, stepId, signal, fn);
      checkRecordUsage(r.record);
      return r;
    }
    const p = tape && mode === 'record' ? tape.recorder(await this.provider(provider), provider, stepId, (i, o) => this.price(id, i, o)) : await this.provider(provider);
    const g = this.guard(provider);
    const t0 = performance.now();
    let wait = 0;
    let attempts = 0;
    const attempt = async (): Promise<T> => {
      attempts++;
      const w0 = performance.now();
      return g.concurrency.execute(async () => {
        const slot = await g.limiter.acquire(estimate, signal);
        wait += performance.now() - w0;
        const ctl = new AbortController();
        const onAbort = () => ctl.abort(signal.reason);
        if (signal.aborted) ctl.abort(signal.reason);
        else signal.addEventListener('abort', onAbort, { once: true });
        const ms = this.resilience.callTimeoutMs;
        const timer = setTimeout(() => ctl.abort(new TimeoutError(`The call to '${id}' timed out after ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}`)), ms);
        try {
          // the counts are the provider's word: checked before they reach the limiter, budgets and costs
          const a = checkUsage(await fn(p, ctl.signal));
          slot.settle(a.tokensIn + a.tokensOut);
          if (g.limiter instanceof LearnedRateLimiter) g.limiter.answered(a.limits ?? null);
          return a;
        } catch (e) {
          if (g.limiter instanceof LearnedRateLimiter) g.limiter.failed(e instanceof ProviderError ? e.status : null);
          throw ctl.signal.aborted ? ctl.signal.reason : e;
        } finally {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
        }
      }, signal);
    };
    let answer: T;
    let failure: unknown = null;
    try {
      answer = await g.retry.execute(async () => {
        // the wait before another attempt: cancellable, and refused when longer than a call may take
        if (failure !== null) await abortable(retryDelayMs(provider, failure, attempts, this.resilience), signal);
        try {
          return await g.breaker.execute(attempt, signal);
        } catch (e) {
          failure = e;
          throw e;
        }
      }, signal);
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      throw describeBreak(provider, e, this.resilience.halfOpenAfterMs);
    }
    const record: ModelCallRecord = {
      model: id,
      tokens_in: answer.tokensIn,
      tokens_out: answer.tokensOut,
      cost_usd: this.price(id, answer.tokensIn, answer.tokensOut),
      latency_ms: Math.round((performance.now() - t0) * 1000) / 1000,
      wait_ms: Math.round(wait * 1000) / 1000,
      attempts,
    };
    if ((answer as { usage?: string }).usage) record.usage = (answer as { usage?: string }).usage;
    return { answer, record };
  }

  /** Runs the request on its model, then on each of its fallbacks (the registry's when the request names none) while the failure is one another model could fix. */
  async run(req: ModelRequest): Promise<ModelResponse> {
    const fallbacks = req.fallbacks ?? this.models().find((m) => m.id === req.model)?.fallbacks ?? [];
    return runChain(req, [req.model, ...fallbacks], (r, model, onCall) => this.runOne(r, model, onCall));
  }

  /**
   * One turn of an agent's conversation, guarded as any call (limits, retries, breaker, timeout,
   * cancellation) and recorded to or answered from the cassette. The text is redacted; the calls'
   * arguments are not (the agent redacts what it records of them).
   */
  async chat(req: ChatRequest): Promise<ChatResponse> {
    const { provider, name } = splitModel(req.model);
    const chars = (req.system?.length ?? 0) + req.messages.reduce((n, m) => n + (m.role === 'user' ? m.content.length : m.role === 'assistant' ? m.text.length + m.toolCalls.reduce((k, c) => k + c.argumentsText.length, 0) : m.results.reduce((k, r) => k + r.content.length, 0)), 0);
    const estimate = Math.ceil(chars / 4) + (req.maxTokens ?? 1000);
    const worst = { tokensIn: Math.ceil(chars / 4), tokensOut: req.maxTokens ?? WORST_CASE_OUT_TOKENS };
    const call = { model: name, system: req.system, messages: req.messages, tools: req.tools, parallelToolCalls: req.parallelToolCalls, toolChoice: req.toolChoice, schema: req.schema, maxTokens: req.maxTokens, temperature: req.temperature };
    const { answer, record } = await this.call(req.model, provider, estimate, req.signal, (p, signal) => {
      if (!p.chat) throw new ToolError(`Model '${req.model}' cannot call tools: its provider '${provider}' has no function calling here`, 'ConfigurationError');
      return p.chat({ ...call, signal }, req.stream ? (chunk) => req.onText(this.redact().text(chunk)) : undefined);
    }, req, worst);
    const r: ModelCallRecord = { ...record, provider, max_tokens: req.maxTokens, temperature: req.temperature };
    if (answer.responseModel) r.response_model = answer.responseModel;
    if (answer.finishReasons) r.finish_reasons = answer.finishReasons;
    req.onCall?.(r);
    const text = this.redact().text(answer.text);
    return {
      text,
      toolCalls: answer.toolCalls,
      message: answer.message,
      ...(req.schema ? { data: this.redact().value(answer.data) } : {}),
      model: req.model,
      tokens_in: r.tokens_in,
      tokens_out: r.tokens_out,
      cost_usd: r.cost_usd,
      latency_ms: r.latency_ms,
      wait_ms: r.wait_ms,
      ...(answer.finishReasons ? { finish_reasons: answer.finishReasons } : {}),
      ...(r.usage ? { usage: r.usage } : {}),
    };
  }

  /** Embeddings (engine/models/embedCalls.ts): batches of texts, each a guarded call. */
  embed(model: string, texts: string[], signal: AbortSignal, onCall?: (c: ModelCallRecord) => void, via?: Pick<ModelRequest, 'stepId' | 'budget'>): Promise<EmbedResult> {
    return embedWith(this, model, texts, signal, onCall, via);
  }

  /** A schema's validator, compiled once per text and not kept by Ajv (the oldest of many go). */
  private validator(schema: Record<string, unknown>): ValidateFunction {
    const text = JSON.stringify(schema);
    let v = this.validators.get(text);
    if (v) return v;
    const ajv = (this.ajvInstance ??= new Ajv({ allErrors: false, strict: false, code: { regExp: ajvRegExp } }));
    try {
      v = ajv.compile(schema);
    } finally {
      ajv.removeSchema(schema);
    }
    if (this.validators.size >= 200) this.validators.delete(this.validators.keys().next().value!);
    this.validators.set(text, v);
    return v;
  }

  /** One model of a chain: `req` asked of `model`, its calls told to `onCall` (not the request's own). */
  private async runOne(req: ModelRequest, model: string, onCall: (c: ModelCallRecord) => void): Promise<ModelResponse> {
    const { provider, name } = splitModel(model);
    const params = req.params;
    let prompt = str(params.prompt) ?? '';
    const action = req.action;
    if (action === 'analyze_text') {
      const kind = str(params.analysis_type) ?? 'summary';
      prompt = `Analyze the text below. Analysis: ${kind}.${params.prompt ? `\n${str(params.prompt)}` : ''}\n\nText:\n${str(params.text) ?? ''}`;
    } else if (action === 'evaluate_condition') {
      prompt = `Does this statement hold? Answer with {"holds": true} or {"holds": false}.\nStatement: ${str(params.condition) ?? ''}${params.context ? `\nContext:\n${str(params.context)}` : ''}`;
    }
    const base: Omit<ProviderCall, 'signal'> = { model: name, system: req.system, prompt, maxTokens: int(params.max_tokens), temperature: float(params.temperature) };
    // images, files and audio: each provider's own parts, those it cannot take refused before the call
    if (req.parts?.length) {
      checkPartsFor(provider, req.parts);
      base.parts = req.parts;
    }
    const estimate = Math.ceil((prompt.length + (req.system?.length ?? 0)) / 4) + (base.maxTokens ?? 1000);
    const worst = { tokensIn: Math.ceil((prompt.length + (req.system?.length ?? 0)) / 4), tokensOut: base.maxTokens ?? WORST_CASE_OUT_TOKENS };
    const totals = { tokens_in: 0, tokens_out: 0, cost_usd: 0, latency_ms: 0, wait_ms: 0 };
    const note = (call: ModelCallRecord, answer: ProviderAnswer) => {
      // what `{ ...call, provider, max_tokens, temperature }` gave (a call's record has these seven fields, from call() or
      // the cassette), as a literal: the spread made a slow dictionary object per call
      const r: ModelCallRecord = { model: call.model, tokens_in: call.tokens_in, tokens_out: call.tokens_out, cost_usd: call.cost_usd, latency_ms: call.latency_ms, wait_ms: call.wait_ms, attempts: call.attempts, provider, max_tokens: base.maxTokens, temperature: base.temperature };
      if (answer.responseModel) r.response_model = answer.responseModel;
      if (answer.finishReasons) r.finish_reasons = answer.finishReasons;
      if (call.usage) r.usage = call.usage;
      totals.tokens_in += r.tokens_in;
      totals.tokens_out += r.tokens_out;
      totals.cost_usd += r.cost_usd;
      totals.latency_ms += r.latency_ms;
      totals.wait_ms += r.wait_ms;
      onCall(r);
    };
    const done = (value: unknown): ModelResponse => ({ value: this.redact().value(value), model, tokens_in: totals.tokens_in, tokens_out: totals.tokens_out, cost_usd: totals.cost_usd, latency_ms: totals.latency_ms, wait_ms: totals.wait_ms });

    const schema = action === 'evaluate_condition' ? { type: 'object', properties: { holds: { type: 'boolean' } }, required: ['holds'], additionalProperties: false } : req.schema;
    if (schema) {
      let validate;
      try {
        validate = this.validator(schema);
      } catch (e) {
        throw new ToolError(`The schema of the answer is not valid JSON Schema: ${e instanceof Error ? e.message : String(e)}`, 'SchemaError');
      }
      let ask = base.prompt;
      // `repair.max_attempts` more calls (default one) may mend an answer that fails the schema
      const repairs = req.repairAttempts ?? 1;
      for (let round = 1; ; round++) {
        const { answer, record } = await this.call(model, provider, estimate, req.signal, (p, signal) => p.generateStructured({ ...base, prompt: ask, schema, signal }), req, worst);
        note(record, answer);
        // an answer that is not JSON at all (prose around it, a code fence, a cut-off object) is repaired as one that fails the schema
        const notJson = answer.data === undefined ? notJsonReason(answer.text, answer.finishReasons) : null;
        if (notJson === null && validate(answer.data)) return done(action === 'evaluate_condition' ? (answer.data as { holds: boolean }).holds : answer.data);
        const bad = notJson === null ? firstField(validate.errors) : null;
        const why = bad ? `field '${bad.field}': ${bad.text}` : `the answer is not JSON (${notJson})`;
        if (round > repairs) throw new ToolError(repairs === 1 ? `The model's answer failed validation twice: ${why}` : `The model's answer failed validation ${round === 1 ? 'and no repair is allowed' : `${round} times (repair.max_attempts: ${repairs})`}: ${why}`, 'ValidationError');
        ask = `${base.prompt}\n\nYour previous answer was rejected: ${why}. Answer again with JSON that matches the schema exactly${notJson ? ', and nothing else' : ''}.`;
      }
    }
    const streaming = params.stream !== false;
    const { answer, record } = await this.call(model, provider, estimate, req.signal, (p, signal) => (streaming ? p.stream({ ...base, signal }, (chunk) => req.onText(this.redact().text(chunk))) : p.generate({ ...base, signal })), req, worst);
    note(record, answer);
    return done(answer.text);
  }
}
