// AUTO tags in a real extension host: the lens says how many tags need an answer, "Resolve AUTO
// tags" asks the orchestrator model (the real OpenAI SDK against a loopback server in this process)
// and writes the lock, the lens and the inline answers follow the lock file, and a run uses the
// locked answers without asking again.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { ResultDocument } from '../../../engine/run/events';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';



const lensTitles = async (uri: vscode.Uri) => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).map((l) => l.command?.title ?? '');

describe('model-backed features in a real workbench: AUTO tags, explanations, new pipelines', () => {
  let server: LoopbackProviders;
  const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };
  before(async () => {
    server = await new LoopbackProviders().start();
    process.env.OPENAI_API_KEY = 'sk-e2e-auto';
    process.env.OPENAI_BASE_URL = `${server.origin}/v1`;
  });
  after(async () => {
    process.env.OPENAI_API_KEY = saved.key;
    process.env.OPENAI_BASE_URL = saved.base;
    if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
    if (saved.base === undefined) delete process.env.OPENAI_BASE_URL;
    await server.stop();
  });

  it('Resolve AUTO tags locks typed answers; the lens and inline answers follow the lock; a run asks nothing more', async () => {
    const file = path.join(workspace(), 'auto.pipeline.yaml');
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await until('the lens to count the unanswered tags', async () => (await lensTitles(uri)).includes('Resolve 2 AUTO tags'));

    server.script.push({ json: { value: 'Hello from the orchestrator.' } }, { json: { value: 2 } });
    const summary = await vscode.commands.executeCommand<{ resolved: number; locked: number; failed: unknown[] }>('orchestrator.resolveAuto', uri);
    assert.deepEqual([summary?.resolved, summary?.locked, summary?.failed.length], [2, 0, 0]);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(JSON.parse(fs.readFileSync(`${file}.auto.lock.json`, 'utf8')), {
      format: 1,
      entries: [
        { path: 'steps[0].parameters.content', text: 'Write a greeting', model: 'openai:gpt-4o-mini', value: 'Hello from the orchestrator.' },
        { path: 'steps[1].max_parallel', text: 'How many at once?', model: 'openai:gpt-4o-mini', value: 2 },
      ],
    });
    // the lock file's change reaches the server: the lens and the inline answers update
    await until('the lens to say the tags are locked', async () => (await lensTitles(uri)).includes('AUTO tags locked · Refresh'));
    const hints = await until('the inline answers', async () => {
      const h = (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, new vscode.Range(0, 0, 30, 0))) ?? [];
      const labels = h.map((x) => (typeof x.label === 'string' ? x.label : x.label.map((p) => p.value).join('')));
      return labels.includes(' = 2') ? labels : undefined;
    });
    assert.ok(hints.includes(' = "Hello from the orchestrator."'), hints.join(' | '));

    const result = await vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.run', uri.toString(), { inputs: {} });
    assert.equal(result?.status, 'completed');
    assert.equal(fs.readFileSync(path.join(workspace(), 'output', 'auto-greeting.txt'), 'utf8'), 'Hello from the orchestrator.');
    assert.equal(server.requests.length, 2, 'the run used the locked answers');
  });

  it("a run's timeline draws its critical path; Explain Pipeline fills the panel and the hover on the pipeline's id", async () => {
    const file = path.join(workspace(), 'auto.pipeline.yaml');
    const uri = vscode.Uri.file(file);
    // the run of the test above left its report in the panel: greet and each ran at once, each ended last
    const drawn = await until('the timeline', () => {
      const r = vscode.extensions.getExtension<{ panelRendered(u: string): { critical: string[] } | undefined }>('orchestrator.orchestrator-pipelines')!.exports.panelRendered(uri.toString());
      return r && r.critical.length ? r.critical : undefined;
    });
    assert.equal(drawn.length, 1);
    assert.ok(['greet', 'each'].includes(drawn[0]), drawn.join());

    server.script.push(
      { json: { intention: 'Greets, then marks each letter.', architecture: 'greet writes the greeting; each marks x and y.' } },
      { json: { contradictions: [{ step: 'mark', kind: 'other', message: "'mark' writes into output/, which the architecture does not say." }] } },
    );
    const x = await vscode.commands.executeCommand<{ intention: string; findings: { code: string; step: string | null; range: vscode.Range }[] }>('orchestrator.explain', uri);
    assert.equal(x?.intention, 'Greets, then marks each letter.');
    assert.deepEqual(x?.findings.map((f) => [f.code, f.step, f.range.start.line]), [['explain.contradiction', 'mark', 15]]);
    assert.equal(server.requests.length, 4);
    const hover = await until('the hover on the id line', async () => {
      const h = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(2, 1))) ?? [];
      const text = h.flatMap((x) => x.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      return text.includes('Intention') ? text : undefined;
    });
    assert.match(hover, /\*\*Intention\*\* \(openai:gpt-4o-mini\)\n\nGreets, then marks each letter\./);
    assert.match(hover, /- `mark`: 'mark' writes into output\/, which the architecture does not say\./);
  });

  it('New Pipeline from Description writes a pipeline that compiles and opens it', async () => {
    const yaml = 'id: fresh\nname: Fresh\nsteps:\n  - id: only\n    tool: filesystem\n    action: list\n    parameters:\n      path: .\n';
    server.script.push({ json: { yaml: yaml.replace('action: list', 'action: lst') } }, { json: { yaml } });
    const created = await vscode.commands.executeCommand<vscode.Uri | undefined>('orchestrator.newPipeline', { description: 'a pipeline that lists the folder', model: 'openai:gpt-4o-mini' });
    assert.ok(created, 'a pipeline was written');
    assert.equal(path.basename(created.fsPath), 'fresh.pipeline.yaml');
    assert.equal(fs.readFileSync(created.fsPath, 'utf8'), yaml);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, created.fsPath);
  });
});
