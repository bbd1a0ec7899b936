// The built CLI loads Node's built-ins that few commands use when a command first uses them
// (scripts/lazyBuiltins.mjs): a command that runs nothing loads none of them, and a run whose steps
// need them (a terminal command, a model called over HTTP) gets them and the results a user sees.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';
import { CLI, withoutProviderEnv } from '../helpers/cli';
import { LAZY_BUILTINS } from '../../scripts/lazyBuiltins.mjs';

describe("the CLI's lazy built-ins", function () {
  this.timeout(60_000);
  let dir: string;
  let preload: string;
  before(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-builtins-')));
    // Node's own account of its modules, written when the process ends
    preload = path.join(dir, 'account.cjs');
    fs.writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(process.env.ACCOUNT, JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)))));\n`);
    fs.writeFileSync(path.join(dir, 'a.pipeline.yaml'), 'id: a\nsteps:\n  - id: s\n    action: generate\n    parameters: { prompt: hi }\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The built-ins of those made lazy that `node ARGS` loaded, its output to pipes. */
  function lazyLoaded(args: string[]): { status: number | null; loaded: string[] } {
    const account = path.join(dir, 'account.json');
    const r = spawnSync(process.execPath, ['-r', preload, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ACCOUNT: account }, encoding: 'utf8' });
    const loaded = (JSON.parse(fs.readFileSync(account, 'utf8')) as string[]).filter((m) => LAZY_BUILTINS.includes(m));
    return { status: r.status, loaded };
  }

  it('a command that runs nothing (--version, validate, plan) loads none of them that a bare node does not', () => {
    // a bare node that writes to its output, a pipe here, loads `net` for it (its stdout is a socket)
    const bare = lazyLoaded(['-e', 'console.log(1)']).loaded;
    assert.deepEqual(bare, ['net']);
    for (const args of [['--version'], ['validate', 'a.pipeline.yaml'], ['plan', 'a.pipeline.yaml']]) {
      const r = lazyLoaded([CLI, ...args]);
      assert.equal(r.status, 0, `orc ${args.join(' ')}`);
      assert.deepEqual(r.loaded, bare, `orc ${args.join(' ')} loaded ${r.loaded.join(', ')}`);
    }
  });

  it('a run gets each when a step needs it: a terminal command, and a model called over HTTP', async () => {
    const server = await new LoopbackProviders().start();
    try {
      server.responder = () => ({ text: 'the model says hi' });
      fs.writeFileSync(
        path.join(dir, 'b.pipeline.yaml'),
        [
          'id: b',
          'steps:',
          '  - id: shell',
          '    tool: terminal',
          '    action: execute',
          '    parameters: { command: "echo from the shell" }',
          '  - id: ask',
          '    action: generate',
          '    model: openai:gpt-4o-mini',
          '    dependencies: [shell]',
          '    parameters: { prompt: "Say hi" }',
          'outputs:',
          '  shell: "{{ shell.stdout | trim }}"',
          '  said: "{{ ask.result }}"',
          '',
        ].join('\n'),
      );
      const account = path.join(dir, 'account-run.json');
      // (asynchronously: the loopback provider answers from this process)
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['-r', preload, CLI, 'run', 'b.pipeline.yaml', '--json'], { cwd: dir, env: { ...withoutProviderEnv(), NO_COLOR: '1', ACCOUNT: account, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.origin}/v1` }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { status: string; outputs: Record<string, string> };
      assert.deepEqual({ status: doc.status, outputs: doc.outputs }, { status: 'completed', outputs: { shell: 'from the shell', said: 'the model says hi' } });
      assert.equal(server.requests.length, 1);
      const loaded = (JSON.parse(fs.readFileSync(account, 'utf8')) as string[]).filter((m) => LAZY_BUILTINS.includes(m));
      for (const m of ['child_process', 'http']) assert.ok(loaded.includes(m), `the run loaded ${m} (it loaded ${loaded.join(', ')})`);
    } finally {
      await server.stop();
    }
  });
});
