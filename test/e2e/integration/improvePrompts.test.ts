// Improve Prompts… inside a real extension host, offline: the command (as the lens runs it, with the
// steps, limits and Replay given instead of its questions) searches examples/improve/tickets.eval.yaml
// from its committed cassette (test/fixtures/improve/recordExample.ts recorded it); the panel draws the three
// candidates and the figures; the chosen candidate's diff opens by itself (the pipeline against a
// virtual document with its prompts); another candidate's diff opens on request; Apply writes the
// chosen prompt as one edit (only the prompt's lines change) that one Undo takes back, and is refused
// once the file has changed; the Runs view's record reopens the panel. A live search (on the scripted
// task's loopback server) cancelled keeps what it found on screen and its front on disk.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { scriptedTask } from '../../fixtures/improve/scriptedTask';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { until, workspace } from './helpers';

const PROMPT = '        Summarise this support ticket in a few words.\n        Ticket {{ ticket_id }}: {{ ticket }}\n';
const CHOSEN = `${PROMPT}        End with the ticket id.\n        Answer in uppercase.\n`;

interface State {
  rendered: { points: string[]; chosen: string | null; status: string; summary: string[]; applyEnabled: boolean } | null;
  message: { improveId: string | null; points: { id: string; parent: string | null; train_passed: number; train_cases: number; front: boolean; changed: string[] }[]; chosen: string | null; applied: string[] | null; applyProblem: string | null } | null;
}

const diffTabs = () =>
  vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === 'orchestrator-improve')
    .map((t) => ({ label: t.label, input: t.input as vscode.TabInputTextDiff }));

