// The http tool: GET, POST or any method, with a timeout and a cap on the response body.
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { abortError, ToolError } from '../toolkit/runtime';
import { readCappedText } from './responseBody';
import { TOOL_SPECS } from '../toolkit/toolSpecs';
import { setLongTimeout } from '../util/longTimer';

const DEFAULT_TIMEOUT_S = 30;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

async function request(method: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (typeof p.url !== 'string' || !/^https?:\/\//i.test(p.url)) throw new ToolError(`'url' must be an http(s) URL, got ${JSON.stringify(p.url)}`, 'ValueError');
  const timeoutS = typeof p.timeout === 'number' && p.timeout > 0 ? p.timeout : DEFAULT_TIMEOUT_S;
  const maxBytes = typeof p.max_bytes === 'number' && p.max_bytes > 0 ? p.max_bytes : DEFAULT_MAX_BYTES;
  const headers: Record<string, string> = {};
  if (p.headers && typeof p.headers === 'object') for (const [k, v] of Object.entries(p.headers)) headers[k] = String(v);
  let body: string | undefined;
  if (p.body !== undefined && p.body !== null && method !== 'GET' && method !== 'HEAD') {
    if (typeof p.body === 'string') body = p.body;
    else {
      body = JSON.stringify(p.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
  }
  const timeout = new AbortController();
  // a user's time may be longer than one Node timer holds
  const timer = setLongTimeout(() => timeout.abort(new ToolError(`Request timed out after ${timeoutS} s: ${method} ${p.url}`, 'TimeoutError')), timeoutS * 1000);
  const signal = AbortSignal.any([ctx.signal, timeout.signal]);
  try {
    const res = await fetch(p.url, { method, headers, body, signal, redirect: 'follow' });
    const text = await readCappedText(res, maxBytes, (declared) => (declared === null ? `Response body is larger than max_bytes (${maxBytes})` : `Response body of ${declared} bytes is larger than max_bytes (${maxBytes})`));
    let json: unknown = null;
    if (/json/i.test(res.headers.get('content-type') ?? '')) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    const result = { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: text, json };
    if (res.status >= 400) return { success: false, result, error: `HTTP ${res.status} ${res.statusText} from ${method} ${p.url}` };
    return { success: true, result };
  } catch (e) {
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    if (timeout.signal.aborted) throw timeout.signal.reason as Error;
    if (e instanceof ToolError) throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ToolError(`${method} ${p.url} failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`, 'ConnectionError');
  } finally {
    timer.clear();
  }
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  switch (action) {
    case 'get':
      return request('GET', p, ctx);
    case 'post':
      return request('POST', p, ctx);
    case 'request':
      return request(String(p.method ?? 'GET').toUpperCase(), p, ctx);
  }
  throw new ToolError(`http has no action '${action}'`, 'ValueError');
}

export const httpTool: ToolDefinition = { spec: TOOL_SPECS.http, run, concurrency: 32 };
