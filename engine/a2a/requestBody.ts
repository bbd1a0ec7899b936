// A request's body as `orc serve`'s body limit read it from Node's own request (engine/serve/app.ts,
// `limited`), for every handler after it: the server's routes and these A2A routes mounted under it
// (here, so that both reach it: the server may import what it mounts, not the other way round).
// A handler reached without that limit (the A2A routes on their own) reads it through the web Request.
import type { Context } from 'hono';

const bodies = new WeakMap<Context, Buffer>();

/** The body the limit read (once, before the handlers). */
export function keepBody(c: Context, body: Buffer): void {
  bodies.set(c, body);
}

/** The request's body as text. */
export async function bodyText(c: Context): Promise<string> {
  const b = bodies.get(c);
  return b ? b.toString('utf8') : c.req.text();
}

/** The request's body as bytes. */
export async function bodyBytes(c: Context): Promise<Uint8Array> {
  const b = bodies.get(c);
  return b ? new Uint8Array(b.buffer, b.byteOffset, b.length) : new Uint8Array(await c.req.arrayBuffer());
}
