// `orc improve` as a user runs it (node dist/cli.js): the example replayed offline, --apply, the
// flags refused before any call, Ctrl+C; the changed-file refusal of --apply.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, orcAsync, ROOT, withoutProviderEnv } from '../../helpers/cli';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { scriptedTask } from '../../fixtures/improve/scriptedTask';
import { improvePrompts, sha256Text } from '../../../engine/improve/index';
import { applyChosen } from '../../../engine/cli/improveCommand';

const EXAMPLE = path.join(ROOT, 'examples', 'improve');
const BEFORE = 'Summarise this support ticket in a few words.\nTicket {{ ticket_id }}: {{ ticket }}\n';
const AFTER = `${BEFORE}End with the ticket id.\nAnswer in uppercase.\n`;

describe('orc improve (the CLI)', function () {
  // each test starts the built CLI several times (about a second each on a quiet machine)
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'orc-improve-cli-'));
    cpSync(EXAMPLE, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => orcAsync(['improve', 'tickets.eval.yaml', ...args], { cwd: dir, env, isolated: true });

  it('the example: --replay finds the two instructions offline, the same --json byte for byte; --apply writes only the prompt lines', async () => {
    const first = await run(['--replay', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout) as Record<string, unknown>;
    assert.deepEqual(out.steps, { summarise: { before: BEFORE, after: AFTER } });
    assert.deepEqual(out.train, { before: 0, after: 1, before_interval: [0, 0.3903], after_interval: [0.6097, 1], cases: 6 });
    assert.deepEqual(out.validation, { before: 0, after: 1, before_interval: [0, 0.4899], after_interval: [0.5101, 1], cases: 4 });
    assert.deepEqual([out.evals, out.calls, out.stopped, out.chosen, out.refused, out.reflect], [26, 2, 'all-train-passed', 'c2', 0, 'openai:gpt-4o']);
    assert.deepEqual(out.front, [{ id: 'c2', steps: { summarise: AFTER }, train_pass_rate: 1, cost_usd: 0.000084 }]);
    const again = await run(['--replay', '--json']);
    assert.equal(again.stdout, first.stdout);
    assert.equal(readdirSync(path.join(dir, '.orchestrator', 'improve')).length, 2);
    // the text report: the diff, the rates with their intervals, the figures
    const text = await run(['--replay']);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.includes(['--- summarise (before)', '+++ summarise (after)', '@@ -1,2 +1,4 @@', ' Summarise this support ticket in a few words.', ' Ticket {{ ticket_id }}: {{ ticket }}', '+End with the ticket id.', '+Answer in uppercase.'].join('\n')), text.stdout);
    assert.match(text.stdout, /train \(6 cases\): +0\.0% \[0\.0%, 39\.0%\] → 100\.0% \[61\.0%, 100\.0%\]/);
    assert.match(text.stdout, /case runs: 26, reflection calls: 2, cost: \$0\.003564/);
    const pipeline = readFileSync(path.join(dir, 'tickets.pipeline.yaml'), 'utf8');
    const applied = await run(['--replay', '--apply']);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(readFileSync(path.join(dir, 'tickets.pipeline.yaml'), 'utf8'), pipeline.replace('        Ticket {{ ticket_id }}: {{ ticket }}\n', '        Ticket {{ ticket_id }}: {{ ticket }}\n        End with the ticket id.\n        Answer in uppercase.\n'));
    // the eval passes now (replayed: the chosen prompt's calls are in the cassette)
    const evalRun = await orcAsync(['eval', 'tickets.eval.yaml', '--replay'], { cwd: dir, isolated: true });
    assert.equal(evalRun.code, 0, evalRun.stdout + evalRun.stderr);
  });

  it('bad flags and a split with no train case exit 2 before any call, with a clear message', async () => {
    for (const [args, message] of [
      [['--budget-usd', '0'], 'orc: --budget-usd takes an amount over 0 in US dollars (not 0): a search with no money makes no call'],
      [['--max-evals', '-1'], 'orc: --max-evals takes a whole number of case runs of at least 1 (not -1)'],
      [['--validation', '0.95'], 'orc: --validation takes the validation share from 0 to 0.9 (not 0.95)'],
      [['--validation', 'lots'], 'orc: --validation takes a share from 0 to 0.9'],
      [['--record', '--replay'], 'orc: --record and --replay contradict each other'],
    ] as [string[], string][]) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
    }
    writeFileSync(path.join(dir, 'tickets.eval.yaml'), readFileSync(path.join(dir, 'tickets.eval.yaml'), 'utf8').replace(/    ticket_id: /g, '    split: validation\n    ticket_id: ').replace('    split: validation\n    assert', '    assert'));
    const r = await run(['--replay']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /orc: the split leaves no train case \(10 validation cases, --validation 0\.3, --seed 0\)/);
    assert.equal(existsSync(path.join(dir, '.orchestrator', 'improve')), false);
    const help = await orcAsync(['improve', '--help'], { isolated: true });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^orc improve FILE\.eval\.yaml \[--steps ID,\.\.\.\] \[--reflect MODEL\] \[--max-evals N\] \[--budget-usd X\]/);
  });

  it('--apply refuses a pipeline that changed since the search started (exit 1) and a prompt shared through an alias (exit 2), and leaves the file as it is', async () => {
    const r = await improvePrompts({ root: dir, evalFile: path.join(dir, 'tickets.eval.yaml'), cassette: 'replay', env: withoutProviderEnv() });
    const file = path.join(dir, 'tickets.pipeline.yaml');
    const edited = readFileSync(file, 'utf8').replace('# the summary:', '# edited meanwhile. The summary:');
    writeFileSync(file, edited);
    const err: string[] = [];
    assert.equal(applyChosen(r, { out: () => undefined, err: (s) => err.push(s) }), 1);
    assert.equal(readFileSync(file, 'utf8'), edited);
    assert.deepEqual(err, [`orc: --apply: ${file} changed since the search started; it is not overwritten (the chosen prompts are in ${r.dir}/result.json)`]);
    // a prompt shared through an alias is refused as orc edit refuses it (exit 2), the file as it is
    const shared = edited.replace('    parameters:\n      prompt: |\n', '    parameters:\n      prompt: &p |\n').replace('\noutputs:', '\n  - id: again\n    action: generate\n    parameters:\n      prompt: *p\n\noutputs:');
    writeFileSync(file, shared);
    err.length = 0;
    assert.equal(applyChosen({ ...r, pipelineHash: sha256Text(shared) }, { out: () => undefined, err: (s) => err.push(s) }), 2);
    assert.equal(readFileSync(file, 'utf8'), shared);
    assert.match(err[0], /^orc: --apply: The edit would change the value anchored &p \(line \d+\), which the alias \*p also uses \(line \d+\)/);
  });

  it('Ctrl+C stops the search: exit 130, the front on disk', async () => {
    const server = await new LoopbackProviders().start();
    try {
      server.responder = scriptedTask({ delayMs: 150 }).responder;
      const child = spawn(process.execPath, [CLI, 'improve', 'tickets.eval.yaml'], { cwd: dir, env: { ...withoutProviderEnv(), NO_COLOR: '1', OPENAI_API_KEY: 'sk-cli-test', OPENAI_BASE_URL: `${server.origin}/v1` }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          stderr += c;
          // the seed has run: the first reflection is in flight
          if (stderr.includes('  c0: ') && !child.killed) child.kill('SIGINT');
        });
        child.on('close', resolve);
      });
      assert.equal(code, 130, stderr);
      assert.match(stderr, /Interrupted: stopping the running cases; the front is kept in the record/);
      const [id] = readdirSync(path.join(dir, '.orchestrator', 'improve'));
      const front = JSON.parse(readFileSync(path.join(dir, '.orchestrator', 'improve', id, 'front.json'), 'utf8')) as { id: string; steps: Record<string, string> }[];
      assert.deepEqual(front.map((f) => [f.id, f.steps.summarise]), [['c0', BEFORE]]);
      assert.equal(JSON.parse(readFileSync(path.join(dir, '.orchestrator', 'improve', id, 'result.json'), 'utf8')).stopped, 'cancelled');
    } finally {
      await server.stop();
    }
  });
});
