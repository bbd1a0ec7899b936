// `orc mcp`: the workspace's pipelines served as MCP tools over stdio (the official SDK's server).
// A call runs the pipeline as `orc run` does (checkpoints and records in ROOT/.orchestrator/, the
// model runner's rate limits shared by every call) and answers its outputs; progress goes to a
// client that asked for it, the client's cancellation cancels the run. Past runs and each
// pipeline's graph are resources. Nothing leaves without the secrets redacted: results, resources,
// elicitation messages and the log on stderr (stdout is the protocol).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, ErrorCode, ListResourcesRequestSchema, ListResourceTemplatesRequestSchema, ListToolsRequestSchema, McpError, ReadResourceRequestSchema, type CallToolResult, type Resource } from '@modelcontextprotocol/sdk/types.js';
import { graphDocument } from '../analyze/graph';
import { createModelRunner, type ModelRunner } from '../models/index';
import { registryOrShipped } from '../models/registry';
import { LineTransport } from '../mcp/lineTransport';
import { CassetteFileError } from '../models/cassette';
import { runDir } from '../run/checkpointStore';
import type { ResultDocument, RunEvent } from '../run/events';
import { InputError } from '../run/inputs';
import { readRunResult, runIds } from '../run/runPacks';
import { Redactor } from '../toolkit/redact';
import { mcpInteraction } from './mcpElicit';
import { buildTable, type CompileCache, PipelineWatcher, type ServedPipeline } from './mcpWorkspace';
import { cancelled, servedAnalysis, startServedRun, type RunHost } from './servedRun';

export interface ServeOptions {
  /** The workspace: pipelines under it are offered, runs are recorded in its `.orchestrator/`. */
  root: string;
  /** The server's version, as `orc --version` says it. */
  version: string;
  /** Lines for the log (stderr); redacted before they are given. */
  log(line: string): void;
  /** The transport (default: this process's stdin and stdout, a line at most 16 MiB: engine/mcp/lineTransport.ts). */
  transport?: Transport;
  /** Watch the root for pipeline files (default true). */
  watch?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The most past runs resources/list gives (newest first): `.orchestrator/runs/` may hold thousands. */
export const MAX_LISTED_RUNS = 50;
/** A listed run's result document is read for its title only up to this size. */
const MAX_TITLED_BYTES = 1024 * 1024;
const RUN_URI = 'orc://runs/';
const GRAPH_URI = 'orc://graphs/';

/** A run's short story, for the text beside the structured outputs. */
export function callSummary(toolName: string, doc: ResultDocument): string {
  const seconds = `${(doc.duration_ms / 1000).toFixed(doc.duration_ms < 10_000 ? 2 : 1)} s`;
  const cost = doc.cost_usd ? `, $${doc.cost_usd.toFixed(4)}` : '';
  const keys = Object.keys(doc.outputs);
  if (doc.success) return `Pipeline '${toolName}' succeeded in ${seconds}${cost} (run ${doc.execution_id}); outputs: ${keys.length ? keys.join(', ') : 'none'}.`;
  if (doc.status === 'cancelled') return `Pipeline '${toolName}' was cancelled (run ${doc.execution_id}).`;
  const failed = doc.failed_steps.map((id) => `step '${id}' failed: ${doc.steps[id]?.error ?? 'no error recorded'}`);
  const outputErrors = Object.entries(doc.output_errors ?? {}).map(([k, e]) => `output '${k}': ${e}`);
  return `Pipeline '${toolName}' failed after ${seconds}${cost} (run ${doc.execution_id}): ${[...failed, ...outputErrors].join('; ').replace(/\.$/, '') || doc.status}.`;
}

/** The server of one workspace, not yet connected: `connect()` starts it, `closed` settles when the client goes. */
export class PipelineServer {
  readonly server: Server;
  private table: Map<string, ServedPipeline>;
  private readonly redactor: Redactor;
  private readonly models: ModelRunner;
  private readonly registry = registryOrShipped(process.env.ORC_MODEL_REGISTRY || undefined);
  private readonly running = new Map<AbortController, Promise<unknown>>();
  private watcher: PipelineWatcher | null = null;
  /** The folders the last search went through (watched). */
  private dirs: string[] = [];
  private readonly compiled: CompileCache = new Map();
  private closing: Promise<void> | null = null;
  private resolveClosed!: () => void;
  /** Settles when the connection is closed and every run it started has ended (cancelled). */
  readonly closed = new Promise<void>((r) => (this.resolveClosed = r));

