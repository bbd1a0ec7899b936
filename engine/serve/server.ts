// `orc serve`: the pipelines under a root, served over HTTP (app.ts, through @hono/node-server; a run's POST by runPost.ts), the table
// of pipelines kept as `orc mcp` keeps its tools (found, compiled, watched), their triggers
// scheduled (triggers.ts), one model runner for every run. `close()` stops accepting, cancels the
// runs still going (their records say cancelled) and stops the triggers.
import { getRequestListener } from '@hono/node-server';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTable, createModelRunner, PipelineWatcher, Redactor, registryOrShipped, type CompileCache, type RunHost, type ServedPipeline } from '../api/index';
import type { A2aRunner } from '../a2a/a2aRoutes';
import { createApp, DEFAULT_MAX_BODY, type AppOptions } from './app';
import { runPostRoute } from './runPost';
import type { Tokens } from './auth';
import { DEFAULT_MAX_RUNS, ServedRuns } from './servedRuns';
import { Triggers } from './triggers';
import { webhookHandler } from './webhooks';
import { Monitors, type MonitorsOptions } from './monitors';
import type { Meter } from '@opentelemetry/api';

/** What is served, as one string: each pipeline's name, file and text (a change in any is a change). */
function servedKey(table: Map<string, ServedPipeline>): string {
  return JSON.stringify([...table].map(([name, sp]) => [name, sp.file, sp.source]));
}

export interface ServeOptions {
  root: string;
  host: string;
  port: number;
  tokens: Tokens;
  version: string;
  maxRuns?: number;
  maxBody?: number;
  /** Lines for the log (stderr); redacted before they are given. */
  log(line: string): void;
  env?: NodeJS.ProcessEnv;
  /** Watch the root for pipeline files (default true). */
  watch?: boolean;
  /** Restate's ingress: every run is a durable run there (`--restate`). */
  restate?: string;
  /** Publish each pipeline with an agent step as an A2A agent (`--a2a`). */
  a2a?: boolean;
  /** The metrics' meter (OTLP, Prometheus: `--metrics-port`): the monitors' figures go out through it. */
  meter?: Meter | null;
  /** The monitors' queue, judge timeout and alert retries (docs/monitors.md; tests and the bench set them). */
  monitors?: Pick<MonitorsOptions, 'queueSize' | 'concurrency' | 'judgeTimeoutMs' | 'alerts'>;
}

export interface RunningServer {
  /** `http://HOST:PORT`. */
  url: string;
  port: number;
  runs: ServedRuns;
  triggers: Triggers;
  /** The pipelines' monitors: their checks, windows and alerts (GET /monitors, GET /events). */
  monitors: Monitors;
  /** Stops accepting, cancels the runs still going and waits for their records. */
  close(): Promise<void>;
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const env = o.env ?? process.env;
  const redactor = new Redactor(env);
  // (the table's lines are orc mcp's: the same search)
  const log = (s: string) => o.log(redactor.text(s.replace(/^orc mcp:/, 'orc serve:')));
  const host: RunHost = { root: o.root, env, models: createModelRunner({ env, registryFile: env.ORC_MODEL_REGISTRY || undefined }), registry: registryOrShipped(env.ORC_MODEL_REGISTRY || undefined), redactor, log };
  const compiled: CompileCache = new Map();
  let dirs: string[] = [];
  let table: Map<string, ServedPipeline> = buildTable(o.root, log, dirs, compiled);
  const runs = new ServedRuns(host, o.maxRuns ?? DEFAULT_MAX_RUNS, o.restate ?? null);
  const monitors = new Monitors({ root: o.root, models: host.models, env, log, meter: o.meter ?? null, redact: (t) => redactor.text(t), ...o.monitors });
  runs.onEnded = (run, doc) => monitors.ended(run.pipelineId, doc, run.monitors);
  const triggers = new Triggers({ runs, env, log, table: () => table });
  triggers.sync();
  const watcher =
    o.watch === false
      ? null
      : new PipelineWatcher(() => {
          dirs = [];
          const before = servedKey(table);
          table = buildTable(o.root, log, dirs, compiled);
          watcher?.sync(dirs);
          triggers.sync();
          // a run writing a file under the root wakes the watcher too: said only when what is served changed
          if (servedKey(table) !== before) log(`orc serve: the pipelines changed; serving ${table.size}`);
        }, log);
  watcher?.sync(dirs);
  // an A2A agent's task is a served run like any other
  const runner: A2aRunner = {
    start: (agent, inputs) => runs.start(agent.served, agent.sp, inputs, { kind: 'http', name: agent.served }),
    cancel: async (run, why) => {
      const held = runs.get(run.id);
      return held ? runs.cancel(held, why) : false;
    },
  };
  // the A2A SDK loads only for --a2a
  const a2a = o.a2a ? (await import('../a2a/a2aRoutes.js')).a2aRoutes({ table: () => table, runner, version: o.version, secured: o.tokens.any, log }) : undefined;
  const appOptions: AppOptions = { root: o.root, version: o.version, tokens: o.tokens, runs, table: () => table, maxBody: o.maxBody ?? DEFAULT_MAX_BODY, redactor, log, hook: webhookHandler({ triggers, runs, tokens: o.tokens, env }), monitors, ...(a2a ? { a2a } : {}) };
  // a run's POST straight from Node's request (runPost.ts), every other request through the app
  const runPost = runPostRoute(appOptions);
  const app = getRequestListener(createApp(appOptions).fetch, { hostname: o.host });
  const server = createServer((req, res) => {
    if (!runPost(req, res)) void app(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  log(`orc serve: serving ${table.size} pipeline(s) from ${o.root}${o.tokens.any ? '' : ' (no token configured: loopback only)'}${o.restate ? `; runs are durable runs on Restate at ${o.restate}` : ''}`);
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shown}:${port}`,
    port,
    runs,
    triggers,
    monitors,
    close: () =>
      (closing ??= (async () => {
        watcher?.close();
        triggers.stop();
        const closed = new Promise<void>((r) => server.close(() => r()));
        await runs.closeAll('the server is stopping');
        monitors.close();
        // the event streams of the ended runs end too; idle keep-alive connections go now
        server.closeIdleConnections?.();
        setTimeout(() => server.closeAllConnections?.(), 2000).unref();
        await closed;
      })()),
  };
}
