// The eval loop finished in the editor, inside a real extension host: the Test Explorer's Run
// (replay) profile answers every model call (the judge's too) from the eval's cassette, offline, and
// a case the cassette does not hold fails first with which case and which call missed; the Debug
// profile runs a case in its variant's models. The model is a loopback server speaking OpenAI's
// protocol: a replay must send it nothing, a debugged case exactly the variant's model.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import type { OrchestratorApi } from '../../../client/api';
import { until, workspace } from './helpers';

describe('evals: the replay profile and debugging a case in its variant', () => {
  const provider = new LoopbackProviders();
  const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
  let api: OrchestratorApi;
  before(async () => {
    await provider.start();
    provider.fallback = { text: 'A short summary.' };
    process.env.OPENAI_BASE_URL = `${provider.origin}/v1`;
    process.env.OPENAI_API_KEY = 'sk-loopback-in-host';
    api = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!.exports;
  });
  after(async () => {
    for (const [name, v] of [['OPENAI_BASE_URL', saved.base], ['OPENAI_API_KEY', saved.key]] as const) {
      if (v === undefined) delete process.env[name];
      else process.env[name] = v;
    }
    await provider.stop();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Run (replay) runs the example eval offline from its committed cassette: every case passes, no model is called', async () => {
    const uri = vscode.Uri.file(path.join(workspace(), 'summarize.eval.yaml'));
    await until('the eval in the Test Explorer', async () => (await api.evalTestItems()).includes('summarize.eval.yaml > mini > checkpoints'));
    const before = provider.requests.length;
    await vscode.commands.executeCommand('orchestrator.runEval', uri, { replay: true });
    const o = api.evalOutcome(uri.toString());
    assert.ok(o, 'an outcome');
    assert.deepEqual(o.results.map((r) => `${r.case} ${r.variant} ${r.status}`).sort(), ['checkpoints large pass', 'checkpoints mini pass', 'rate-limits large pass', 'rate-limits mini pass']);
    assert.equal(provider.requests.length, before, 'a replay sends no request to the model');
    assert.deepEqual(api.evalTestMessages(uri.toString()).filter((m) => m.messages.length), []);
  });

  it('Coverage (replay), the Test Explorer’s coverage profile for offline evals, marks the pipeline from the cassette: no model is called, no key needed', async () => {
    const uri = vscode.Uri.file(path.join(workspace(), 'summarize.eval.yaml'));
    await until('the eval in the Test Explorer', async () => (await api.evalTestItems()).includes('summarize.eval.yaml > mini > checkpoints'));
    const { controller, replayCoverageProfile: profile } = api.evalTesting();
    assert.deepEqual([profile.label, profile.kind, profile.tag?.id, profile.isDefault], ['Coverage (replay)', vscode.TestRunProfileKind.Coverage, 'offline', false]);
    // no key: a live call could not be made
    const key = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    const before = provider.requests.length;
    const cts = new vscode.CancellationTokenSource();
    try {
      // what the Test Explorer does when a person picks the profile on the eval's item
      await profile.runHandler(new vscode.TestRunRequest([controller.items.get(uri.toString())!], undefined, profile), cts.token);
    } finally {
      cts.dispose();
      process.env.OPENAI_API_KEY = key;
    }
    const o = api.evalOutcome(uri.toString())!;
    assert.deepEqual(o.results.map((r) => `${r.case} ${r.variant} ${r.status}`).sort(), ['checkpoints large pass', 'checkpoints mini pass', 'rate-limits large pass', 'rate-limits mini pass']);
    // summarize.pipeline.yaml's one step (`- id: summary`, line 18), run by the four cases
    assert.deepEqual(o.coverage, [{ line: 18, executed: 4 }]);
    assert.equal(provider.requests.length, before, 'a replay sends no request to the model');
  });

  it('a case the cassette does not hold fails, its first message naming the case and the call that missed', async () => {
    // the example eval with one case more, beside a copy of its cassette
    const file = path.join(workspace(), 'summarize-more.eval.yaml');
    const text = fs.readFileSync(path.join(workspace(), 'summarize.eval.yaml'), 'utf8').replace('variants:', '  - id: unrecorded\n    text: A text no one has summarized yet.\n    topic: nothing\nvariants:');
    fs.writeFileSync(file, text);
    fs.copyFileSync(path.join(workspace(), 'summarize.cassette.jsonl'), path.join(workspace(), 'summarize-more.cassette.jsonl'));
    const uri = vscode.Uri.file(file);
    await until('the new eval in the Test Explorer', async () => (await api.evalTestItems()).includes('summarize-more.eval.yaml > mini > unrecorded'));
    const before = provider.requests.length;
    await vscode.commands.executeCommand('orchestrator.runEval', uri, { variant: 'mini', replay: true });
    const o = api.evalOutcome(uri.toString())!;
    assert.deepEqual(o.results.map((r) => `${r.case} ${r.variant} ${r.status}`), ['checkpoints mini pass', 'rate-limits mini pass', 'unrecorded mini fail']);
    assert.equal(provider.requests.length, before);
    const given = api.evalTestMessages(uri.toString()).find((m) => m.case === 'unrecorded')!;
    const first = given.messages[0].message.split('\n');
    assert.equal(first[0], "Case 'unrecorded' [mini] missed the cassette summarize-more.cassette.jsonl: 1 call it has no answer for.");
    assert.match(first[1], /^- step 'summary': Step 'summary': the cassette summarize-more\.cassette\.jsonl has no recorded answer for this call to openai:gpt-4o-mini \(a replay makes no live call\)\. Nearest recorded request \(step 'summary'\): prompt differs at character \d+: /);
    assert.equal(first[2], 'Record the case with `orc eval FILE --record --case unrecorded`, or run it with the Run profile (live).');
    // the assertions' own failures follow it, each at its line
    assert.deepEqual(given.messages.slice(1).map((m) => m.line), [30, 32, 34]);
  });

  it("Debug runs the case in its variant: the variant's model answers the step, the variant's parameters are its inputs", async () => {
    // one variant only, so the case at the cursor is that variant's
    const file = path.join(workspace(), 'summarize-large.eval.yaml');
    fs.writeFileSync(file, 'pipeline: summarize.pipeline.yaml\ncases:\n  - id: brief\n    text: Checkpoints are written after every step.\nvariants:\n  - name: large\n    models: { summary: openai:gpt-4o }\n    parameters: { audience: executives }\nassert:\n  - output: summary\n    contains: summary\n');
    const uri = vscode.Uri.file(file);
    await until('the eval in the Test Explorer', async () => (await api.evalTestItems()).includes('summarize-large.eval.yaml > large > brief'));
    const pipeline = vscode.Uri.file(path.join(workspace(), 'summarize.pipeline.yaml'));
    const before = api.lastResult(pipeline.toString())?.execution_id;
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    // the cursor on the case's line (`  - id: brief`), then the Test Explorer's Debug Test at Cursor
    editor.selection = new vscode.Selection(2, 4, 2, 4);
    const ended = new Promise<void>((resolve) => {
      const d = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.configuration.name !== 'Debug eval case brief [large]') return;
        d.dispose();
        resolve();
      });
    });
    const calls = provider.requests.length;
    await vscode.commands.executeCommand('testing.debugAtCursor');
    await ended;
    const doc = await until('the debugged run', () => {
      const r = api.lastResult(pipeline.toString());
      return r && r.execution_id !== before ? r : undefined;
    });
    assert.equal(doc.status, 'completed');
    assert.equal(doc.steps.summary.model, 'openai:gpt-4o');
    assert.deepEqual(doc.outputs, { summary: 'A short summary.' });
    const sent = provider.requests.slice(calls).filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as { model?: string; messages?: unknown });
    assert.deepEqual(sent.map((b) => b.model), ['gpt-4o']);
    assert.match(JSON.stringify(sent[0].messages), /Summarize for executives in at most three sentences/);
  });
});
