// The model-written views of a pipeline in the editor: "Explain Pipeline" (intention and
// architecture in the panel, contradictions linking to their steps; the server shows the cached
// answer as a hover on the pipeline's name) and "New Pipeline from Description" (written, repaired
// from its findings, and opened only when it compiles).
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyze, explain, type Explanation, hasErrors, orchestratorOf, registryOrShipped, writePipeline } from '../engine/api/index';
import { runFolder, settings } from './configuration';
import type { Log } from './log';
import type { RunServices } from './models';
import type { WebviewHost } from './webviewHost';

export async function explainPipeline(uri: vscode.Uri, services: () => Promise<RunServices>, host: WebviewHost, log: Log): Promise<Explanation | undefined> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const a = analyze(doc.getText());
  if (!a.pipeline || !a.plan || hasErrors(a.findings)) {
    void vscode.window.showErrorMessage(`${path.basename(uri.fsPath)} does not compile: fix its errors before explaining it.`);
    return undefined;
  }
  const model = orchestratorOf(a.pipeline) ?? settings(uri).models.orchestrator;
  if (!model) {
    void vscode.window.showErrorMessage("Explaining a pipeline needs a model: set 'orchestrator: provider:model' in it.");
    return undefined;
  }
  try {
    const s = await services();
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Explaining ${a.pipeline.id} with ${model}` }, () => explain(a, { models: s.models, model, stateRoot: runFolder(uri) }));
    const x = r.explanation;
    log.line(`explained ${a.pipeline.id} with ${model}${r.cached ? ' (cached)' : ` (${r.calls} calls)`}: ${x.findings.length} contradiction${x.findings.length === 1 ? '' : 's'}`);
    host.explanation(uri, { intention: x.intention, architecture: x.architecture, findings: x.findings.map((f) => ({ code: f.code, step: f.step, message: f.message })), model, cached: r.cached });
    return x;
  } catch (e) {
    log.line(`explaining ${uri.fsPath} failed: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`${model} could not explain ${path.basename(uri.fsPath)}: ${(e as Error).message}`);
    return undefined;
  }
}

/** New Pipeline from Description: asks for the description (unless given) and the model, writes `ID.pipeline.yaml` in the workspace folder. */
export async function newPipeline(services: () => Promise<RunServices>, log: Log, given?: { description?: string; model?: string }): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showErrorMessage('New Pipeline from Description: open a folder first (the pipeline is written into it).');
    return undefined;
  }
  const description = given?.description ?? (await vscode.window.showInputBox({ title: 'New pipeline', prompt: 'What should the pipeline do?', placeHolder: 'a pipeline that fetches a page, summarizes it and writes the summary to summary.md', ignoreFocusOut: true }));
  if (!description?.trim()) return undefined;
  const models = registryOrShipped(process.env.ORC_MODEL_REGISTRY || undefined).map((m) => m.id);
  const model = given?.model ?? process.env.ORC_ORCHESTRATOR_MODEL ?? (await vscode.window.showQuickPick(models, { title: 'Which model writes it?' }));
  if (!model) return undefined;
  const s = await services();
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Writing a pipeline with ${model}` }, () => writePipeline(description, { models: s.models, model, models_available: models }));
  if (!r.ok) {
    log.line(`New Pipeline: ${model}'s pipeline does not compile after ${r.attempts - 1} repairs; nothing written. Its errors:`);
    for (const f of r.errors) log.line(`  line ${f.range.start.line + 1}: ${f.code}: ${f.message}`);
    void vscode.window.showErrorMessage(`The pipeline ${model} wrote still does not compile after ${r.attempts - 1} repairs (${r.errors.length} error${r.errors.length === 1 ? '' : 's'}; line ${(r.errors[0]?.range.start.line ?? 0) + 1}: ${r.errors[0]?.message ?? ''}). Nothing was written.`, 'Show Log').then((pick) => pick && log.show());
    return undefined;
  }
  const id = r.analysis!.pipeline!.id.replace(/[^\w.-]+/g, '_');
  let file = path.join(folder.uri.fsPath, `${id}.pipeline.yaml`);
  for (let i = 2; existsSync(file); i++) file = path.join(folder.uri.fsPath, `${id}-${i}.pipeline.yaml`);
  writeFileSync(file, r.yaml.endsWith('\n') ? r.yaml : `${r.yaml}\n`);
  log.line(`New Pipeline: wrote ${file} with ${model} after ${r.attempts - 1} repair${r.attempts === 2 ? '' : 's'}`);
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  return uri;
}
