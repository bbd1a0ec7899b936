// POST /hooks/{name}: a webhook trigger. With `secret_env`, the request must carry GitHub's
// `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body with the secret, compared in
// constant time: a bad or missing one is 401 and starts nothing (and so is a secret not set in the
// server's environment: 503). Without `secret_env`, the bearer token is needed (when tokens are
// configured). The trigger's `inputs` are rendered with `request.{body, headers, query}` in scope.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { errorResponse, runAnswer, waitOf } from './app';
import type { Tokens } from './auth';
import { ServeError, unauthorized } from './serveErrors';
import type { ServedRuns } from './servedRuns';
import { renderInputs, type Triggers } from './triggers';

/** Headers never put in `request.headers`: credentials and the signature. */
const HIDDEN_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-hub-signature', 'x-hub-signature-256']);

/** Whether `header` is `sha256=<hex>` of the HMAC-SHA256 of `raw` with `secret` (compared in constant time). */
export function signatureValid(secret: string, raw: Uint8Array, header: string | undefined): boolean {
  const expected = createHmac('sha256', secret).update(raw).digest();
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec((header ?? '').trim());
  const given = m ? Buffer.from(m[1], 'hex') : Buffer.alloc(expected.length);
  return timingSafeEqual(expected, given) && m !== null;
}

/** The signature header a sender puts on `raw` (tests, the bench, docs). */
export function signatureOf(secret: string, raw: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** `request.body`: JSON when it says so (or parses), a form's fields, else the text. */
function bodyOf(raw: Uint8Array, contentType: string): unknown {
  const text = Buffer.from(raw).toString('utf8');
  if (/application\/x-www-form-urlencoded/i.test(contentType)) return Object.fromEntries(new URLSearchParams(text));
  if (/json/i.test(contentType) || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      if (/json/i.test(contentType)) throw new ServeError(400, 'invalid_json', `The body is not JSON: ${(e as Error).message}`);
    }
  }
  return text;
}

export function webhookHandler(o: { triggers: Triggers; runs: ServedRuns; tokens: Tokens; env?: NodeJS.ProcessEnv }) {
  const env = o.env ?? process.env;
  return async (c: Context, name: string, raw: Uint8Array): Promise<Response> => {
    const found = o.triggers.webhook(name);
    if (!found) {
      // unknown and unauthenticated look alike to a caller without the token
      if (o.tokens.any && !o.tokens.allows(c.req.header('authorization'))) return errorResponse(c, unauthorized(c.req.header('authorization')));
      throw new ServeError(404, 'unknown_webhook', `No served pipeline has the webhook trigger '${name}'`);
    }
    const { decl } = found;
    if (decl.secretEnv) {
      const secret = env[decl.secretEnv];
      if (!secret) throw new ServeError(503, 'webhook_secret_missing', `The webhook '${name}' is signed with the secret in ${decl.secretEnv}, which this server's environment does not set: nothing runs until it does`);
      if (!signatureValid(secret, raw, c.req.header('x-hub-signature-256'))) throw new ServeError(401, 'bad_signature', `The webhook '${name}' needs X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>, and this request's is missing or wrong`);
    } else if (o.tokens.any && !o.tokens.allows(c.req.header('authorization'))) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ServeError(401, 'unauthorized', `The webhook '${name}' has no secret_env: it needs the bearer token`);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.req.header())) if (!HIDDEN_HEADERS.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
    const request = { body: bodyOf(raw, c.req.header('content-type') ?? ''), headers, query: c.req.query() };
    let inputs: Record<string, unknown>;
    try {
      inputs = renderInputs(decl.inputs, { request });
    } catch (e) {
      throw new ServeError(422, 'invalid_inputs', `The webhook '${name}''s inputs could not be rendered from this request: ${(e as Error).message}`);
    }
    const run = await o.runs.start(found.served, found.sp, inputs, { kind: 'webhook', name });
    return runAnswer(c, run, waitOf(c.req.header('prefer')));
  };
}
