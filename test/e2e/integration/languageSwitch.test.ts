// A ContextLab user's YAML files open as pipelines (client/languageSwitch.ts), inside a real
// extension host: no command run, the language switched as the file opens, the status bar saying
// why, and "Treat File as Plain YAML" undoing it for good.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { OrchestratorApi } from '../../../client/api';

const EXTENSION_ID = 'orchestrator.orchestrator-pipelines';

/** The document of this file as the extension host has it now (a language switch reopens it). */
const current = (uri: vscode.Uri) => vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());

async function languageOf(uri: vscode.Uri, languageId: string): Promise<vscode.TextDocument> {
  return until(`${path.basename(uri.fsPath)} in ${languageId} (it is ${current(uri)?.languageId})`, () => (current(uri)?.languageId === languageId ? current(uri) : undefined), 20_000);
}

describe('YAML files that are pipelines open as pipelines', () => {
  let api: OrchestratorApi;
  before(async () => {
    const ext = vscode.extensions.getExtension<OrchestratorApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await until('activation', async () => (ext.isActive ? ext.exports : await ext.activate()));
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("a ContextLab example (control_flow_advanced.yaml) is in the pipeline language with no command run: checked, and the status bar says why", async () => {
    const uri = vscode.Uri.file(path.join(workspace(), 'control_flow_advanced.yaml'));
    const opened = await vscode.workspace.openTextDocument(uri);
    // VS Code gives a .yaml file the YAML language; the extension switches it as it opens
    assert.ok(['yaml', 'orchestrator-pipeline'].includes(opened.languageId), opened.languageId);
    const doc = await languageOf(uri, 'orchestrator-pipeline');
    await vscode.window.showTextDocument(doc);
    // the language server checks it: ContextLab's implied dependency is reported, at its characters
    const diags = await until('diagnostics', () => (vscode.languages.getDiagnostics(uri).length ? vscode.languages.getDiagnostics(uri) : undefined));
    assert.deepEqual(
      diags.map((d) => [d.code, d.severity, d.range.start.line, d.range.start.character, d.range.end.character]),
      [['template.implied-dependency', vscode.DiagnosticSeverity.Information, 42, 16, 25]],
    );
    const status = await until('the language status', () => (api.languageStatus()?.text.includes('Pipeline') ? api.languageStatus() : undefined));
    assert.deepEqual(status, {
      text: '$(type-hierarchy) Pipeline (detected: steps + id)',
      tooltip: 'control_flow_advanced.yaml opened as an Orchestrator pipeline: its top level has `steps:` and `id:`. Click to treat it as plain YAML (remembered for this file).',
      command: 'orchestrator.treatAsPlainYaml',
    });
  });

  it('an eval written for a ContextLab pipeline (pipeline: and cases:) opens in the eval language', async () => {
    const file = path.join(workspace(), 'control_flow_checks.yaml');
    fs.writeFileSync(file, 'pipeline: control_flow_advanced.yaml\ncases:\n  - id: two\n    topics: ["a", "b"]\n    assert:\n      - output: summary\n        equals: "2 notes"\n');
    const uri = vscode.Uri.file(file);
    await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(await languageOf(uri, 'orchestrator-eval'));
    await until('the eval status', () => api.languageStatus()?.text === '$(type-hierarchy) Eval (detected: pipeline + cases)');
  });

  it('a *.pipeline.yaml file is a pipeline by its name, and the status bar says so', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(path.join(workspace(), 'hello.pipeline.yaml')));
    const status = await until('the file name status', () => (api.languageStatus()?.text === '$(type-hierarchy) Pipeline (file name)' ? api.languageStatus() : undefined));
    assert.equal(status.tooltip, 'hello.pipeline.yaml is an Orchestrator pipeline by its name (*.pipeline.yaml). Click to treat it as plain YAML (remembered for this file).');
  });

  it('a YAML file that is not a pipeline stays YAML, with no status', async () => {
    const file = path.join(workspace(), 'settings-like.yaml');
    fs.writeFileSync(file, 'name: nightly\nsteps:\n  - script: npm test\n');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    // give the switch the time it takes for the ContextLab file above, then look
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(current(doc.uri)?.languageId, 'yaml');
    assert.equal(api.languageStatus(), undefined);
  });

  it('"Treat File as Plain YAML" undoes it, "Treat File as Pipeline" redoes it, each shown in the status bar', async () => {
    const file = path.join(workspace(), 'contextlab-plain.yaml');
    fs.writeFileSync(file, CONTEXTLAB_FILE);
    const uri = vscode.Uri.file(file);
    await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(await languageOf(uri, 'orchestrator-pipeline'));
    assert.equal(await vscode.commands.executeCommand('orchestrator.treatAsPlainYaml'), true);
    await languageOf(uri, 'yaml');
    await until('the plain YAML status', () => api.languageStatus()?.text === '$(file-code) Plain YAML (your choice)');
    assert.equal(api.languageStatus()?.command, 'orchestrator.treatAsPipeline');
    assert.equal(await vscode.commands.executeCommand('orchestrator.treatAsPipeline'), true);
    await languageOf(uri, 'orchestrator-pipeline');
    await until('the chosen status', () => api.languageStatus()?.text === '$(type-hierarchy) Pipeline (your choice)');
  });

  it('a file set to plain YAML is not switched when it opens: neither by its content nor by its *.pipeline.yaml name', async () => {
    // neither file was open: the command opens it, and its opening follows the remembered choice
    const byContent = path.join(workspace(), 'contextlab-kept-plain.yaml');
    const byName = path.join(workspace(), 'kept-plain.pipeline.yaml');
    for (const f of [byContent, byName]) {
      fs.writeFileSync(f, CONTEXTLAB_FILE);
      assert.equal(await vscode.commands.executeCommand('orchestrator.treatAsPlainYaml', vscode.Uri.file(f)), true);
    }
    await languageOf(vscode.Uri.file(byName), 'yaml');
    // the time a detection takes (the ContextLab file above switched within it), then look again
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual([byContent, byName].map((f) => current(vscode.Uri.file(f))?.languageId), ['yaml', 'yaml']);
    await vscode.window.showTextDocument(current(vscode.Uri.file(byName))!);
    await until('the plain YAML status', () => api.languageStatus()?.text === '$(file-code) Plain YAML (your choice)');
  });
});

const CONTEXTLAB_FILE = 'id: plain-choice\nsteps:\n  - id: hello\n    tool: terminal\n    action: execute\n    parameters:\n      command: echo hi\n';
