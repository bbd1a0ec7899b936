// Inside a real VS Code extension host (code-server), through the public API a user's editor uses:
// activation, diagnostics, completion, a run from the command and its events in the panel, cancel
// and resume. The workspace is a fresh copy of examples/ and test/e2e/fixtures/.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { ActivationTiming } from '../../../client/activationTiming';
import type { OrchestratorApi } from '../../../client/api';
import type { ResultDocument } from '../../../engine/run/events';

const EXTENSION_ID = 'orchestrator.orchestrator-pipelines';



async function open(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(path.join(workspace(), name));
  await vscode.window.showTextDocument(doc);
  return doc;
}

let api: OrchestratorApi;

describe('the extension in a real workbench', () => {
  before(async () => {
    await open('hello.pipeline.yaml');
    const ext = vscode.extensions.getExtension<OrchestratorApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed in the development host`);
    api = await until('activation', async () => (ext.isActive ? ext.exports : await ext.activate()));
  });

  it('activates on a pipeline and gives it the pipeline language', async () => {
    const doc = await open('hello.pipeline.yaml');
    assert.equal(doc.languageId, 'orchestrator-pipeline');
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['orchestrator.run', 'orchestrator.runFromHere', 'orchestrator.cancelRun', 'orchestrator.resumeRun', 'orchestrator.showGraph', 'orchestrator.treatAsPipeline']) assert.ok(commands.includes(c), c);
  });

  it('a misspelt dependency gets a diagnostic on exactly its characters', async () => {
    const doc = await open('broken.pipeline.yaml');
    const diags = await until('diagnostics', () => {
      const d = vscode.languages.getDiagnostics(doc.uri);
      return d.length ? d : undefined;
    });
    assert.deepEqual(
      diags.map((d) => ({ code: d.code, severity: d.severity, message: d.message, range: [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character] })),
      [{ code: 'step.unknown-dependency', severity: vscode.DiagnosticSeverity.Error, message: "Unknown step 'fecth' in the dependencies of 'summarize'. Did you mean 'fetch'?", range: [14, 19, 14, 24] }],
    );
  });

  it('completion inside dependencies offers the step ids', async () => {
    const doc = await open('broken.pipeline.yaml');
    const list = await until('completions', async () => {
      const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(14, 20));
      return l.items.length ? l : undefined;
    });
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('fetch'), `step ids offered: ${labels.join(', ')}`);
    assert.ok(!labels.includes('summarize'), 'a step is not offered as its own dependency');
  });

  it('Run Pipeline writes the files, returns the result, and its events reach the panel', async () => {
    const doc = await open('hello.pipeline.yaml');
    const uri = doc.uri.toString();
    const result = await vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.run', uri, { inputs: { name: 'Ada' } });
    assert.ok(result, `the run started (refusal: ${api.lastRefusal()})`);
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.outputs, { greeting: 'Hello, Ada!' });
    assert.equal(fs.readFileSync(path.join(workspace(), 'output', 'hello.txt'), 'utf8'), 'Hello, Ada!');
    // the same state the CLI reads: .orchestrator/runs/<id>/
    assert.ok(fs.existsSync(path.join(api.runStateFolder(uri), '.orchestrator', 'runs', result.execution_id, 'checkpoint.json')));
    assert.deepEqual(api.lastResult(uri)?.execution_id, result.execution_id);
    const shown = await until('the panel to show every step completed', () => {
      const r = api.panelRendered(uri);
      return r && r.runId === result.execution_id && Object.values(r.statuses).every((s) => s === 'completed') && r.nodes === 2 ? r : undefined;
    });
    assert.deepEqual(shown.statuses, { write_greeting: 'completed', read_greeting: 'completed' });
    // the run went through the engine's own bundle, which the extension loads on first use
    const timing = await vscode.commands.executeCommand<ActivationTiming>('orchestrator.activationTiming');
    assert.deepEqual(timing.loadedFiles.filter((f) => f.startsWith('dist/')), ['dist/engine.js', 'dist/extension.js']);
    assert.equal(timing.engineLoaded, true);
    assert.ok(timing.clientReadyMs !== null && timing.clientReadyMs >= timing.activateStartMs, JSON.stringify(timing));
    // the server's process was forked during activate()'s synchronous work, not after it (as the
    // language client's own launcher would, behind an asynchronous check of the working folder)
    assert.ok(timing.serverForkedMs !== null && timing.syncDoneMs !== null && timing.activateStartMs <= timing.serverForkedMs && timing.serverForkedMs <= timing.syncDoneMs, JSON.stringify(timing));
    // the opened pipelines were checked: the first diagnostics came once the client was ready
    assert.ok(timing.firstDiagnosticsMs !== null && timing.firstDiagnosticsMs >= timing.clientReadyMs, JSON.stringify(timing));
  });

  it('a pipeline that does not compile is refused with its first error, and nothing runs', async () => {
    const doc = await open('broken.pipeline.yaml');
    const result = await vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.run', doc.uri.toString(), { inputs: {} });
    assert.equal(result, undefined);
    assert.equal(api.lastRefusal(), "broken.pipeline.yaml does not compile (1 error; line 15: Unknown step 'fecth' in the dependencies of 'summarize'. Did you mean 'fetch'?): nothing ran.");
    assert.ok(!fs.existsSync(path.join(workspace(), 'output', 'fetch.txt')));
  });

  it('Cancel stops a running step, and Resume finishes the run from its checkpoint', async () => {
    const doc = await open('slow.pipeline.yaml');
    const uri = doc.uri.toString();
    const running = vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.run', uri, { inputs: {} });
    await until('the slow step to start', () => fs.existsSync(path.join(workspace(), 'output', 'slow-start.txt')) && api.isRunning(uri));
    await new Promise((r) => setTimeout(r, 500));
    await vscode.commands.executeCommand('orchestrator.cancelRun', uri);
    const cancelled = await running;
    assert.ok(cancelled);
    assert.equal(cancelled.status, 'cancelled');
    // (the step sleeps 600 s: a run that Cancel did not stop would hold this test past its timeout)
    assert.equal(cancelled.steps.start.status, 'completed');
    assert.equal(cancelled.steps.finish.status, 'cancelled');
    assert.ok(!fs.existsSync(path.join(workspace(), 'output', 'slow-finish.txt')));

    fs.writeFileSync(path.join(workspace(), 'resume.flag'), '');
    const resumed = await vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.resumeRun', cancelled.execution_id);
    assert.ok(resumed, `resumed (refusal: ${api.lastRefusal()})`);
    assert.equal(resumed.execution_id, cancelled.execution_id);
    assert.equal(resumed.status, 'completed');
    assert.equal(fs.readFileSync(path.join(workspace(), 'output', 'slow-finish.txt'), 'utf8'), 'finished after resumed');
    // the step the first run completed was not run again
    assert.equal(resumed.steps.start.started_at, cancelled.steps.start.started_at);
  });

  it('Run From Here reuses the results before the step and runs it and what follows', async () => {
    const doc = await open('hello.pipeline.yaml');
    const uri = doc.uri.toString();
    const first = api.lastResult(uri);
    assert.ok(first, 'an earlier run of hello exists');
    const again = await vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.runFromHere', uri, 'read_greeting');
    assert.ok(again, `ran (refusal: ${api.lastRefusal()})`);
    assert.notEqual(again.execution_id, first.execution_id);
    assert.equal(again.status, 'completed');
    assert.equal(again.steps.write_greeting.started_at, first.steps.write_greeting.started_at, 'write_greeting was reused');
    assert.notEqual(again.steps.read_greeting.started_at, first.steps.read_greeting.started_at, 'read_greeting ran again');
    assert.deepEqual(again.outputs, { greeting: 'Hello, Ada!' });
  });
});
