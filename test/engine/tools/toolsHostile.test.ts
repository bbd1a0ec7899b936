// Holes found from outside in the tools (issue 9): a dangling symlink that let a write land outside
// the workspace, steps that deleted the run's own state or the workspace, and shell quoting.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_TOOLS } from '../../../engine/tools/registry';
import type { ToolOutcome } from '../../../engine/toolkit/runtime';
import { toolContext } from '../../helpers/toolContext';

let root: string;
let outside: string;

const run = (tool: string, action: string, params: Record<string, unknown>): Promise<ToolOutcome> => BUILTIN_TOOLS[tool].run(action, params, toolContext(root));

async function rejects(p: Promise<unknown>, errorType: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { errorType?: string }) => {
    assert.equal(e.errorType ?? e.name, errorType);
    assert.match(e.message, message);
    return true;
  });
}

describe('hardening: filesystem paths', function () {
  this.timeout(20_000);
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-ws-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-out-')));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('a symlink to a file that does not exist yet cannot be used to create it outside the workspace', async () => {
    const target = path.join(outside, 'created.txt');
    fs.symlinkSync(target, path.join(root, 'dangling'));
    await rejects(run('filesystem', 'write', { path: 'dangling', content: 'x' }), 'PermissionError', /^Path is a symbolic link to a missing file: dangling$/);
    await rejects(run('filesystem', 'append', { path: 'dangling', content: 'x' }), 'PermissionError', /symbolic link to a missing file/);
    await rejects(run('filesystem', 'copy', { source: 'a.txt', destination: 'dangling' }), 'PermissionError', /symbolic link to a missing file/);
    assert.equal(fs.existsSync(target), false, 'nothing was created outside');
    // a dangling link to a folder that would be created, in the middle of the path
    fs.symlinkSync(path.join(outside, 'nodir'), path.join(root, 'dirlink'));
    await rejects(run('filesystem', 'write', { path: 'dirlink/f.txt', content: 'x' }), 'PermissionError', /symbolic link to a missing file: dirlink\/f\.txt/);
    assert.equal(fs.existsSync(path.join(outside, 'nodir')), false);
  });

  it('a link inside the workspace to a file inside it is still written through', async () => {
    fs.writeFileSync(path.join(root, 'real.txt'), 'old');
    fs.symlinkSync(path.join(root, 'real.txt'), path.join(root, 'alias'));
    const r = await run('filesystem', 'write', { path: 'alias', content: 'new' });
    assert.deepEqual(r, { success: true, result: { path: 'alias', size: 3 } });
    assert.equal(fs.readFileSync(path.join(root, 'real.txt'), 'utf8'), 'new');
    assert.ok(fs.lstatSync(path.join(root, 'alias')).isSymbolicLink());
  });

  it("refuses to change or delete the run's own state, and to delete or move the workspace", async () => {
    fs.mkdirSync(path.join(root, '.orchestrator', 'runs'), { recursive: true });
    fs.writeFileSync(path.join(root, '.orchestrator', 'runs', 'c.json'), '{}');
    await rejects(run('filesystem', 'write', { path: '.orchestrator/runs/c.json', content: 'x' }), 'PermissionError', /^Path is inside the run's own state \(\.orchestrator\/\), which steps may not change: \.orchestrator\/runs\/c\.json$/);
    await rejects(run('filesystem', 'delete', { path: '.orchestrator', recursive: true }), 'PermissionError', /run's own state/);
    await rejects(run('filesystem', 'move', { source: '.orchestrator', destination: 'x' }), 'PermissionError', /run's own state/);
    await rejects(run('filesystem', 'delete', { path: '.', recursive: true }), 'PermissionError', /^Refusing to delete or move the workspace or a folder that holds it: \.$/);
    await rejects(run('filesystem', 'delete', { path: 'sub/..', recursive: true }), 'PermissionError', /Refusing to delete/);
    await rejects(run('filesystem', 'move', { source: '.', destination: 'elsewhere' }), 'PermissionError', /Refusing to delete or move/);
    assert.equal(fs.readFileSync(path.join(root, '.orchestrator', 'runs', 'c.json'), 'utf8'), '{}');
    // reading it is fine, and so is deleting an ordinary folder
    assert.equal((await run('filesystem', 'read', { path: '.orchestrator/runs/c.json' })).success, true);
    fs.mkdirSync(path.join(root, 'tmp'));
    assert.deepEqual(await run('filesystem', 'delete', { path: 'tmp', recursive: true }), { success: true, result: { path: 'tmp', deleted: true } });
  });
});

describe('hardening: YAML tags that would change data silently', function () {
  this.timeout(20_000);
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-ws-')));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('data.parse refuses !!binary, !!set and !!timestamp instead of returning {"0":104,...} or {}', async () => {
    for (const [text, tag] of [['b: !!binary aGVsbG8=', 'binary'], ['s: !!set {a, b}', 'set'], ['t: !!timestamp 2024-01-01', 'timestamp']]) {
      await rejects(run('data', 'parse', { content: text, format: 'yaml' }), 'ParseError', new RegExp(`^Could not parse the yaml: the tag '!!${tag}' is not supported`));
    }
    assert.deepEqual(await run('data', 'parse', { content: 'a: [1, two]\nb: {c: true}', format: 'yaml' }), { success: true, result: { data: { a: [1, 'two'], b: { c: true } } } });
  });

  it('data.parse reads a YAML mapping of 100,000 keys (the duplicate check compared every pair); a later duplicate wins', async () => {
    const content = Array.from({ length: 100_000 }, (_, i) => `k${i}: ${i}`).join('\n') + '\nk0: last';
    const r = await run('data', 'parse', { content, format: 'yaml' });
    const data = (r.result as { data: Record<string, unknown> }).data;
    assert.equal(Object.keys(data).length, 100_000);
    assert.deepEqual([data.k0, data.k99999], ['last', 99999]);
  });
});
