// AUTO tags in a real extension host: the lens says how many tags need an answer, "Resolve AUTO
// tags" asks the orchestrator model (the real OpenAI SDK against a loopback server in this process)
// and writes the lock, the lens and the inline answers follow the lock file, and a run uses the
// locked answers without asking again.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ResultDocument } from '../../../engine/run/events';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';

function workspace(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the workbench opened a folder');
  return f.uri.fsPath;
}

async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const lensTitles = async (uri: vscode.Uri) => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).map((l) => l.command?.title ?? '');

describe('AUTO tags in a real workbench', () => {
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
});
