// The HTTP API of `orc serve` (Hono): the endpoints of docs/serve.md. JSON in and out, an error is
// `{error: {code, message}}`; every endpoint but /healthz needs the bearer token when tokens are
// configured (a webhook with a secret is authenticated by its signature instead: webhooks.ts).
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from 'hono/body-limit';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { loadCheckpoint, readRunResult, runDir, runIds, type Redactor, type ServedPipeline } from '../api/index';
import { isA2aCardPath } from '../a2a/cardPath';
import type { Tokens } from './auth';
import { DROP_GRACE_MS, responseSink } from './eventLog';
import { bodyBytes, bodyText, keepBody } from '../a2a/requestBody';
import { openApiDocument, sessionBody } from './openapi';
import { ServeError, unauthorized } from './serveErrors';
import { SESSION_FIELD, SESSION_HEADER } from './sessions';
import type { ServedRun, ServedRuns } from './servedRuns';
import type { MonitorDecl } from '../api/index';
import type { RunEventLog } from './eventLog';

/** The longest `Prefer: wait=N` honoured (seconds). */
export const MAX_WAIT_S = 600;
/** The default limit on a request's body (`--max-body`). */
export const DEFAULT_MAX_BODY = 1024 * 1024;
/** GET /runs lists this many runs unless `limit` says otherwise (at most MAX_LISTED). */
const DEFAULT_LISTED = 50;
const MAX_LISTED = 1000;

export interface AppOptions {
  root: string;
  version: string;
  tokens: Tokens;
  runs: ServedRuns;
  /** The pipelines served now, by their name in URLs. */
  table(): Map<string, ServedPipeline>;
  maxBody: number;
  redactor: Redactor;
  log(line: string): void;
  /** Answers POST /hooks/{name} (webhooks.ts). */
  hook?(c: Context, name: string, raw: Uint8Array): Promise<Response>;
  /** The A2A agents' routes (`--a2a`: engine/a2a), mounted under /a2a behind the tokens. */
  a2a?: Hono;
  /** The pipelines' monitors (monitors.ts: GET /monitors; their alerts on GET /events). */
  monitors?: {
    events: RunEventLog;
    figures(served: Iterable<{ pipeline: string; monitors: MonitorDecl[] | undefined }>): unknown[];
  };
}

/** A route's answer as a status, headers and a JSON body, whichever server writes it: Hono's context, or Node's response (runPost.ts). */
export interface JsonAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** The body as JSON, when it is at hand already (a run's result document: ServedRun.resultJson). */
  json?: string;
}

/** `{error}` with its status and headers. */
export function errorAnswer(e: ServeError): JsonAnswer {
  return { status: e.status, headers: e.headers, body: e.body };
}

/** `{error}` with its status. */
export function errorResponse(c: Context, e: ServeError): Response {
  return jsonResponse(c, errorAnswer(e));
}

function jsonResponse(c: Context, a: JsonAnswer): Response {
  for (const [k, v] of Object.entries(a.headers)) c.header(k, v);
  if (a.json === undefined) return c.json(a.body, a.status as ContentfulStatusCode);
  c.header('content-type', 'application/json');
  return c.body(a.json, a.status as ContentfulStatusCode);
}

/** What a request that failed with `e` is answered: a ServeError as it is, anything else a 500 whose stack goes to the log (redacted). */
export function failure(o: Pick<AppOptions, 'log' | 'redactor'>, method: string, path: string, e: unknown): ServeError {
  if (e instanceof ServeError) return e;
  o.log(`orc serve: ${method} ${path} failed: ${o.redactor.text((e as Error)?.stack ?? String(e))}`);
  return new ServeError(500, 'internal', o.redactor.text(`The server failed: ${(e as Error)?.message ?? String(e)}`));
}

/** A body past the limit (413). The unread rest of the body is not taken: the connection closes after the answer, and says so, so a
 * keep-alive client opens a new one for its next request instead of writing to a closed socket. */
export function tooLarge(maxBody: number): ServeError {
  return new ServeError(413, 'body_too_large', `The request's body is larger than this server takes (${maxBody} bytes, --max-body)`, {}, { connection: 'close' });
}

/** Whether a request that declares its length declares one past `max` (refused unread). */
export function declaredTooLarge(incoming: IncomingMessage, max: number): boolean {
  const declared = incoming.headers['content-length'];
  return declared !== undefined && incoming.headers['transfer-encoding'] === undefined && Number.parseInt(declared, 10) > max;
}

