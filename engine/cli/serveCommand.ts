// `orc serve [--root DIR] [--host H] [--port N] [--token-file F] [--max-runs N] [--max-body BYTES]
// [--restate INGRESS_URL]`: the pipelines under DIR over HTTP (engine/serve/); with --restate every
// run is a durable run on Restate, which outlives this server. The first line on stdout is
// `listening on http://HOST:PORT`; the log goes to stderr. Ctrl-C or SIGTERM: stop accepting,
// cancel the runs still going (their records say cancelled), exit 0.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './input';
import { version } from './usage';
import { traceConfigOf } from './runTelemetry';
import { startTelemetry } from '../api/index';

export interface ServeFlags {
  root?: string;
  host?: string;
  port?: number;
  tokenFile?: string;
  maxRuns?: number;
  maxBody?: number;
  restate?: string;
  a2a?: boolean;
  /** A Prometheus scrape endpoint on this port (the monitors' figures, docs/monitors.md); OTLP from the environment too. */
  metricsPort?: number;
}

export const DEFAULT_PORT = 8420;
export const DEFAULT_HOST = '127.0.0.1';

export async function serveCommand(f: ServeFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (f.restate !== undefined && !/^https?:\/\/./.test(f.restate)) throw new UsageError('--restate needs a URL: http://HOST:PORT');
  const dir = path.resolve(f.root ?? process.cwd());
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // said below
  }
  if (!isDir) throw new UsageError(`--root ${f.root ?? dir}: not a folder`);
  // the server (Hono, croner) loads only for `orc serve`
  const [{ startServer }, { isLoopback, Tokens, TokenFileError }] = await Promise.all([import('../serve/server.js'), import('../serve/auth.js')]);
  let tokens;
  try {
    tokens = Tokens.load(process.env, f.tokenFile);
  } catch (e) {
    if (e instanceof TokenFileError) throw new UsageError(e.message);
    throw e;
  }
  const host = f.host ?? DEFAULT_HOST;
  if (!tokens.any && !isLoopback(host)) throw new UsageError(`--host ${host}: with no token configured the server listens on loopback only; set ORC_SERVE_TOKENS or --token-file FILE to listen on another address`);
  // metrics (the monitors' orc_monitor_*): to OTEL_EXPORTER_OTLP_* and, with --metrics-port, a Prometheus endpoint
  const telemetryConfig = traceConfigOf(undefined, err, 'orc-serve', f.metricsPort ?? null);
  let telemetry;
  try {
    telemetry = telemetryConfig?.metrics ? await startTelemetry(telemetryConfig, version()) : null;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const meter = telemetry?.sdk.meter ?? null;
  if (f.metricsPort !== undefined && meter) err(`orc serve: metrics for Prometheus at http://${telemetryConfig!.metrics!.prometheusHost}:${f.metricsPort}/metrics`);
  let server;
  try {
    server = await startServer({ meter, root: dir, host, port: f.port ?? DEFAULT_PORT, tokens, version: version(), maxRuns: f.maxRuns, maxBody: f.maxBody, log: err, ...(f.restate ? { restate: f.restate } : {}), ...(f.a2a ? { a2a: true } : {}) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      err(`orc serve: cannot listen on ${host}:${f.port ?? DEFAULT_PORT}: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
  out(`listening on ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      err(f.restate ? `orc serve: ${signal}: stopping (${server.runs.running} durable run(s) go on on Restate)` : `orc serve: ${signal}: stopping (cancelling ${server.runs.running} running run(s))`);
      void server
        .close()
        .then(() => telemetry?.shutdown(err))
        .then(() => resolve());
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
  return 0;
}
