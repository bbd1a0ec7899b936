// Monitors in the editor (docs/monitors.md, "In the editor"): a served endpoint's node in the Runs view
// lists its monitors (`GET /monitors`, listed with its runs: client/servedEndpoints.ts), each line's
// click or Open Failed Runs shows the runs its last alert named (or its window's failed checks) in the
// Review view; and each endpoint's server-wide event stream (`GET /events`) is followed while it is
// listed, a `monitor-alert` becoming a warning whose Open Failed Runs does the same. A server without
// monitors (404) has no lines and no stream, and says nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runFolder } from './configuration';
import type { Log } from './log';
import { alertFilterTitle, alertMessage, failedRunsOf } from './monitors';
import type { ReviewFilter, ReviewView } from './reviewView';
import { monitorAlertOf, type MonitorAlert } from './servedApi';
import type { ServedEndpoints } from './servedEndpoints';
import { MONITOR_COMMANDS, OPEN_FAILED_RUNS, type ServedMonitorNode } from './monitorTreeItem';

import { followEventStream, SseHttpError } from './sseStream';

/** The tail of a monitor's check log in the workspace's run folders (the endpoint may serve this
 * workspace), at most 4 MiB of it; null when no folder has one (a regular file, not a link). */
async function checkLogTail(monitor: string): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]+$/.test(monitor)) return null;
  const folders = [...new Set((vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => runFolder(f.uri)))];
  const MAX = 4 * 1024 * 1024;
  const parts: string[] = [];
  for (const folder of folders) {
    const file = path.join(folder, '.orchestrator', 'monitors', `${monitor}.jsonl`);
    try {
      const st = await fs.promises.lstat(file);
      if (!st.isFile()) continue;
      const fh = await fs.promises.open(file, 'r');
      try {
        const len = Math.min(st.size, MAX);
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, st.size - len);
        parts.push(buf.toString('utf8'));
      } finally {
        await fh.close();
      }
    } catch {
      // none here
    }
  }
  return parts.length ? parts.join('\n') : null;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** An alert as it was shown (the tests read them). */
export interface ShownAlert {
  url: string;
  alert: MonitorAlert;
  message: string;
}

export class MonitorAlerts implements vscode.Disposable {
  /** One follower per listed endpoint. */
  private readonly following = new Map<string, AbortController>();
  /** Alerts shown (by endpoint, pipeline, monitor and time): a stream resumed twice shows one once. */
  private readonly seen = new Set<string>();
  readonly shown: ShownAlert[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly endpoints: ServedEndpoints,
    private readonly review: ReviewView,
    private readonly log: Log,
  ) {
    // the list of endpoints changed (added, removed, served here, stopped): follow the new, drop the gone
    this.disposables.push(endpoints.onDidChange((n) => n === undefined && this.sync()));
    this.sync();
  }

  private sync(): void {
    const urls = new Set(this.endpoints.urls());
    for (const [url, c] of this.following) {
      if (urls.has(url)) continue;
      c.abort();
      this.following.delete(url);
    }
    for (const url of urls) {
      if (this.following.has(url)) continue;
      const c = new AbortController();
      this.following.set(url, c);
      void this.follow(url, c.signal);
    }
  }