/** The body of a request, refused past the limit (413). */
function limited(maxBody: number) {
  const refuse = (c: Context) => errorResponse(c, tooLarge(maxBody));
  const webLimit = bodyLimit({ maxSize: maxBody, onError: refuse });
  // Under Node the body is read from Node's request itself. Through the web Request @hono/node-server
  // makes on first use (a stream of the body, the headers copied) a run's POST spent 0.2-0.3 ms more
  // than a bare node:http server's (bench serve's profile); the limit is the same: a declared length
  // past it is refused unread, a chunked body once it passes it.
  return async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
    if (!(incoming instanceof IncomingMessage)) return webLimit(c, next);
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (declaredTooLarge(incoming, maxBody)) return refuse(c);
    const body = await readLimited(incoming, maxBody);
    if (body === 'too large') return refuse(c);
    keepBody(c, body);
    return next();
  };
}

/** Node's request's body, or 'too large' as soon as it passes `max` (the rest left unread: the
 * answer closes the connection; the stream is not destroyed, which would take the answer's socket). */
export function readLimited(incoming: IncomingMessage, max: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      done();
      incoming.pause();
      resolve('too large');
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onClose = () => {
      done();
      reject(new ServeError(400, 'body_aborted', 'The request ended before its body did'));
    };
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onClose);
      incoming.off('close', onClose);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onClose);
    incoming.on('close', onClose);
  });
}