  constructor(private readonly o: ServeOptions) {
    const env = o.env ?? process.env;
    this.redactor = new Redactor(env);
    this.models = createModelRunner({ env, registryFile: env.ORC_MODEL_REGISTRY || undefined });
    this.table = buildTable(o.root, (s) => this.log(s), this.dirs, this.compiled);
    this.server = new Server(
      { name: 'orchestrator', title: 'Orchestrator pipelines', version: o.version },
      { capabilities: { tools: { listChanged: true }, resources: { listChanged: true } }, instructions: `The pipelines of ${path.basename(o.root)}: each tool runs one and answers its outputs. Past runs are resources ${RUN_URI}<run id>, graphs ${GRAPH_URI}<tool name>.` },
    );
    this.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...this.table.values()].map((p) => p.tool) }));
    this.server.setRequestHandler(CallToolRequestSchema, (req, extra) => this.call(req.params.name, req.params.arguments ?? {}, { signal: extra.signal, requestId: extra.requestId, progressToken: req.params._meta?.progressToken, notify: (n) => extra.sendNotification(n) }));
    this.server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: [...this.runResources(), ...this.graphResources()] }));
    this.server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
      resourceTemplates: [
        { uriTemplate: `${RUN_URI}{run_id}`, name: 'run', title: 'A run\'s result document', mimeType: 'application/json' },
        { uriTemplate: `${GRAPH_URI}{tool}`, name: 'graph', title: 'A pipeline\'s graph (as orc graph --format json prints it)', mimeType: 'application/json' },
      ],
    }));
    this.server.setRequestHandler(ReadResourceRequestSchema, (req) => ({ contents: [{ uri: req.params.uri, mimeType: 'application/json', text: this.readResource(req.params.uri) }] }));
  }

  /** The tools offered now, by name. */
  get tools(): Map<string, ServedPipeline> {
    return this.table;
  }

  private log(line: string): void {
    this.o.log(this.redactor.text(line));
  }

  async connect(): Promise<void> {
    // a request line too long is answered with an error and the server goes on (the SDK's stdio transport closed)
    const transport = this.o.transport ?? new LineTransport(process.stdin, process.stdout, { log: (s) => this.log(s) });
    this.server.onclose = () => void this.close();
    await this.server.connect(transport);
    if (this.o.watch !== false) {
      this.watcher = new PipelineWatcher(() => this.rebuild(), (s) => this.log(s));
      this.watcher.sync(this.dirs);
    }
    this.log(`orc mcp: serving ${this.table.size} pipeline(s) from ${this.o.root}`);
  }

  /** Builds the table again; announces tools/list_changed (and resources) when anything offered changed. */
  rebuild(): void {
    if (this.closing) return;
    const before = this.table;
    this.dirs = [];
    this.table = buildTable(this.o.root, (s) => this.log(s), this.dirs, this.compiled);
    this.watcher?.sync(this.dirs);
    const key = (t: Map<string, ServedPipeline>) => JSON.stringify([...t.values()].map((p) => [p.tool, p.file, p.source]));
    if (key(before) === key(this.table)) return;
    this.log(`orc mcp: the pipelines changed; serving ${this.table.size}`);
    this.server.sendToolListChanged().catch(() => undefined);
    this.server.sendResourceListChanged().catch(() => undefined);
  }

  /** Stops watching, cancels the runs still going (their records say cancelled) and closes the connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.watcher?.close();
      for (const ctl of this.running.keys()) ctl.abort(cancelled('the MCP client went away'));
      await Promise.allSettled([...this.running.values()]);
      await this.server.close().catch(() => undefined);
      this.resolveClosed();
    })();
    return this.closing;
  }

  /** What every run of this server shares. */
  private get host(): RunHost {
    return { root: this.o.root, env: this.o.env ?? process.env, models: this.models, registry: this.registry, redactor: this.redactor, log: (s) => this.log(s) };
  }

  async call(name: string, args: Record<string, unknown>, ctx: { signal: AbortSignal; requestId: string | number; progressToken?: string | number; notify(n: { method: 'notifications/progress'; params: { progressToken: string | number; progress: number; total?: number; message?: string } }): Promise<void> }): Promise<CallToolResult> {
    const sp = this.table.get(name);
    if (!sp) throw new McpError(ErrorCode.InvalidParams, `no pipeline is offered as '${name}' (tools/list names them)`);
    const compiled = await servedAnalysis(this.host, sp);
    const { analysis } = compiled;
    const problems = analysis.findings.filter((f) => f.severity === 'error');
    if (problems.length || !analysis.pipeline) return this.refusal(`Pipeline '${name}' does not compile now, so nothing ran: ${problems.map((f) => f.message).join('; ') || 'no pipeline'}`);
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(cancelled('the MCP client cancelled the call'));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) onAbort();
    const { redactor, run } = startServedRun(this.host, sp, compiled, {
      inputs: args,
      signal: ctl.signal,
      interaction: (r) => mcpInteraction(this.server, ctx.requestId, r),
      listeners: (r) => (ctx.progressToken === undefined ? [] : [progressListener(ctx.progressToken, ctx.notify, r)]),
    });
    this.running.set(ctl, run.catch(() => undefined));
    try {
      const doc = redactor.value(await run);
      if (doc.status === 'cancelled') this.log(`orc mcp: run ${doc.execution_id} of '${name}' was cancelled`);
      const text = callSummary(name, doc);
      const link = { type: 'resource_link' as const, uri: `${RUN_URI}${doc.execution_id}`, name: doc.execution_id, title: `Run ${doc.execution_id}`, mimeType: 'application/json' };
      if (!doc.success) return { content: [{ type: 'text', text }, link], isError: true };
      return { content: [{ type: 'text', text }, link], structuredContent: doc.outputs };
    } catch (e) {
      // (the command line's hint `give it with -i name=...` means nothing to an MCP client)
      if (e instanceof InputError || e instanceof CassetteFileError) return this.refusal(redactor.text(`Pipeline '${name}' did not run: ${e.message.replace(/: give it with -i \S+=\.\.\.$/, '.')}`));
      this.log(`orc mcp: '${name}' failed: ${redactor.text((e as Error)?.stack ?? String(e))}`);
      return this.refusal(redactor.text(`Pipeline '${name}' failed: ${(e as Error)?.message ?? String(e)}`));
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      this.running.delete(ctl);
    }
  }

  private refusal(text: string): CallToolResult {
    return { content: [{ type: 'text', text: this.redactor.text(text) }], isError: true };
  }

  /** The newest runs with a result document, at most MAX_LISTED_RUNS looked at. */
  private runResources(): Resource[] {
    // the run folders and the runs packed in evals' records
    const ids = runIds(this.o.root).reverse().slice(0, MAX_LISTED_RUNS);
    const out: Resource[] = [];
    for (const id of ids) {
      // a title costs reading the document: only a small one is read for it
      const read = readRunResult(this.o.root, id, MAX_TITLED_BYTES);
      if (read === 'missing') continue; // no result yet
      // too big to read for a title, or not a result document: listed untitled (reading it says which)
      const doc = read === 'unreadable' ? null : read;
      out.push({ uri: `${RUN_URI}${id}`, name: id, title: doc ? this.redactor.text(`${doc.pipeline_id}: ${doc.status} (${doc.started_at})`) : `Run ${id}`, mimeType: 'application/json' });
    }
    return out;
  }

  private graphResources(): Resource[] {
    return [...this.table.values()].map((p) => ({ uri: `${GRAPH_URI}${p.tool.name}`, name: `${p.tool.name} graph`, title: `Graph of ${p.tool.title ?? p.tool.name}`, description: path.relative(this.o.root, p.file), mimeType: 'application/json' }));
  }

  /** A resource's text: a run's result document, or a graph as `orc graph --format json` prints it. */
  readResource(uri: string): string {
    if (uri.startsWith(RUN_URI)) {
      const id = uri.slice(RUN_URI.length);
      let dir: string;
      try {
        dir = runDir(this.o.root, id);
      } catch (e) {
        throw new McpError(ErrorCode.InvalidParams, `not a run id: ${(e as Error).message}`);
      }
      const doc = readRunResult(this.o.root, id);
      if (doc === 'missing') throw new McpError(-32002, existsSync(dir) ? `run ${id} has no result yet (it is running, or was stopped: orc resume ${id})` : `no run ${id} in ${path.join(this.o.root, '.orchestrator')}`);
      if (doc === 'unreadable') throw new McpError(ErrorCode.InternalError, `the result of run ${id} is not a readable result document`);
      return JSON.stringify(this.redactor.value(doc), null, 2);
    }
    if (uri.startsWith(GRAPH_URI)) {
      const sp = this.table.get(decodeURIComponent(uri.slice(GRAPH_URI.length)));
      if (!sp) throw new McpError(-32002, `no pipeline is offered as '${uri.slice(GRAPH_URI.length)}'`);
      return this.redactor.text(JSON.stringify(graphDocument(sp.analysis), null, 2));
    }
    throw new McpError(-32002, `unknown resource ${uri}: ${RUN_URI}<run id> or ${GRAPH_URI}<tool name>`);
  }
}

/** Progress notifications: one as the run starts, one as each top-level step ends. */
function progressListener(token: string | number, notify: (n: { method: 'notifications/progress'; params: { progressToken: string | number; progress: number; total?: number; message?: string } }) => Promise<void>, redactor: Redactor): (e: RunEvent) => void {
  let total = 0;
  let done = 0;
  const send = (message: string) => void notify({ method: 'notifications/progress', params: { progressToken: token, progress: done, total, message: redactor.text(message) } }).catch(() => undefined);
  return (e) => {
    if (e.type === 'run-started') {
      total = e.steps.length;
      done = 0;
      send(`run ${e.executionId} started: ${total} step(s)`);
    } else if (e.type === 'step-ended' && e.scope.length === 0) {
      done++;
      send(`step '${e.stepId}' ${e.result.status}`);
    }
  };
}

/** Serves until the client goes (stdin closes) or the process is told to stop. */
export async function serveMcp(o: ServeOptions): Promise<void> {
  const s = new PipelineServer(o);
  await s.connect();
  const stop = () => void s.close();
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await s.closed;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdin.off('end', stop);
    process.stdin.off('close', stop);
  }
}
