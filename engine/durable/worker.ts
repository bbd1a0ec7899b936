// `orc worker --restate ADMIN_URL`: serves the run workflow over HTTP/2 (as Restate calls its
// deployments) on --listen HOST:PORT, and registers that address with Restate's admin API.
// Registering is idempotent: the same address serving the same workflow is accepted again (a
// worker that replaces a dead one re-registers the address it took over).
// The Restate SDK (2 MB with its WebAssembly core) is loaded when a worker starts, not by every
// command of the CLI (scripts/vendorChunks.mjs makes it a chunk of its own).
import * as http2 from 'node:http2';

export class RestateAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestateAdminError';
  }
}

export interface DurableWorkerOptions {
  /** Restate's admin API (http://HOST:9070). */
  adminUrl: string;
  /** HOST:PORT to listen on (default 127.0.0.1:9080); port 0 picks a free one. */
  listen?: string;
  /** The address Restate reaches this worker at (default: http://HOST:PORT of --listen). */
  advertise?: string;
  root: string;
  log?: (s: string) => void;
}

export function parseListen(listen: string | undefined): { host: string; port: number } {
  const text = listen ?? '127.0.0.1:9080';
  const m = /^(.*):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new Error(`--listen takes HOST:PORT, not '${text}'`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: Number(m[2]) };
}

/** POSTs the deployment; an address already registered with the same services is fine. */
export async function registerDeployment(adminUrl: string, uri: string): Promise<{ id: string; created: boolean }> {
  const base = adminUrl.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}/deployments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri }) });
  } catch (e) {
    throw new RestateAdminError(`Could not reach Restate's admin API at ${base}: ${(e as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) throw new RestateAdminError(`Restate's admin API at ${base} refused the deployment ${uri} (${res.status}): ${text.slice(0, 500)}`);
  let body: { id?: string } = {};
  try {
    body = JSON.parse(text) as { id?: string };
  } catch {
    body = {};
  }
  return { id: body.id ?? '', created: res.status === 201 };
}

export class DurableWorker {
  private server: http2.Http2Server | null = null;
  /** The address Restate reaches this worker at. */
  uri = '';

  constructor(private readonly options: DurableWorkerOptions) {}

  async start(): Promise<void> {
    const { host, port } = parseListen(this.options.listen);
    // the SDK logs each invocation's start and end at INFO: a worker says less unless asked (RESTATE_LOGGING=INFO)
    process.env.RESTATE_LOGGING ??= 'WARN';
    const [restate, { runWorkflow }] = await Promise.all([import('@restatedev/restate-sdk'), import('./workflow.js')]);
    const handler = restate.endpoint().bind(runWorkflow({ root: this.options.root })).http2Handler();
    const server = http2.createServer(handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    this.uri = this.options.advertise ?? `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    const reg = await registerDeployment(this.options.adminUrl, this.uri);
    this.options.log?.(`worker: serving runs at ${this.uri} (${reg.created ? 'registered' : 'already registered'} with ${this.options.adminUrl}${reg.id ? `, deployment ${reg.id}` : ''})`);
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      // open HTTP/2 sessions (Restate keeps them) would hold close() forever
      setTimeout(resolve, 1000).unref();
    });
  }
}