/** A JSON object from a request's text ({} for none). */
export function inputsOf(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ServeError(400, 'invalid_json', `The body is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ServeError(422, 'invalid_inputs', 'The body must be a JSON object of the inputs, by parameter name');
  return v as Record<string, unknown>;
}

/** N of `Prefer: wait=N` (capped), or null. */
export function waitOf(prefer: string | undefined): number | null {
  const m = /(?:^|[;,\s])wait=(\d+)/i.exec(prefer ?? '');
  return m ? Math.min(Number(m[1]), MAX_WAIT_S) : null;
}

/** A run's links, as its answers give them. */
export const links = (id: string) => ({ self: `/runs/${id}`, events: `/runs/${id}/events`, cancel: `/runs/${id}/cancel` });

/** 202 with the run's links; with `Prefer: wait=N`, 200 and its result document if it ends within N seconds. */
export async function runReply(run: ServedRun, wait: number | null): Promise<JsonAnswer> {
  const headers: Record<string, string> = {};
  if (run.session !== undefined) headers[SESSION_HEADER] = run.session;
  if (wait !== null) {
    headers['Preference-Applied'] = `wait=${wait}`;
    let timer: NodeJS.Timeout | undefined;
    const doc = await Promise.race([run.done, new Promise<null>((r) => (timer = setTimeout(() => r(null), wait * 1000)))]);
    clearTimeout(timer);
    if (doc) return { status: 200, headers, body: doc, ...(run.resultJson !== undefined ? { json: run.resultJson } : {}) };
  }
  headers.Location = `/runs/${run.id}`;
  return { status: 202, headers, body: { run_id: run.id, status: run.result ? run.result.status : 'running', links: links(run.id), ...(run.session !== undefined ? { session: run.session } : {}) } };
}

/** runReply through Hono's context (a webhook's run). */
export async function runAnswer(c: Context, run: ServedRun, wait: number | null): Promise<Response> {
  return jsonResponse(c, await runReply(run, wait));
}

export function createApp(o: AppOptions): Hono {
  const app = new Hono();

  app.onError((e, c) => errorResponse(c, failure(o, c.req.method, c.req.path, e)));
  app.notFound((c) => errorResponse(c, new ServeError(404, 'not_found', `No endpoint ${c.req.method} ${c.req.path} (GET /openapi.json lists them)`)));

  app.use('*', async (c, next) => {
    // /healthz is open; a webhook checks its own signature or the token (webhooks.ts); an A2A
    // agent's card is open: it says how to send the token its methods need (engine/a2a/cardPath.ts)
    if (c.req.path === '/healthz' || c.req.path.startsWith('/hooks/') || !o.tokens.any || (o.a2a && isA2aCardPath(c.req.method, c.req.path))) return next();
    if (!o.tokens.allows(c.req.header('authorization'))) return errorResponse(c, unauthorized(c.req.header('authorization')));
    return next();
  });
  // one limit (--max-body) for every body this server reads, whichever route reads it: the runs, the
  // answers, the webhooks, the A2A agents' JSON-RPC (mounted below) and any route added later. A body
  // without a Content-Length (chunked) is counted as it comes and refused once past the limit, the
  // rest never read; a request without a body (GET) passes untouched
  app.use('*', limited(o.maxBody));

  app.get('/healthz', (c) => c.json({ ok: true }));
  if (o.a2a) app.route('/a2a', o.a2a);
  app.get('/openapi.json', (c) => c.json(openApiDocument(o.table(), { version: o.version, secured: o.tokens.any, url: new URL(c.req.url).origin })));
  app.get('/pipelines', (c) =>
    c.json(
      [...o.table()].map(([id, sp]) => ({
        id,
        name: sp.tool.title ?? sp.analysis.pipeline!.id,
        description: sp.tool.description,
        file: path.relative(o.root, sp.file).split(path.sep).join('/'),
        // as /openapi.json gives it: a `session` the server fills is described, not required
        input_schema: sessionBody(sp.tool.inputSchema),
        triggers: sp.analysis.pipeline!.triggers ?? [],
      })),
    ),
  );

  // POST /pipelines/:id/runs is answered before the app, from Node's request (runPost.ts)

  app.get('/runs', (c) => {
    const asked = Number(c.req.query('limit') ?? DEFAULT_LISTED);
    if (!Number.isInteger(asked) || asked < 1) throw new ServeError(400, 'invalid_limit', '?limit=N takes a whole number from 1');
    const limit = Math.min(asked, MAX_LISTED);
    const session = c.req.query('session'); // a conversation's runs (sessions.ts)
    const ids = new Set(runIds(o.root));
    for (const r of o.runs.list()) ids.add(r.id);
    const out = [];
    for (const id of [...ids].sort().reverse()) {
      if (out.length >= limit) break;
      const mem = o.runs.get(id);
      if (mem) {
        if (session === undefined || mem.session === session) out.push({ run_id: id, pipeline_id: mem.pipelineId, status: mem.result?.status ?? 'running', started_at: mem.startedAt, ended_at: mem.result?.ended_at ?? null, trigger: mem.trigger, ...(mem.session !== undefined ? { session: mem.session } : {}) });
        continue;
      }
      try {
        const cp = loadCheckpoint(o.root, id, { journal: false });
        const its = typeof cp.inputs?.[SESSION_FIELD] === 'string' ? (cp.inputs[SESSION_FIELD] as string) : undefined;
        if (session !== undefined && its !== session) continue;
        out.push({ run_id: id, pipeline_id: cp.pipeline_id, status: cp.status, started_at: cp.started_at, ended_at: cp.status === 'running' ? null : cp.updated_at, ...(cp.trigger ? { trigger: cp.trigger } : {}), ...(its !== undefined ? { session: its } : {}) });
      } catch {
        // a folder without a readable record is not a run to list
      }
    }
    return c.json(o.redactor.value({ runs: out }));
  });

  const runOf = async (c: Context): Promise<ServedRun | string> => {
    const id = c.req.param('id')!;
    const mem = o.runs.get(id);
    if (mem) return mem;
    try {
      runDir(o.root, id);
    } catch {
      throw new ServeError(404, 'unknown_run', `'${id}' is not a run id`);
    }
    // with --restate: a durable run this server does not hold (started before it restarted, or by another server)
    return (await o.runs.adopt(id)) ?? id;
  };
  const unknownRun = (id: string) => new ServeError(404, 'unknown_run', `No run ${id} under this server's root`);

  app.get('/runs/:id', async (c) => {
    const run = await runOf(c);
    if (typeof run !== 'string') {
      // a durable run's questions may have been answered elsewhere (orc answer): read them again
      if (!run.result && run.pending.refresh) await run.pending.refresh().catch(() => undefined);
      return c.json(o.runs.documentOf(run));
    }
    const doc = readRunResult(o.root, run);
    if (doc === 'unreadable') throw new ServeError(500, 'unreadable_record', `The result of run ${run} is not a readable result document`);
    if (doc !== 'missing') return c.json(o.redactor.value(doc));
    try {
      const cp = loadCheckpoint(o.root, run, { journal: false });
      return c.json(o.redactor.value({ pipeline_id: cp.pipeline_id, execution_id: run, status: cp.status, success: null, outputs: {}, steps: cp.steps, started_at: cp.started_at, ...(cp.trigger ? { trigger: cp.trigger } : {}) }));
    } catch {
      throw unknownRun(run);
    }
  });

  app.get('/runs/:id/events', async (c) => {
    const run = await runOf(c);
    const last = Number(c.req.header('last-event-id') ?? c.req.query('last_event_id') ?? 0);
    const after = Number.isInteger(last) && last > 0 ? last : 0;
    const headers = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
    if (typeof run === 'string') {
      // a run no longer (or never) in this server's memory: its record's end only
      const doc = readRunResult(o.root, run);
      if (doc === 'missing' || doc === 'unreadable') throw unknownRun(run);
      // its end (id 2) seen: 204, which tells an EventSource to stop reconnecting; an id past it (another
      // server's numbering, before a restart): the end again, so a client always learns how the run ended
      if (after === 2) return c.body(null, 204);
      const gap = `id: 1\nevent: gap\ndata: ${JSON.stringify({ from: 1, to: 1, reason: 'this run\'s events are no longer kept by this server' })}\n\n`;
      const end = `id: 2\nevent: end\ndata: ${JSON.stringify(o.redactor.value(doc))}\n\n`;
      return new Response(after === 1 ? end : gap + end, { headers });
    }
    // an ended run whose end the client has seen: 204 (the SSE standard's "stop"); past its end (ids of
    // a server before a restart): from just before the end, so the client gets the end again
    let from = after;
    if (run.log.isEnded) {
      const last = run.log.nextSeq - 1;
      if (after === last) return c.body(null, 204);
      if (after > last) from = last - 1;
    }
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const onDrop = () => {
      // dropped: its last frame waits for the socket to drain; a socket that never does is closed
      setTimeout(() => {
        if (outgoing && !outgoing.writableFinished) outgoing.destroy();
      }, DROP_GRACE_MS).unref();
    };
    if (!(outgoing instanceof ServerResponse)) return new Response(run.log.subscribe(from, onDrop).stream, { headers });
    // on a node server the frames go to the socket themselves: one leaves in the call that made its event
    outgoing.writeHead(200, headers);
    outgoing.flushHeaders();
    const detach = run.log.attach(from, responseSink(outgoing), onDrop);
    outgoing.once('close', detach);
    return RESPONSE_ALREADY_SENT;
  });

  app.post('/runs/:id/cancel', async (c) => {
    const run = await runOf(c);
    if (typeof run === 'string') {
      if (readRunResult(o.root, run) === 'missing') throw unknownRun(run);
      throw new ServeError(409, 'not_running', `Run ${run} has ended`);
    }
    if (!(await o.runs.cancel(run, 'cancelled over HTTP (POST /runs/{id}/cancel)'))) throw new ServeError(409, 'not_running', `Run ${run.id} has ended (${run.result!.status})`);
    return c.json({ run_id: run.id, status: 'cancelling', links: links(run.id) }, 202);
  });

  app.post('/runs/:id/answers/:step', async (c) => {
    const run = await runOf(c);
    if (typeof run === 'string') throw new ServeError(409, 'not_running', `Run ${run} is not running here`);
    const body = inputsOf(await bodyText(c));
    const step = c.req.param('step');
    const r = await run.pending.answer(step, body);
    if (r === 'none') throw new ServeError(404, 'no_pending_question', `Step '${step}' of run ${run.id} is not waiting for an answer${run.pending.list().length ? ` (waiting: ${run.pending.list().map((q) => q.step_id).join(', ')})` : ''}`);
    if ('problem' in r) throw new ServeError(422, 'invalid_answer', r.problem);
    return c.json({ run_id: run.id, step_id: r.step_id, answered: true });
  });

  if (o.monitors) {
    const monitors = o.monitors;
    app.get('/monitors', (c) => c.json({ monitors: monitors.figures([...o.table().values()].map((sp) => ({ pipeline: sp.analysis.pipeline!.id, monitors: sp.analysis.pipeline!.monitors }))) }));
    // the server's own event stream (monitor-alert): from now on, or after Last-Event-ID
    app.get('/events', (c) => {
      const last = Number(c.req.header('last-event-id') ?? c.req.query('last_event_id') ?? NaN);
      const after = Number.isInteger(last) && last >= 0 ? last : monitors.events.nextSeq - 1;
      const headers = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      const onDrop = () => {
        setTimeout(() => {
          if (outgoing && !outgoing.writableFinished) outgoing.destroy();
        }, DROP_GRACE_MS).unref();
      };
      if (!(outgoing instanceof ServerResponse)) return new Response(monitors.events.subscribe(after, onDrop).stream, { headers });
      outgoing.writeHead(200, headers);
      outgoing.flushHeaders();
      const detach = monitors.events.attach(after, responseSink(outgoing), onDrop);
      outgoing.once('close', detach);
      return RESPONSE_ALREADY_SENT;
    });
  }

  if (o.hook) {
    const hook = o.hook;
    app.post('/hooks/:name', async (c) => hook(c, c.req.param('name'), await bodyBytes(c)));
  }
  return app;
}
