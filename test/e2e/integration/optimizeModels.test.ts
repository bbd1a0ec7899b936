// Optimize Models… inside a real extension host, offline: the command (as the lens runs it, with the
// models and Replay given instead of its quick picks) searches examples/optimize from its committed
// cassette, and Apply writes the chosen models into the pipeline as one edit: only model lines
// change, and one Undo restores the file's text.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { workspace } from './helpers';

const MODELS = ['openai:gpt-4o', 'openai:gpt-4o-mini', 'openai:gpt-4.1-mini'];
const CHOSEN = { extract: 'openai:gpt-4o-mini', reason: 'openai:gpt-4.1-mini', write: 'openai:gpt-4.1-mini' };

describe('Optimize Models…: search from the cassette, Apply as one undoable edit', () => {
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('finds the cheapest passing assignment, applies it to the model lines only, and one undo takes it back', async () => {
    const evalUri = vscode.Uri.file(path.join(workspace(), 'optimize', 'support.eval.yaml'));
    const pipelineUri = vscode.Uri.file(path.join(workspace(), 'optimize', 'support.pipeline.yaml'));
    const doc = await vscode.workspace.openTextDocument(pipelineUri);
    const original = doc.getText();

    const r = (await vscode.commands.executeCommand('orchestrator.optimizeModels', evalUri.toString(), { models: MODELS, replay: true })) as { status: string; chosen: Record<string, string>; runsUsed: number; bruteForceRuns: number; trials: number };
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.chosen, CHOSEN);
    assert.equal(r.bruteForceRuns, 27 * 4);
    assert.ok(r.runsUsed < r.bruteForceRuns / 2, `${r.runsUsed} runs of ${r.bruteForceRuns}`);
    assert.ok(r.trials >= 2);

    const applied = (await vscode.commands.executeCommand('orchestrator.applyOptimizedModels', evalUri)) as { changed: string[] };
    assert.deepEqual(applied.changed, ['extract: openai:gpt-4o → openai:gpt-4o-mini (line 18)', 'reason: openai:gpt-4o → openai:gpt-4.1-mini (line 25)', 'write: openai:gpt-4o → openai:gpt-4.1-mini (line 32)']);
    const after = doc.getText().split('\n');
    const before = original.split('\n');
    assert.deepEqual([after[17], after[24], after[31]], ['    model: openai:gpt-4o-mini', '    model: openai:gpt-4.1-mini', '    model: openai:gpt-4.1-mini']);
    assert.deepEqual([...after.slice(0, 17), ...after.slice(18, 24), ...after.slice(25, 31), ...after.slice(32)], [...before.slice(0, 17), ...before.slice(18, 24), ...before.slice(25)], 'every other line as it was');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), pipelineUri.toString(), 'Apply shows the pipeline');

    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), original, 'one undo restores the whole edit');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
