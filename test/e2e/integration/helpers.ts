// What every in-host suite needs: the workspace folder the workbench opened, and waiting for
// something the editor does asynchronously.
import { strict as assert } from 'node:assert';
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
