// The `fetch` the provider SDKs are given: a model call over Node's own HTTP client with a keep-alive
// agent, not over the global fetch. The global fetch (undici's WHATWG fetch) passes every request and
// response body through web streams, clones the request and makes each stream transferable: in a CPU
// profile of an eval of 2,000 calls on loopback it was 1.1 s of the main thread's 3.9 (about 0.5 ms a
// call, more than the engine's own work for the case), and the same calls through the `openai` SDK
// took 3.0-3.3 s with it and 2.8-2.9 s over Node's client (2026-11-25, 16 at once, a server answering
// in 20 ms). Node's client with `agentkeepalive` is what the `openai` SDK itself used on Node until
// its version 5.
//
// Only the requests the SDKs make for a model call take this path: a body that is text or bytes (the
// JSON of a call) to an http: or https: address. Anything else (a form, a stream, a Request object)
// and any redirect go to the global fetch, as before. What the caller gets is a standard Response:
// the body whole for a JSON answer, streamed as it comes for server-sent events; a connection that
// fails rejects with `TypeError('fetch failed')` and the cause, as the global fetch does, and an
// aborted signal rejects with its reason.
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline, Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/**
 * Connections kept open between calls, closed after 4 s unused (or before the server's own
 * `Keep-Alive: timeout=`), so a call is not sent on a connection the server is closing: local model
 * servers close idle connections after 5 s (uvicorn's default, under vLLM). `timeout: 0`: a call in
 * progress has no socket timeout of the agent's (a model may think for minutes); the call's own
 * timeout ends it through its signal.
 */
const AGENT_OPTIONS = { keepAlive: true, freeSocketTimeout: 4000, timeout: 0 };
let agents: { http: http.Agent; https: https.Agent } | null = null;

function agentFor(protocol: string): http.Agent {
  // agentkeepalive required at the first call: its classes extend Node's HTTP agents as it loads,
  // which would load node:http and node:https in every `orc` command (scripts/lazyBuiltins.mjs)
  if (!agents) {
    const { HttpAgent, HttpsAgent } = require('agentkeepalive') as typeof import('agentkeepalive');
    agents = { http: new HttpAgent(AGENT_OPTIONS), https: new HttpsAgent(AGENT_OPTIONS) };
  }
  return protocol === 'https:' ? agents.https : agents.http;
}

/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers) headers.forEach((v, k) => (out[k] = v));
  else if (Array.isArray(headers)) for (const [k, v] of headers) out[k.toLowerCase()] = v;
  else for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}

/** The response's body as sent: decoded when the server compressed it although nothing asked it to. */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? zlib.createGunzip() : encoding === 'br' ? zlib.createBrotliDecompress() : encoding === 'deflate' ? zlib.createInflate() : null;
  // pipeline: an error of the connection is the decoder's too
  return decoder ? pipeline(res, decoder, () => {}) : res;
}

/**
 * A call's signal handed to `modelFetch` past the SDK. Given a `signal`, the `openai` SDK composes it
 * with its own (`AbortSignal.any` and a finalization registry): 16-24 µs of every call in a CPU
 * profile of the agent bench (2026-11-26). The provider registers its signal here instead and sends
 * the id in a header the SDK passes on untouched; `modelFetch` takes the signal back and removes the
 * header before the request leaves. A call that never reached `fetch` releases its id itself.
 */
const CALL_HEADER = 'x-orchestrator-call';
const callSignals = new Map<string, AbortSignal>();
let nextCall = 0;

/** Registers `signal` for the next `modelFetch` of a call: the request options to give the SDK, and the release (idempotent). */
export function callSignalOptions(signal: AbortSignal): { options: { headers: Record<string, string> }; release: () => void } {
  const id = String(++nextCall);
  callSignals.set(id, signal);
  return { options: { headers: { [CALL_HEADER]: id } }, release: () => callSignals.delete(id) };
}