describe('Improve Prompts…: a search from the cassette, its panel, diffs, and Apply as one undoable edit', () => {
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('searches, shows the front and the chosen diff, applies the prompt lines only; one undo restores the file; a changed file is refused', async () => {
    const evalUri = vscode.Uri.file(path.join(workspace(), 'improve', 'tickets.eval.yaml'));
    const pipelineUri = vscode.Uri.file(path.join(workspace(), 'improve', 'tickets.pipeline.yaml'));
    const doc = await vscode.workspace.openTextDocument(pipelineUri);
    const original = doc.getText();
    assert.ok(original.includes(PROMPT));

    const r = (await vscode.commands.executeCommand('orchestrator.improvePrompts', evalUri.toString(), { steps: ['summarise'], maxEvals: 150, budgetUsd: 1, replay: true })) as { status: string; stopped: string; chosen: string; evals: number; calls: number; train: { before: number; after: number; cases: number }; validation: { before: number; after: number; cases: number } };
    assert.deepEqual(
      { status: r.status, stopped: r.stopped, chosen: r.chosen, evals: r.evals, calls: r.calls, train: [r.train.before, r.train.after, r.train.cases], validation: [r.validation.before, r.validation.after, r.validation.cases] },
      { status: 'done', stopped: 'all-train-passed', chosen: 'c2', evals: 26, calls: 2, train: [0, 1, 6], validation: [0, 1, 4] },
    );

    // the panel, as its page drew it
    const state = await until('the panel to draw the finished search', async () => {
      const s = (await vscode.commands.executeCommand('orchestrator.improvePrompts.state', evalUri)) as State;
      return s.rendered?.status.startsWith('Done') ? s : null;
    });
    assert.deepEqual(state.rendered, {
      points: ['c0', 'c1', 'c2'],
      chosen: 'c2',
      status: 'Done (replayed from the cassette)',
      summary: ['train: 0 % (0 % – 39.0 %) → 100 % (61.0 % – 100 %), 6 cases', 'validation: 0 % (0 % – 49.0 %) → 100 % (51.0 % – 100 %), 4 cases', 'evals 26 of 150 · calls 2 · cost $0.003564', 'stopped: every train case passes (all-train-passed)'],
      applyEnabled: true,
    });
    assert.deepEqual(
      state.message!.points.map((p) => [p.id, p.parent, p.train_passed, p.train_cases, p.front, p.changed]),
      [
        ['c0', null, 0, 6, false, []],
        ['c1', 'c0', 2, 6, false, ['summarise']],
        ['c2', 'c1', 6, 6, true, ['summarise']],
      ],
    );

    // the chosen candidate's diff opened by itself: the file on the left, its prompts written in on the right
    const chosenTab = await until('the chosen candidate’s diff', () => diffTabs().find((t) => t.label.includes('c2')));
    assert.equal(chosenTab.label, 'tickets.pipeline.yaml ↔ c2 (train 100 %), chosen');
    assert.equal(chosenTab.input.original.toString(), pipelineUri.toString());
    assert.equal((await vscode.workspace.openTextDocument(chosenTab.input.modified)).getText(), original.replace(PROMPT, CHOSEN));

    // another candidate's diff (a point clicked in the panel posts the same)
    const c1 = (await vscode.commands.executeCommand('orchestrator.improvePrompts.diff', evalUri, 'c1')) as { left: string; right: string };
    assert.equal(c1.left, pipelineUri.toString());
    const c1Text = (await vscode.workspace.openTextDocument(vscode.Uri.parse(c1.right))).getText();
    const added = c1Text.split('\n').filter((l) => !original.split('\n').includes(l));
    assert.equal(added.length, 1, c1Text);
    assert.match(added[0], /^ {8}(End with the ticket id|Answer in uppercase)\.$/);
    assert.equal(c1Text.replace(`${added[0]}\n`, ''), original);
    assert.ok(diffTabs().some((t) => t.label === 'tickets.pipeline.yaml ↔ c1 (train 33.3 %)'));

    // Apply: one edit of the prompt's lines; the pipeline shown
    const applied = (await vscode.commands.executeCommand('orchestrator.improvePrompts.apply', evalUri)) as { applied: string[] };
    assert.deepEqual(applied, { applied: ['summarise'] });
    assert.equal(doc.getText(), original.replace(PROMPT, CHOSEN), 'only the prompt’s lines changed');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), pipelineUri.toString(), 'Apply shows the pipeline');
    const afterApply = (await vscode.commands.executeCommand('orchestrator.improvePrompts.state', evalUri)) as State;
    assert.deepEqual([afterApply.message!.applied, afterApply.message!.applyProblem], [['summarise'], null]);
    await until('the panel to say it was applied', async () => ((await vscode.commands.executeCommand('orchestrator.improvePrompts.state', evalUri)) as State).rendered?.applyEnabled === false);

    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), original, 'one undo restores the whole edit');

    // the file changed since the search: Apply refuses and writes nothing
    const edit = new vscode.WorkspaceEdit();
    edit.insert(pipelineUri, new vscode.Position(0, 0), '# edited by hand\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const edited = doc.getText();
    const refused = (await vscode.commands.executeCommand('orchestrator.improvePrompts.apply', evalUri)) as { problem: string };
    assert.equal(refused.problem, 'Apply: tickets.pipeline.yaml changed since the search started (unsaved edits); nothing was written. Run Improve Prompts… again on the file as it is now.');
    assert.equal(doc.getText(), edited);
    // the hand edit taken out again (the file as it is on disk)
    const back = new vscode.WorkspaceEdit();
    back.delete(pipelineUri, new vscode.Range(0, 0, 1, 0));
    assert.ok(await vscode.workspace.applyEdit(back));
    assert.equal(doc.getText(), original);
    assert.ok(await doc.save());

    // the record, as the Runs view lists it and reopens it (its eval found from the record's meta.json)
    const opened = (await vscode.commands.executeCommand('orchestrator.improvePrompts.open', { dir: path.join(workspace(), '.orchestrator', 'improve', state.message!.improveId!) })) as { improveId: string };
    assert.equal(opened.improveId, state.message!.improveId);
    const reopened = await until('the reopened record drawn', async () => {
      const s = (await vscode.commands.executeCommand('orchestrator.improvePrompts.state', evalUri)) as State;
      return s.message?.applied === null && s.rendered?.applyEnabled ? s : null;
    });
    assert.deepEqual(reopened.rendered!.points, ['c0', 'c1', 'c2']);
    assert.equal(reopened.rendered!.chosen, 'c2');
    assert.equal(reopened.rendered!.status, 'Done (replayed from the cassette)');
    assert.deepEqual(reopened.rendered!.summary, state.rendered!.summary, 'the record gives the figures the search showed');
  });

  it('Cancel stops a live search: what it found stays on screen and its front on disk; no diff opens by itself', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const provider = new LoopbackProviders();
    await provider.start();
    const task = scriptedTask();
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    // the first reflection is held until the search is cancelled: the seed has been evaluated by then
    provider.responder = (body) => {
      const r = task.responder(body);
      return r && String(body.model) === 'gpt-4o' ? { ...r, holdUntil: held } : r;
    };
    const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
    process.env.OPENAI_BASE_URL = `${provider.origin}/v1`;
    process.env.OPENAI_API_KEY = 'sk-loopback-improve';
    const evalUri = vscode.Uri.file(path.join(workspace(), 'improve', 'tickets.eval.yaml'));
    const state = async () => (await vscode.commands.executeCommand('orchestrator.improvePrompts.state', evalUri)) as State;
    try {
      const running = vscode.commands.executeCommand('orchestrator.improvePrompts', evalUri.toString(), { steps: ['summarise'], maxEvals: 150, budgetUsd: 1, replay: false });
      await until('the seed evaluated and the first reflection asked', async () => task.reflections.length >= 1 && ((await state()).message?.points.length ?? 0) >= 1, 60_000);
      assert.equal(await vscode.commands.executeCommand('orchestrator.improvePrompts.cancel', evalUri), true);
      release();
      const r = (await running) as { improveId: string; status: string; stopped: string };
      assert.deepEqual([r.status, r.stopped], ['cancelled', 'cancelled']);
      const front = JSON.parse(fs.readFileSync(path.join(workspace(), '.orchestrator', 'improve', r.improveId, 'front.json'), 'utf8')) as { id: string }[];
      assert.ok(front.some((f) => f.id === 'c0'), JSON.stringify(front));
      const s = await until('the panel to say it was cancelled', async () => ((await state()).rendered?.status.startsWith('Cancelled') ? state() : null));
      assert.equal(s.rendered!.status, 'Cancelled');
      assert.ok(s.rendered!.points.includes('c0'));
      assert.equal(s.rendered!.summary.at(-1), 'stopped: cancelled; what it found is kept in its record (cancelled)');
      assert.deepEqual(diffTabs(), [], 'no diff opens by itself after a cancel');
      assert.equal(await vscode.commands.executeCommand('orchestrator.improvePrompts.cancel', evalUri), false, 'nothing left to cancel');
    } finally {
      release();
      for (const [name, v] of [['OPENAI_BASE_URL', saved.base], ['OPENAI_API_KEY', saved.key]] as const) {
        if (v === undefined) delete process.env[name];
        else process.env[name] = v;
      }
      await provider.stop();
    }
  });
});
