// Fallback chains: a step's `model:` may be a list, and a pipeline (`fallbacks:`) or the registry
// may name the models that stand in for one. The next model answers only when the failure is one
// another provider could fix (5xx, 529, a timeout, an open breaker, a rate limit or quota past its
// retries, a model not found, a provider with no key); a bad request, a refused key, a validation
// failure or a cancelled run ends the chain where it is.
import { ToolError } from '../toolkit/runtime';
import type { ModelCallRecord, ModelRequest, ModelResponse, ModelTry } from './modelRunner';
import { ProviderError } from './provider';
import { CircuitOpenError, TimeoutError } from './resilience';

/** A provider that cannot be called here (no key, no base URL, editor-only): the next model may be. */
export class NotConfiguredError extends ToolError {
  constructor(message: string) {
    super(message, 'ConfigurationError');
  }
}

/** Every model of a chain failed or was passed over; `tried` says why, model by model. */
export class ModelChainError extends ToolError {
  constructor(
    message: string,
    errorType: string,
    readonly tried: ModelTry[],
    /** Tokens and cost of every call the chain made (answers that failed validation, say). */
    readonly spent: { tokens_in: number; tokens_out: number; cost_usd: number },
  ) {
    super(message, errorType);
  }
}

const errorTypeOf = (e: unknown): string => (e instanceof ToolError ? e.errorType : e instanceof Error ? e.name : 'Error');
const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Why a failed call may pass to the next model, or null when it must not (the failure would be the
 * same with any model, or is the user's to fix).
 */
export function fallThroughReason(e: unknown): string | null {
  if (e instanceof CircuitOpenError) return 'circuit breaker open';
  if (e instanceof TimeoutError) return 'timed out';
  if (e instanceof NotConfiguredError) return 'not configured';
  if (!(e instanceof ProviderError)) return null;
  const s = e.status;
  if (s === null) return e.transient ? 'connection failed or stream cut off' : null;
  if (s === 404) return 'model not found (HTTP 404)';
  if (s === 429) return 'rate limit or quota (HTTP 429), retries spent';
  if (s === 402) return 'quota or billing (HTTP 402)';
  if (s === 408 || s === 409 || s >= 500) return `provider failure (HTTP ${s}), retries spent`;
  return null;
}

/**
 * The models after `model` for one call: an explicit list's tail when the model came from a list,
 * else the pipeline's `fallbacks:` for it, else the registry's (resolved by the runner).
 */
export function fallbacksFor(model: string, list: string[] | undefined, declared: Record<string, string[]> | undefined): string[] | undefined {
  if (list && list.length > 1 && list[0] === model) return list.slice(1);
  if (declared && Object.prototype.hasOwnProperty.call(declared, model)) return declared[model];
  return undefined;
}

/** One line per model: `openai:gpt-4o: provider failure (HTTP 503) — openai answered HTTP 503: ...`. */
function describeTried(tried: ModelTry[]): string {
  return tried.map((t) => `${t.model}: ${t.reason}${t.error ? ` — ${t.error}` : ''}`).join('; ');
}

/** What a chain did, for people: `openai:gpt-4o passed over (provider failure (HTTP 503), retries spent); ollama:llama3.2 answered`; '' when the first model answered. */
export function chainStory(tried: ModelTry[]): string {
  if (!tried.some((t) => t.outcome !== 'answered')) return '';
  return tried.map((t) => (t.outcome === 'answered' ? `${t.model} answered` : `${t.model} ${t.outcome === 'failed' ? 'failed' : 'passed over'} (${t.reason})`)).join('; ');
}

/**
 * Runs `req` on each model of `chain` in order until one answers. `one` runs a single model (its
 * own retries, breaker and validation included). Tokens and cost count every call of every model.
 */
export async function runChain(req: ModelRequest, chain: string[], one: (req: ModelRequest, model: string, onCall: (c: ModelCallRecord) => void) => Promise<ModelResponse>): Promise<ModelResponse> {
  const tried: ModelTry[] = [];
  const totals = { tokens_in: 0, tokens_out: 0, cost_usd: 0, latency_ms: 0, wait_ms: 0 };
  for (let i = 0; i < chain.length; i++) {
    const model = chain[i];
    const mine = { tokens_in: 0, tokens_out: 0, cost_usd: 0 };
    const onCall = (c: ModelCallRecord) => {
      mine.tokens_in += c.tokens_in;
      mine.tokens_out += c.tokens_out;
      mine.cost_usd += c.cost_usd;
      totals.latency_ms += c.latency_ms;
      totals.wait_ms += c.wait_ms;
      req.onCall?.(c);
    };
    const add = () => {
      totals.tokens_in += mine.tokens_in;
      totals.tokens_out += mine.tokens_out;
      totals.cost_usd += mine.cost_usd;
    };
    try {
      // the request as it is, with this model and this onCall (a copy of it per call was a slow dictionary object)
      const res = await one(req, model, onCall);
      add();
      // what `{ ...res, ...totals, model, tried }` gave, on the answer itself (one() made it for this call alone)
      const out: ModelResponse = res;
      out.tokens_in = totals.tokens_in;
      out.tokens_out = totals.tokens_out;
      out.cost_usd = totals.cost_usd;
      out.latency_ms = totals.latency_ms;
      out.wait_ms = totals.wait_ms;
      out.model = model;
      // a chain of one model reports no `tried`
      if (chain.length > 1) {
        tried.push({ model, outcome: 'answered', tokens_in: mine.tokens_in, tokens_out: mine.tokens_out, cost_usd: mine.cost_usd });
        out.tried = tried;
      }
      return out;
    } catch (e) {
      add();
      if (req.signal.aborted) throw e;
      const reason = fallThroughReason(e);
      const last = i === chain.length - 1;
      tried.push({ model, outcome: reason && !last ? 'passed-over' : 'failed', reason: reason ?? 'not a failure another model could fix', error: text(e), error_type: errorTypeOf(e), ...mine });
      if (chain.length === 1) throw e;
      if (!reason) throw new ModelChainError(`Model '${model}' failed with an error the next model would not fix, so the chain stops (${describeTried(tried)})`, errorTypeOf(e), tried, totals);
      if (last) throw new ModelChainError(`Every model of the chain failed: ${describeTried(tried)}`, errorTypeOf(e), tried, totals);
    }
  }
  throw new ToolError('A model chain needs at least one model', 'ConfigurationError');
}
