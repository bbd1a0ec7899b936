// What every in-host suite needs: the workspace folder the workbench opened, and waiting for
// something the editor does asynchronously.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export function workspace(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the workbench opened a folder');
  return f.uri.fsPath;
}

/** Polls `probe` until it gives a truthy value (returned), or fails after `timeoutMs` naming `what` and the last error. */
export async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A message the debug adapter sent (DAP). */
export interface DapMessage {
  type: string;
  event?: string;
  body?: Record<string, unknown>;
}

/** What the `orchestrator` debug adapter sends, recorded through a tracker: its stops awaited by number, the session's end. */
export class DapRecorder implements vscode.Disposable {
  sent: DapMessage[] = [];
  private readonly tracker = vscode.debug.registerDebugAdapterTrackerFactory('orchestrator', {
    createDebugAdapterTracker: () => ({ onDidSendMessage: (m: DapMessage) => void this.sent.push(m) }),
  });

  /** Forgets what was sent (each test counts its own stops). */
  clear(): void {
    this.sent = [];
  }

  stops(): { reason: string; threadId: number; description?: string }[] {
    return this.sent.filter((m) => m.type === 'event' && m.event === 'stopped').map((m) => m.body as { reason: string; threadId: number; description?: string });
  }

  /** The `n`th stop (1-based) since the last clear, once it has come. */
  nextStop(n: number): Promise<{ reason: string; threadId: number; description?: string }> {
    return until(`stop number ${n}`, () => (this.stops().length >= n ? this.stops()[n - 1] : undefined));
  }

  /** The debug session has ended and the adapter said so. */
  ended(): Promise<boolean> {
    return until('the debug session to end', () => !vscode.debug.activeDebugSession && this.sent.some((m) => m.event === 'terminated'));
  }

  dispose(): void {
    this.tracker.dispose();
  }
}

/** The result documents of a pipeline's runs in `folder` (its `.orchestrator/runs`), newest first. */
export function pipelineRuns<T extends { pipeline_id: string; started_at: string }>(folder: string, pipelineId: string): T[] {
  const dir = path.join(folder, '.orchestrator', 'runs');
  return (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
    .map((id) => path.join(dir, id, 'result.json'))
    .filter((f) => fs.existsSync(f))
    .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as T)
    .filter((d) => d.pipeline_id === pipelineId)
    .sort((a, b) => (a.started_at < b.started_at ? 1 : -1));
}
