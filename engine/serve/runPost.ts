// POST /pipelines/{id}/runs, the route a served pipeline's callers hit on every run, answered from
// Node's own request and response before the Hono app (app.ts) sees the request (server.ts). Through
// Hono (a web Request over Node's, its router and middleware, a web Response that @hono/node-server
// writes back) a run's POST cost 0.6-0.8 ms more than a bare node:http server running the same
// pipeline (bench serve, 2026-11-29); answered here, the request and the response cost what they
// cost that server, and what a served run adds is its own bookkeeping (servedRuns.ts). The rules are
// the app's, from the same functions: the bearer token, the body limit (--max-body), `{error}` and
// its status, a 500's stack to the log (an answer that cannot be written, as a header value Node
// refuses, is a 500 too, never an error the process does not catch).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runReply, declaredTooLarge, errorAnswer, failure, inputsOf, links, readLimited, tooLarge, waitOf, type AppOptions, type JsonAnswer } from './app';
import { IdempotencyKeys, MAX_KEY_LENGTH } from './idempotency';
import { ServeError, unauthorized } from './serveErrors';

/** `/pipelines/{id}/runs`, with or without a query (Hono's route, which this replaces, took any query and no trailing slash). */
const RUNS_PATH = /^\/pipelines\/([^/?#]+)\/runs(?:\?|$)/;

/**
 * The request's path (and query) as the app would route it, or null for a target left to the app:
 * the common one as it is; an absolute-form one (a proxy's) and one with dot segments through the
 * URL parser, which resolves them as @hono/node-server does; one with a backslash in its path (the
 * app refuses it, 400) or starting with `//` to the app itself.
 */
function routedPath(raw: string): string | null {
  if (raw.startsWith('/') && !raw.startsWith('//') && !raw.includes('/.') && !raw.includes('\\')) return raw;
  const query = raw.indexOf('?');
  if (raw.startsWith('//') || raw.slice(0, query < 0 ? raw.length : query).includes('\\')) return null;
  try {
    const u = new URL(raw, 'http://localhost');
    return u.pathname + u.search;
  } catch {
    return null;
  }
}

/** The pipeline's name in the path, percent-decoded as Hono decodes a parameter (kept as it is when it does not decode). */
function pipelineName(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function write(res: ServerResponse, a: JsonAnswer): void {
  const text = a.json ?? JSON.stringify(a.body);
  res.writeHead(a.status, { ...a.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The handler: true when it took the request (a run's POST), false for every other request (Hono's). */
export function runPostRoute(o: AppOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const keys = new IdempotencyKeys();

  const answer = async (req: IncomingMessage, id: string): Promise<JsonAnswer> => {
    const authorization = req.headers.authorization;
    if (o.tokens.any && !o.tokens.allows(authorization)) throw unauthorized(authorization);
    if (declaredTooLarge(req, o.maxBody)) throw tooLarge(o.maxBody);
    const body = await readLimited(req, o.maxBody);
    if (body === 'too large') throw tooLarge(o.maxBody);
    const sp = o.table().get(id);
    if (!sp) throw new ServeError(404, 'unknown_pipeline', `No pipeline '${id}' is served here (GET /pipelines lists them)`);
    const text = body.toString('utf8');
    const inputs = inputsOf(text);
    const wait = waitOf(header(req, 'prefer'));
    const key = header(req, 'idempotency-key');
    if (key === undefined) return runReply(await o.runs.start(id, sp, inputs, { kind: 'http', name: id }, { strictTypes: true }), wait);
    if (!key || key.length > MAX_KEY_LENGTH) throw new ServeError(400, 'invalid_idempotency_key', `An Idempotency-Key is 1 to ${MAX_KEY_LENGTH} characters`);
    const started = keys.runOf(key, id, text, async () => (await o.runs.start(id, sp, inputs, { kind: 'http', name: id }, { strictTypes: true })).id);
    if (started === 'conflict') throw new ServeError(409, 'idempotency_key_reused', 'This Idempotency-Key was used with another pipeline or body');
    const runId = await started;
    const run = o.runs.get(runId);
    if (run) return runReply(run, wait);
    // let go from memory since: its record answers
    return { status: 202, headers: { Location: `/runs/${runId}` }, body: { run_id: runId, status: 'ended', links: links(runId) } };
  };

  return (req, res) => {
    if (req.method !== 'POST') return false;
    const target = routedPath(req.url ?? '');
    const m = target === null ? null : RUNS_PATH.exec(target);
    if (!m) return false;
    answer(req, pipelineName(m[1]))
      .then((a) => write(res, a))
      .catch((e: unknown) => {
        if (res.headersSent) return void res.destroy();
        write(res, errorAnswer(failure(o, 'POST', target!.split('?')[0], e)));
      })
      .catch(() => res.destroy());
    return true;
  };
}

/** A request header as one string (Node joins a repeated one with ", ", as the web's Headers do). */
function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