  /** Follows the endpoint's `GET /events` until it is no longer listed: reconnecting with Last-Event-ID
   * as the served-run follower does; after a stream that gave up, again a minute later; a server that
   * refuses (no such route, the token) is asked again ten minutes later. */
  private async follow(url: string, signal: AbortSignal): Promise<void> {
    let lastId: string | undefined;
    while (!signal.aborted) {
      let wait = 60_000;
      try {
        const client = await this.endpoints.client(url);
        await followEventStream({
          url: client.serverEventsUrl(),
          token: await this.endpoints.token(url),
          signal,
          lastEventId: lastId,
          // a server-wide stream has no end of its own
          endEvent: '\u0000none',
          retryMs: 1000,
          onEvent: (e) => {
            lastId = e.id ?? lastId;
            if (e.event === 'monitor-alert') void this.alerted(url, e.data);
          },
          // a subscriber that fell behind is dropped with the last event it was sent (as a run's stream)
          resumeAfter: (e) => {
            if (e.event !== 'dropped') return undefined;
            try {
              const last = (JSON.parse(e.data) as { last_event_id?: unknown }).last_event_id;
              return typeof last === 'number' || typeof last === 'string' ? String(last) : undefined;
            } catch {
              return undefined;
            }
          },
          onReconnect: (last, attempt) => attempt === 1 && this.log.line(`monitors: the event stream of ${url} dropped; reconnecting after event ${last ?? '(none)'}`),
        });
      } catch (e) {
        if (signal.aborted) break;
        if (e instanceof SseHttpError && e.status < 500) {
          // 404: a server older than monitors, quietly
          if (e.status !== 404) this.log.line(`monitors: ${url}/events refused: ${e.status}`);
          wait = 600_000;
        } else this.log.line(`monitors: the event stream of ${url} stopped: ${(e as Error).message}`);
      }
      await sleep(wait, signal);
    }
  }

  /** A `monitor-alert`: the endpoint's lines listed again, and a warning with Open Failed Runs. */
  private async alerted(url: string, data: string): Promise<void> {
    const a = monitorAlertOf(data);
    if (!a) {
      this.log.line(`monitors: ${url} sent a monitor-alert that is not one: ${data.slice(0, 200)}`);
      return;
    }
    const key = `${url}\n${a.pipeline}\n${a.monitor}\n${a.at}\n${a.failed_runs.join(',')}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.endpoints.refresh(url);
    // its threshold, from the monitor as the server lists it now
    const known = await this.endpoints
      .client(url)
      .then((c) => c.monitors())
      .then((ms) => ms?.find((m) => m.pipeline === a.pipeline && m.monitor === a.monitor))
      .catch(() => undefined);
    const message = alertMessage(a, known);
    this.shown.push({ url, alert: a, message });
    this.log.line(`monitors: ${message} (${url}; failed runs: ${a.failed_runs.join(', ') || 'none named'})`);
    const pick = await vscode.window.showWarningMessage(message, OPEN_FAILED_RUNS);
    if (pick === OPEN_FAILED_RUNS) await this.openFailedRuns({ runIds: a.failed_runs, title: alertFilterTitle(a) });
  }

  /** The Review view, showing only the runs given. */
  async openFailedRuns(f: ReviewFilter): Promise<ReviewFilter> {
    this.review.setFilter(f);
    await vscode.commands.executeCommand('orchestrator.review.focus');
    return f;
  }

  /** Open Failed Runs on a monitor's line. */
  async openMonitor(n: ServedMonitorNode): Promise<ReviewFilter | undefined> {
    const m = n.monitor;
    const f = failedRunsOf(m, m.last_alert?.failed_runs.length ? null : await checkLogTail(m.monitor));
    if (!f.runIds.length) {
      void vscode.window.showInformationMessage(`Monitor '${m.monitor}' of ${m.pipeline} has no failed run to show: no alert yet, and no failed check in its window among this workspace's check logs.`);
      return undefined;
    }
    return this.openFailedRuns(f);
  }

  dispose(): void {
    for (const c of this.following.values()) c.abort();
    this.following.clear();
    for (const d of this.disposables) d.dispose();
  }
}

export function registerMonitors(context: vscode.ExtensionContext, endpoints: ServedEndpoints, review: ReviewView, log: Log): MonitorAlerts {
  const alerts = new MonitorAlerts(endpoints, review, log);
  context.subscriptions.push(
    alerts,
    vscode.commands.registerCommand(MONITOR_COMMANDS.openFailed, (n?: ServedMonitorNode) => (n?.kind === 'served-monitor' ? alerts.openMonitor(n) : undefined)),
  );
  return alerts;
}
