// Runs inside the extension host (the workbench loads it as its `extensionTestsPath`, built by
// bench/activation.bench.ts): activates the extension by opening a pipeline, as a user does, and
// writes what that cost to ORC_ACTIVATION_RESULT: the whole activation as the host runs it (loading
// the bundle, then activate() until its promise resolves, which waits for the language client),
// and the extension's own account (orchestrator.activationTiming), once the first diagnostics are in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ActivationTiming } from '../client/activationTiming';

const EXTENSION_ID = 'orchestrator.orchestrator-pipelines';

export async function run(): Promise<void> {
  const out = process.env.ORC_ACTIVATION_RESULT;
  if (!out) throw new Error('ORC_ACTIVATION_RESULT is not set');
  try {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (!ext) throw new Error(`${EXTENSION_ID} is not in the host`);
    const wasActive = ext.isActive;
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const t0 = performance.now();
    // opening a pipeline is the activation event (onLanguage:orchestrator-pipeline)
    const doc = await vscode.workspace.openTextDocument(path.join(folder, 'hello.pipeline.yaml'));
    await vscode.window.showTextDocument(doc);
    await ext.activate();
    const activatedMs = performance.now() - t0;
    // the first diagnostics come after activate() resolves; a server that publishes none (the
    // floor's: ORC_ACTIVATION_NO_DIAGNOSTICS is set) leaves firstDiagnosticsMs null, without the wait
    let timing = await vscode.commands.executeCommand<ActivationTiming>('orchestrator.activationTiming');
    const waitMs = process.env.ORC_ACTIVATION_NO_DIAGNOSTICS ? 0 : 5000;
    for (const until = performance.now() + waitMs; timing.firstDiagnosticsMs === null && performance.now() < until; ) {
      await new Promise((r) => setTimeout(r, 20));
      timing = await vscode.commands.executeCommand<ActivationTiming>('orchestrator.activationTiming');
    }
    fs.writeFileSync(out, JSON.stringify({ wasActive, activatedMs, timing, languageId: doc.languageId }));
    // the host ends when this returns, and the language server with it: a workbench the bench
    // holds open (ORC_ACTIVATION_HOLD_MS) keeps both alive, so the server lives to write its
    // compile cache (5 s after its start) as it does in a user's editor
    const holdMs = Number(process.env.ORC_ACTIVATION_HOLD_MS ?? 0);
    if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
  } catch (e) {
    fs.writeFileSync(out, JSON.stringify({ error: String((e as Error)?.stack ?? e) }));
  }
}