/** The request's headers without the call header, and the signal that header named. */
function takeCallSignal(init: RequestInit): { headers: Record<string, string>; call: AbortSignal | null } {
  const headers = headerRecord(init.headers);
  const id = headers[CALL_HEADER];
  if (id === undefined) return { headers, call: null };
  delete headers[CALL_HEADER];
  const call = callSignals.get(id) ?? null;
  callSignals.delete(id);
  return { headers, call };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** The SDKs' `fetch`: see the top of this file. */
export function modelFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
  const body = init.body;
  const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  // the call's signal, and the SDK's own (it aborts its request when its reader lets go of a stream)
  const { headers, call } = takeCallSignal(init);
  const sdk = init.signal ?? null;
  // what the global fetch is given: both signals, the call header gone
  const asGiven = (): RequestInit => ({ ...init, headers, ...(call ? { signal: sdk ? AbortSignal.any([call, sdk]) : call } : {}) });
  if (href === null || !plainBody || !/^https?:/i.test(href)) return fetch(input, asGiven());
  const url = new URL(href);
  const already = call?.aborted ? call : sdk?.aborted ? sdk : null;
  if (already) return Promise.reject(abortReason(already));
  return new Promise<Response>((resolve, reject) => {
    if (body !== undefined && body !== null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, { method: init.method ?? 'GET', headers, agent: agentFor(url.protocol) });
    let settled = false;
    let res: http.IncomingMessage | null = null;
    const abortBy = (signal: AbortSignal) => {
      const reason = abortReason(signal);
      // after the answer began, its body (a stream the caller reads) ends with the reason
      if (res) res.destroy(reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError'));
      req.destroy();
      if (!settled) {
        settled = true;
        reject(reason);
      }
    };
    const onCallAbort = () => abortBy(call!);
    const onSdkAbort = () => abortBy(sdk!);
    call?.addEventListener('abort', onCallAbort, { once: true });
    sdk?.addEventListener('abort', onSdkAbort, { once: true });
    const done = () => {
      call?.removeEventListener('abort', onCallAbort);
      sdk?.removeEventListener('abort', onSdkAbort);
    };
    req.on('error', (e) => {
      done();
      if (settled) return;
      settled = true;
      reject(Object.assign(new TypeError('fetch failed'), { cause: e }));
    });
    req.on('response', (r) => {
      res = r;
      const status = r.statusCode ?? 0;
      // a redirect (a server behind a proxy, a base URL without its slash): the global fetch follows it
      if (status >= 300 && status < 400 && r.headers.location && status !== 304) {
        done();
        r.resume();
        settled = true;
        resolve(fetch(input, asGiven()));
        return;
      }
      const responseHeaders = new Headers();
      for (let i = 0; i < r.rawHeaders.length; i += 2) responseHeaders.append(r.rawHeaders[i], r.rawHeaders[i + 1]);
      const make = (content: BodyInit | null) => {
        const response = new Response(NULL_BODY.has(status) ? null : content, { status, statusText: r.statusMessage ?? '', headers: responseHeaders });
        Object.defineProperty(response, 'url', { value: href });
        return response;
      };
      const source = decoded(r);
      if (/^text\/event-stream/i.test(String(r.headers['content-type'] ?? ''))) {
        // server-sent events: the caller reads each as it comes
        source.once('close', done);
        settled = true;
        resolve(make(Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>));
        return;
      }
      const chunks: Buffer[] = [];
      source.on('data', (c: Buffer) => chunks.push(c));
      source.once('end', () => {
        done();
        if (settled) return;
        settled = true;
        const whole = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        resolve(make(new Uint8Array(whole.buffer as ArrayBuffer, whole.byteOffset, whole.byteLength)));
      });
      const failed = (e: unknown) => {
        done();
        if (settled) return;
        settled = true;
        reject(Object.assign(new TypeError('terminated'), { cause: e }));
      };
      // the connection closed before the body ended (Node's 'aborted', ECONNRESET)
      source.once('error', failed);
    });
    req.end(body ?? undefined);
  });
}
