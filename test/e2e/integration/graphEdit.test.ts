// The graph editor's commands inside a real extension host: each is one edit of the document that one
// Undo takes back, a refused one changes nothing and says why, and a read-only document is refused.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { OrchestratorApi } from '../../../client/api';

const TEXT = `# edited by commands
id: commands
steps:
  - id: a   # first
    action: generate
    parameters: { prompt: "hi" }
  - id: b
    action: generate
    parameters: { prompt: "{{ a.result }}" }
  - id: c
    action: generate
    dependencies: [b]
    parameters: { prompt: "c" }
`;

type Outcome = { made: boolean; summary?: string; reason?: string } | undefined;

describe('graph editing commands in a real workbench', () => {
  let doc: vscode.TextDocument;
  let api: OrchestratorApi;
  before(async () => {
    const file = path.join(workspace(), 'graph-commands.pipeline.yaml');
    fs.writeFileSync(file, TEXT);
    doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const ext = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!;
    api = await until('activation', async () => (ext.isActive ? ext.exports : await ext.activate()));
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('connect is one edit of the document, and one Undo takes it back', async () => {
    const r = await vscode.commands.executeCommand<Outcome>('orchestrator.graph.connect', doc.uri, 'a', 'c');
    assert.deepEqual(r, { made: true, summary: "'c' now depends on 'a'" });
    assert.equal(doc.getText(), TEXT.replace('dependencies: [b]', 'dependencies: [b, a]'));
    assert.deepEqual(api.lastGraphEdit(), r);
    await vscode.commands.executeCommand('undo');
    await until('the undo', () => doc.getText() === TEXT);
  });

  it('a refused edit changes nothing and says why: a cycle named, an implied dependency explained', async () => {
    const cycle = await vscode.commands.executeCommand<Outcome>('orchestrator.graph.connect', doc.uri, 'c', 'a');
    assert.deepEqual(cycle, { made: false, reason: "'a' cannot depend on 'c': that closes the cycle a → b → c → a" });
    const implied = await vscode.commands.executeCommand<Outcome>('orchestrator.graph.disconnect', doc.uri, 'a', 'b');
    assert.deepEqual(implied, { made: false, reason: "'b' reads 'a' in a template (line 9): that dependency is implied by the template, so it goes only when the template stops reading 'a'" });
    assert.equal(doc.getText(), TEXT);
    assert.equal(doc.isDirty, false);
  });

  it('duplicate, reorder and remove from their commands, each undone by one Undo', async () => {
    const steps = ['duplicateStep', 'reorderStep', 'removeStep'] as const;
    const args: Record<(typeof steps)[number], unknown[]> = { duplicateStep: ['c'], reorderStep: ['c', 'b'], removeStep: ['c'] };
    const want: Record<(typeof steps)[number], string> = {
      duplicateStep: TEXT + '  - id: c_2\n    action: generate\n    dependencies: [b]\n    parameters: { prompt: "c" }\n',
      reorderStep: TEXT.replace('  - id: b\n    action: generate\n    parameters: { prompt: "{{ a.result }}" }\n', '').replace('    parameters: { prompt: "c" }\n', '    parameters: { prompt: "c" }\n  - id: b\n    action: generate\n    parameters: { prompt: "{{ a.result }}" }\n'),
      removeStep: TEXT.replace('  - id: c\n    action: generate\n    dependencies: [b]\n    parameters: { prompt: "c" }\n', ''),
    };
    for (const name of steps) {
      const r = await vscode.commands.executeCommand<Outcome>(`orchestrator.graph.${name}`, doc.uri, ...args[name]);
      assert.equal(r?.made, true, `${name}: ${r?.reason}`);
      assert.equal(doc.getText(), want[name], name);
      await vscode.commands.executeCommand('undo');
      await until(`${name} undone`, () => doc.getText() === TEXT);
    }
  });

  it('a read-only document is refused, and left as it is', async () => {
    const files = new Map<string, Uint8Array>([['/ro.pipeline.yaml', new TextEncoder().encode(TEXT)]]);
    const emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
    const provider: vscode.FileSystemProvider = {
      onDidChangeFile: emitter.event,
      watch: () => new vscode.Disposable(() => undefined),
      stat: (u) => ({ type: vscode.FileType.File, ctime: 0, mtime: 0, size: files.get(u.path)?.length ?? 0 }),
      readDirectory: () => [],
      createDirectory: () => undefined,
      readFile: (u) => files.get(u.path) ?? new Uint8Array(),
      writeFile: () => {
        throw vscode.FileSystemError.NoPermissions();
      },
      delete: () => undefined,
      rename: () => undefined,
    };
    const reg = vscode.workspace.registerFileSystemProvider('orcreadonly', provider, { isReadonly: true });
    try {
      const uri = vscode.Uri.parse('orcreadonly:/ro.pipeline.yaml');
      const r = await vscode.commands.executeCommand<Outcome>('orchestrator.graph.connect', uri, 'a', 'c');
      assert.deepEqual(r, { made: false, reason: 'orcreadonly:/ro.pipeline.yaml is read-only: the graph cannot edit it.' });
      assert.equal((await vscode.workspace.openTextDocument(uri)).getText(), TEXT);
    } finally {
      reg.dispose();
    }
  });
});
