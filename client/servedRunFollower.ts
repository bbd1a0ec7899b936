// Following a served run live: its events (`GET /runs/{id}/events`, server-sent, resumed with
// Last-Event-ID when the stream drops) go to the pipeline's panel through the path a local run's
// events take (WebviewHost.runStarted / runEvents, in batches), so the graph fills in as it runs; the
// panel's Cancel and "Orchestrator: Cancel Run" ask the server (`POST /runs/{id}/cancel`). The graph
// is drawn from the pipeline's file in this workspace (the file the server names when it is here, else
// a workspace file with the same `id:`), else from the file the server names when it is on this machine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildReport, type ResultDocument, type RunEvent } from '../engine/api/index';
import { EventBatcher } from './eventBatcher';
import type { Log } from './log';
import type { RunController } from './runController';
import type { ServedClient } from './servedApi';
import type { ServedEndpoints } from './servedEndpoints';
import { followEventStream } from './sseStream';
import type { WebviewHost } from './webviewHost';

interface Following {
  uri: vscode.Uri;
  controller: AbortController;
  done: Promise<ResultDocument | undefined>;
}

const isRunEvent = (v: unknown): v is RunEvent => typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' && typeof (v as { time?: unknown }).time === 'number';

/** A pipeline file's top-level `id:` (read without parsing the whole file). */
function topLevelId(text: string): string | undefined {
  const m = /^id:[ \t]*["']?([^"'\s#]+)/m.exec(text);
  return m?.[1];
}

export class ServedRunFollower implements vscode.Disposable {
  private readonly following = new Map<string, Following>();

  constructor(
    private readonly host: WebviewHost,
    private readonly runs: RunController,
    private readonly endpoints: ServedEndpoints,
    private readonly log: Log,
  ) {}

  /** Opens a served run in its pipeline's panel and follows it to its end. Resolves with its result
   * document once it ends (undefined when it could not be opened or the follow was stopped). */
  async open(url: string, runId: string): Promise<ResultDocument | undefined> {
    const key = `${url}\n${runId}`;
    const already = this.following.get(key);
    if (already) {
      this.host.show(already.uri, false);
      return already.done;
    }
    const client = await this.endpoints.client(url);
    let doc: ResultDocument;
    try {
      doc = await client.run(runId);
    } catch (e) {
      void vscode.window.showErrorMessage(`Run ${runId} on ${url}: ${(e as Error).message}`);
      return undefined;
    }
    const uri = await this.pipelineFile(client, doc.pipeline_id);
    if (!uri) {
      void vscode.window.showWarningMessage(`Run ${runId} on ${url} runs pipeline '${doc.pipeline_id}', whose file is neither in this workspace nor on this machine: there is no graph to follow it in.`);
      return undefined;
    }
    // the panel shows one run: a served run followed there before is no longer followed
    for (const f of this.following.values()) if (f.uri.toString() === uri.toString()) f.controller.abort();
    const controller = new AbortController();
    const entry: Following = { uri, controller, done: Promise.resolve(undefined) };
    this.following.set(key, entry);
    entry.done = this.follow(client, url, runId, uri, controller).finally(() => {
      if (this.following.get(key) === entry) this.following.delete(key);
    });
    return entry.done;
  }

  private async follow(client: ServedClient, url: string, runId: string, uri: vscode.Uri, controller: AbortController): Promise<ResultDocument | undefined> {
    this.host.show(uri, false);
    this.host.runStarted(uri, runId, [], undefined, url);
    this.log.line(`following served run ${runId} at ${url} in ${uri.fsPath}`);
    // another run started in the panel meanwhile (a local one, another served one): this one is no longer followed
    const current = () => this.host.runIdOf(uri) === runId;
    const batcher = new EventBatcher((events) => {
      if (current()) this.host.runEvents(uri, runId, events);
      else if (!controller.signal.aborted) {
        this.log.line(`served run ${runId}: no longer followed (another run took its panel)`);
        controller.abort();
      }
    });
    // Cancel Run (the command, the panel's button) asks the server; the stream then ends `cancelled`
    const cancelling = this.runs.follow(uri, runId, () => {
      this.log.line(`cancelling served run ${runId} at ${url}`);
      client.cancel(runId).catch((e: Error) => {
        this.log.line(`cancel of served run ${runId}: ${e.message}`);
        void vscode.window.showErrorMessage(`Cancel of run ${runId} on ${url}: ${e.message}`);
      });
    });
    let sawEnd = false;
    try {
      const end = await followEventStream({
        url: client.eventsUrl(runId),
        token: await this.endpoints.token(url),
        signal: controller.signal,
        onEvent: (e) => {
          let value: unknown;
          try {
            value = JSON.parse(e.data);
          } catch {
            return;
          }
          if (!isRunEvent(value)) return;
          if (value.type === 'run-ended') sawEnd = true;
          batcher.push(value);
        },
        // a subscriber that fell behind is dropped with the last event it was sent; a gap: events the server no longer keeps
        resumeAfter: (e) => {
          if (e.event !== 'dropped' && e.event !== 'gap') return undefined;
          this.log.line(`served run ${runId}: ${e.event}: ${e.data.slice(0, 300)}`);
          let last: unknown;
          try {
            last = e.event === 'dropped' ? (JSON.parse(e.data) as { last_event_id?: unknown }).last_event_id : undefined;
          } catch {
            // no place named: after the last id seen
          }
          return typeof last === 'number' || typeof last === 'string' ? String(last) : undefined;
        },
        onReconnect: (last, attempt) => this.log.line(`served run ${runId}: the event stream dropped; reconnecting after event ${last ?? '(none)'} (attempt ${attempt})`),
      });
      if (!end) return undefined;
      const doc = JSON.parse(end.data) as ResultDocument;
      if (!sawEnd) batcher.push({ type: 'run-ended', time: Date.parse(doc.ended_at) || Date.now(), result: doc });
      batcher.flush();
      try {
        const widest = Math.max(1, ...(doc.execution_levels ?? []).map((l) => l.length));
        if (current()) this.host.report(uri, runId, buildReport({ doc, deps: null, maxParallel: widest, widestLevel: widest, history: [] }));
      } catch {
        // the run is shown without its timeline
      }
      this.log.line(`served run ${runId} at ${url} ${doc.status}`);
      this.endpoints.refresh(url);
      return doc;
    } catch (e) {
      batcher.flush();
      this.log.line(`following served run ${runId} at ${url} stopped: ${(e as Error).message}`);
      if (!controller.signal.aborted) void vscode.window.showErrorMessage(`Following run ${runId} on ${url} stopped: ${(e as Error).message}`);
      return undefined;
    } finally {
      cancelling.dispose();
    }
  }

  /** The file to draw a served pipeline from (see the heading). */
  async pipelineFile(client: ServedClient, pipelineId: string): Promise<vscode.Uri | undefined> {
    const served = (await client.pipelines().catch(() => [])).find((p) => p.id === pipelineId);
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const servedHere = served ? (path.isAbsolute(served.file) ? [served.file] : folders.map((f) => path.join(f, served.file))).find((f) => fs.existsSync(f)) : undefined;
    const inWorkspace = (f: string) => folders.some((w) => !path.relative(w, f).startsWith('..') && !path.isAbsolute(path.relative(w, f)));
    if (servedHere && inWorkspace(servedHere)) return vscode.Uri.file(servedHere);
    const files = await vscode.workspace.findFiles('**/*.{yaml,yml}', '**/{node_modules,.orchestrator,.git}/**', 5000);
    // `*.pipeline.yaml` files first
    files.sort((a, b) => Number(!/\.pipeline\.ya?ml$/i.test(a.fsPath)) - Number(!/\.pipeline\.ya?ml$/i.test(b.fsPath)) || a.fsPath.localeCompare(b.fsPath));
    for (const f of files) {
      try {
        if (topLevelId(await fs.promises.readFile(f.fsPath, 'utf8')) === pipelineId) return f;
      } catch {
        // unreadable: not this one
      }
    }
    return servedHere ? vscode.Uri.file(servedHere) : undefined;
  }

  /** Stops following (the server's run goes on). */
  dispose(): void {
    for (const f of this.following.values()) f.controller.abort();
    this.following.clear();
  }
}
