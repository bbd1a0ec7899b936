// `orc eval FILE --against REF` as a pull request's check runs it: a git repository whose main
// holds the pipeline, a working tree that changed its prompt, the loopback OpenAI server through the
// real `openai` SDK. The eval at `main` runs in a temporary worktree, the eval now in the checkout,
// and stdout is the markdown report alone; the user's checkout and worktree list are left as found.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync } from '../../helpers/cli';

const pipeline = (prompt: string) => `id: brief
parameters:
  topic:
    type: string
    required: true
steps:
  - id: outline
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "${prompt}"
outputs:
  summary: "{{ outline.result }}"
`;

const EVAL = `pipeline: brief.pipeline.yaml
cases:
  - id: cats
    topic: cats
  - id: dogs
    topic: dogs
  - id: fish
    topic: fish
assert:
  - output: summary
    contains: "{{ case.topic }}"
threshold: 0.5
`;

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

describe('orc eval --against REF', function () {
  this.timeout(90_000);
  let server: LoopbackProviders;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    server = await new LoopbackProviders().start();
    // the old prompt ("Outline") names its topic back; the new one ("Sketch") forgets dogs and
    // remembers fish, which the old one garbled
    server.responder = (body) => {
      const messages = body.messages as { content: string }[] | undefined;
      if (!messages) return undefined;
      const p = messages[messages.length - 1].content;
      const topic = /(?:Outline|Sketch) (\w+)/.exec(p)?.[1] ?? '';
      if (p.startsWith('Outline')) return { text: topic === 'fish' ? 'Glub.' : `An outline of ${topic}.` };
      return { text: topic === 'dogs' ? 'Woof.' : `A sketch of ${topic}.` };
    };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-eval-against-'));
    git(dir, 'init', '--quiet', '--initial-branch=main');
    git(dir, 'config', 'user.email', 'ci@example.invalid');
    git(dir, 'config', 'user.name', 'CI');
    fs.writeFileSync(path.join(dir, 'brief.pipeline.yaml'), pipeline('Outline {{ topic }}'));
    fs.writeFileSync(path.join(dir, 'brief.eval.yaml'), EVAL);
    git(dir, 'add', '.');
    git(dir, 'commit', '--quiet', '-m', 'the brief');
    // the pull request's change, not yet committed
    fs.writeFileSync(path.join(dir, 'brief.pipeline.yaml'), pipeline('Sketch {{ topic }}'));
    env = { OPENAI_API_KEY: 'sk-test-against', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_MODEL_REGISTRY: '', ORC_JUDGE_MODEL: '' };
  });
  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the markdown comparison alone on stdout: pass rate, cost and latency deltas, the flipped cases, regressions first', async () => {
    const worktreesBefore = git(dir, 'worktree', 'list');
    const r = await orcAsync(['eval', 'brief.eval.yaml', '--against', 'main'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const commit = git(dir, 'rev-parse', 'main').slice(0, 12);
    const report = r.stdout.replace(/\d+ → \d+ ms \| [−+±]\d+ ms/g, 'N → N ms | Δ ms');
    assert.equal(
      report,
      [
        `### Eval \`brief.eval.yaml\`: mixed against \`main\` (${commit})`,
        '',
        '1 pass→fail, 1 fail→pass over 3 cases in both; pass rate 66.7% → 66.7% (±0.0 pts); verdict passed → passed.',
        '',
        '| Variant | Pass rate | Δ | Cost | Δ | Mean latency | Δ |',
        '|---|---:|---:|---:|---:|---:|---:|',
        '| default | 66.7% → 66.7% | ±0.0 pts | $0.000018 → $0.000018 | ±$0.000000 | N → N ms | Δ ms |',
        '',
        '| Case | Variant | Was | Now | Score Δ |',
        '|---|---|---|---|---:|',
        '| 🔴 dogs | default | pass | fail | −1.00 |',
        '| 🟢 fish | default | fail | pass | +1.00 |',
        '',
      ].join('\n'),
    );
    // the progress and both summaries went to stderr
    assert.match(r.stderr, new RegExp(`running brief.eval.yaml as it is at main \\(${commit}\\) in a temporary worktree`));
    assert.match(r.stderr, /at main: 2\/3 passed/);
    // the checkout is as it was: the change still there, no worktree left behind, nothing committed
    assert.equal(git(dir, 'worktree', 'list'), worktreesBefore);
    assert.match(fs.readFileSync(path.join(dir, 'brief.pipeline.yaml'), 'utf8'), /Sketch/);
    assert.equal(git(dir, 'status', '--porcelain', '--untracked-files=no'), 'M brief.pipeline.yaml');
  });

  it('refuses a ref that names no commit, a file missing at the ref, and a folder with no repository, before any call', async () => {
    const calls = server.requests.length;
    const none = await orcAsync(['eval', 'brief.eval.yaml', '--against', 'no-such-branch'], { cwd: dir, env });
    assert.equal(none.code, 2);
    assert.equal(none.stderr.trim().split('\n').pop(), `orc: no commit named 'no-such-branch' in ${fs.realpathSync(dir)}`);
    fs.copyFileSync(path.join(dir, 'brief.eval.yaml'), path.join(dir, 'new.eval.yaml'));
    const missing = await orcAsync(['eval', 'new.eval.yaml', '--against', 'main'], { cwd: dir, env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /orc: new\.eval\.yaml does not exist at main \([0-9a-f]{12}\): nothing to compare with/);
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-eval-against-nogit-'));
    try {
      fs.copyFileSync(path.join(dir, 'brief.eval.yaml'), path.join(bare, 'brief.eval.yaml'));
      fs.copyFileSync(path.join(dir, 'brief.pipeline.yaml'), path.join(bare, 'brief.pipeline.yaml'));
      const nogit = await orcAsync(['eval', 'brief.eval.yaml', '--against', 'main'], { cwd: bare, env: { ...env, GIT_CEILING_DIRECTORIES: path.dirname(bare) } });
      assert.equal(nogit.code, 2);
      assert.match(nogit.stderr, /orc: brief\.eval\.yaml is not in a git repository, so there is no ref to compare with/);
    } finally {
      fs.rmSync(bare, { recursive: true, force: true });
    }
    const mixed = await orcAsync(['eval', 'brief.eval.yaml', '--against', 'main', '--record'], { cwd: dir, env });
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--against compares two fresh evals/);
    assert.equal(server.requests.length, calls, 'no model was called');
  });
});
