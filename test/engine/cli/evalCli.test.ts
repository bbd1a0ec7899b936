// `orc eval` as a user runs it (node dist/cli.js in a temporary folder) against the loopback
// OpenAI server through the real `openai` SDK: the table, --json, --junit, --baseline, exit codes,
// `orc evals`, `orc eval add`, bad datasets, and Ctrl-C with --resume.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { CLI, orcAsync, ROOT } from '../../helpers/cli';

const PIPELINE = `id: brief
parameters:
  topic:
    type: string
    required: true
  tone:
    type: string
    default: plain
steps:
  - id: outline
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Outline {{ topic }} in a {{ tone }} tone"
outputs:
  summary: "{{ outline.result }}"
`;

const EVAL = `pipeline: brief.pipeline.yaml
cases:
  - id: cats
    topic: cats
    keyword: cats
  - id: dogs
    topic: dogs
    keyword: dogs
  - id: fish
    topic: fish
    skip: no fish today
variants:
  - name: mini
    models: { "*": openai:gpt-4o-mini }
  - name: formal
    parameters: { tone: formal }
assert:
  - output: summary
    contains: "{{ case.keyword }}"
  - output: summary
    max_length: 400
threshold: 0.9
`;

const ID = /\d{8}-\d{6}-[0-9a-f]{6}/g;
/** Ids and latencies change from run to run; everything else is exact. */
const normal = (s: string) => s.replace(ID, '<ID>').replace(/ {2,}\d+ ms$/gm, '  N ms');

describe('orc eval', function () {
  this.timeout(90_000);
  let server: LoopbackProviders;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  /** What the model answers: by topic and tone, from the prompt. */
  let answer = (prompt: string) => (/dogs in a formal/.test(prompt) ? 'Woof.' : `An outline of ${/Outline (\w+)/.exec(prompt)?.[1]}.`);

  before(async () => {
    server = await new LoopbackProviders().start();
    server.responder = (body) => {
      const messages = body.messages as { content: string }[] | undefined;
      return messages ? { text: answer(messages[messages.length - 1].content) } : undefined;
    };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-eval-cli-'));
    fs.writeFileSync(path.join(dir, 'brief.pipeline.yaml'), PIPELINE);
    fs.writeFileSync(path.join(dir, 'brief.eval.yaml'), EVAL);
    env = { OPENAI_API_KEY: 'sk-test-eval', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_MODEL_REGISTRY: '', ORC_JUDGE_MODEL: '' };
  });
  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const orc = (args: string[], cwd = dir) => orcAsync(args, { cwd, env });

  it('prints a row per case and variant, then each variant with its pass rate and 95 % interval; exit 1 under the threshold', async () => {
    const r = await orc(['eval', 'brief.eval.yaml']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      normal(r.stdout),
      [
        'CASE  VARIANT  RESULT   SCORE         COST    LATENCY',
        'cats  mini     pass      1.00    $0.000006  N ms',
        'cats  formal   pass      1.00    $0.000006  N ms',
        'dogs  mini     pass      1.00    $0.000006  N ms',
        'dogs  formal   FAIL      0.50    $0.000006  N ms',
        '    ✗ output summary contains: "Woof." does not contain "dogs"  (brief.eval.yaml:18)',
        'fish  mini     skipped',
        'fish  formal   skipped',
        '',
        'VARIANT  PASSED            RATE  95% CI           SCORE  TOKENS IN/OUT       COST  JUDGE COST',
        'mini     2/2 +1 skipped  100.0%  [34.2%, 100.0%]   1.00          22/14  $0.000012   $0.000000',
        'formal   1/2 +1 skipped   50.0%  [9.5%, 90.5%]     0.75          22/14  $0.000012   $0.000000',
        '',
        'eval <ID>: 3/4 passed (75.0%), threshold 90.0%: FAILED; cost $0.000024 + judge $0.000000',
        'record: .orchestrator/evals/<ID>/',
        '',
      ].join('\n'),
    );
    assert.equal(r.stderr, 'orc: the pass rate 75.0% is under the threshold 90.0%\n');
  });

  it('--variant and --case narrow it; exit 0 when the pass rate reaches the threshold; unchanged cases come from the step cache', async () => {
    server.requests.length = 0;
    const r = await orc(['eval', 'brief.eval.yaml', '--variant', 'mini', '--case', 'cats', '--case', 'dogs']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(normal(r.stdout).split('\n').slice(0, 3), ['CASE  VARIANT  RESULT   SCORE         COST    LATENCY', 'cats  mini     pass      1.00    $0.000006  N ms', 'dogs  mini     pass      1.00    $0.000006  N ms']);
    assert.match(r.stdout, /^eval \S+: 2\/2 passed \(100\.0%\), threshold 90\.0%: PASSED; cost \$0\.000012 \+ judge \$0\.000000$/m);
    assert.equal(server.requests.length, 0, 'the first eval ran these cases already');
    const unknown = await orc(['eval', 'brief.eval.yaml', '--variant', 'big']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, "orc: no variant 'big' in the eval (variants: mini, formal)\n");
  });

  it('--json prints the whole record, each case linked to its run record; --junit writes JUnit XML', async () => {
    const r = await orc(['eval', 'brief.eval.yaml', '--json', '--junit', 'report.xml']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout);
    const id = doc.eval.eval_id as string;
    assert.ok(fs.existsSync(path.join(dir, '.orchestrator', 'evals', id, 'results.jsonl')));
    // each case's run: a line of the eval's pack, which `orc report` reads as any run
    const packed = fs.readFileSync(path.join(dir, '.orchestrator', 'evals', id, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { run_id: string; result: { execution_id: string } });
    for (const x of doc.results) if (x.run_id) assert.equal(packed.find((p) => p.run_id === x.run_id)?.result.execution_id, x.run_id, x.run_id);
    const withRun = doc.results.find((x: { run_id: string | null }) => x.run_id);
    const report = await orc(['report', withRun.run_id]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, new RegExp(`^Run ${withRun.run_id} of brief: (completed|failed) in `));
    const stable = JSON.parse(normal(JSON.stringify(doc)).replace(/"(started_at|updated_at|ended_at)":"[^"]+"/g, '"$1":"<T>"').replace(/"(latency_ms|mean_latency_ms)":\d+/g, '"$1":0'));
    const row = (c: string, variant: string, pass: boolean, actual: string) => ({
      case: c,
      variant,
      repeat: 0,
      status: pass ? 'pass' : 'fail',
      pass,
      score: pass ? 1 : 0.5,
      run_id: '<ID>',
      run_status: 'completed',
      cost_usd: 0.000006,
      judge_cost_usd: 0,
      tokens_in: 11,
      tokens_out: 7,
      latency_ms: 0,
      assertions: [
        { kind: 'contains', target: 'output summary', line: 17, expected: c, actual, pass, status: pass ? 'pass' : 'fail', score: pass ? 1 : 0, reason: pass ? '' : `"${actual}" does not contain "${c}"` },
        { kind: 'max_length', target: 'output summary', line: 19, expected: '<= 400', actual: actual.length, pass: true, status: 'pass', score: 1, reason: '' },
      ],
    });
    const skipped = (variant: string) => ({ case: 'fish', variant, repeat: 0, cost_usd: 0, judge_cost_usd: 0, tokens_in: 0, tokens_out: 0, latency_ms: 0, status: 'skipped', pass: false, score: 0, run_id: null, run_status: null, error: 'no fish today', assertions: [] });
    const variant = (name: string, passed: number, interval: { low: number; high: number }, score: number) => ({ variant: name, total: 2, passed, failed: 2 - passed, errors: 0, skipped: 1, pass_rate: passed / 2, interval, mean_score: score, tokens_in: 22, tokens_out: 14, cost_usd: 0.000012, judge_cost_usd: 0, mean_latency_ms: 0 });
    assert.deepEqual(stable, {
      eval: {
        format: 1,
        eval_id: '<ID>',
        eval_file: 'brief.eval.yaml',
        eval_sha256: doc.eval.eval_sha256,
        pipeline_file: 'brief.pipeline.yaml',
        pipeline_id: 'brief',
        status: 'completed',
        started_at: '<T>',
        updated_at: '<T>',
        ended_at: '<T>',
        only_variants: [],
        only_cases: [],
        variants: ['mini', 'formal'],
        repeat: 1,
        threshold: 0.9,
        planned: 6,
        summary: {
          total: 4,
          passed: 3,
          pass_rate: 0.75,
          threshold: 0.9,
          verdict: 'failed',
          variants: [variant('mini', 2, { low: 0.34238, high: 1 }, 1), variant('formal', 1, { low: 0.094531, high: 0.905469 }, 0.75)],
          cost_usd: 0.000024,
          judge_cost_usd: 0,
        },
      },
      results: [row('cats', 'mini', true, 'An outline of cats.'), row('cats', 'formal', true, 'An outline of cats.'), row('dogs', 'mini', true, 'An outline of dogs.'), row('dogs', 'formal', false, 'Woof.'), skipped('mini'), skipped('formal')],
    });
    const xml = fs.readFileSync(path.join(dir, 'report.xml'), 'utf8').replace(/time="[\d.]+"/g, 'time="T"').replace(ID, '<ID>');
    assert.equal(
      xml,
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="brief" tests="6" failures="1" errors="0" skipped="2" time="T">',
        '  <testsuite name="brief [mini]" tests="3" failures="0" errors="0" skipped="1" time="T">',
        '    <testcase classname="brief.mini" name="cats" time="T"/>',
        '    <testcase classname="brief.mini" name="dogs" time="T"/>',
        '    <testcase classname="brief.mini" name="fish" time="T">',
        '      <skipped message="no fish today"/>',
        '    </testcase>',
        '  </testsuite>',
        '  <testsuite name="brief [formal]" tests="3" failures="1" errors="0" skipped="1" time="T">',
        '    <testcase classname="brief.formal" name="cats" time="T"/>',
        '    <testcase classname="brief.formal" name="dogs" time="T">',
        '      <failure message="output summary contains: &quot;Woof.&quot; does not contain &quot;dogs&quot;" type="contains">expected: dogs',
        'actual: Woof.',
        'line: 18</failure>',
        '      <system-out>run: .orchestrator/runs/<ID>/</system-out>',
        '    </testcase>',
        '    <testcase classname="brief.formal" name="fish" time="T">',
        '      <skipped message="no fish today"/>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it("a password the user's connections file names is redacted in every case's run, read once for the eval's runs", async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'secrets-'));
    const secret = 'wh-s3cret-value-42';
    fs.writeFileSync(path.join(sub, 'connections.json'), JSON.stringify({ connections: { warehouse: { url: 'postgres://app@127.0.0.1/wh', password_env: 'ORC_TEST_WAREHOUSE_PW' } } }));
    fs.writeFileSync(path.join(sub, 'leak.pipeline.yaml'), 'id: leak\nparameters:\n  n: {type: integer}\nsteps:\n  - id: say\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo case {{ n }} pw=$ORC_TEST_WAREHOUSE_PW"\noutputs:\n  said: "{{ say.result.stdout }}"\n');
    fs.writeFileSync(path.join(sub, 'leak.eval.yaml'), 'pipeline: leak.pipeline.yaml\ncases:\n  - {id: one, n: 1}\n  - {id: two, n: 2}\nassert:\n  - output: said\n    contains: "pw="\n');
    // the variable's name is no secret's by itself (not *_PASSWORD): only the connections file makes it one
    const r = await orcAsync(['eval', 'leak.eval.yaml', '--json'], { cwd: sub, env: { ...env, ORC_CONNECTIONS_CONFIG: path.join(sub, 'connections.json'), ORC_TEST_WAREHOUSE_PW: secret } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the secret is printed nowhere');
    const id = JSON.parse(r.stdout).eval.eval_id as string;
    const runs = fs.readFileSync(path.join(sub, '.orchestrator', 'evals', id, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { result: { outputs: { said: string } } });
    assert.deepEqual(runs.map((x) => x.result.outputs.said.trim()).sort(), ['case 1 pw=[redacted: ORC_TEST_WAREHOUSE_PW]', 'case 2 pw=[redacted: ORC_TEST_WAREHOUSE_PW]']);
    for (const f of fs.readdirSync(path.join(sub, '.orchestrator', 'evals', id))) assert.ok(!fs.readFileSync(path.join(sub, '.orchestrator', 'evals', id, f), 'utf8').includes(secret), f);
  });

  it('--baseline: which cases flipped, score and cost deltas, and the verdict line', async () => {
    const before = await orc(['eval', 'brief.eval.yaml', '--variant', 'formal', '--json']);
    const baselineId = JSON.parse(before.stdout).eval.eval_id as string;
    // the model changed its mind: dogs in a formal tone now passes, cats fails
    const old = answer;
    answer = (prompt) => (/cats/.test(prompt) ? 'Meow.' : `An outline of ${/Outline (\w+)/.exec(prompt)?.[1]}.`);
    try {
      const r = await orc(['eval', 'brief.eval.yaml', '--variant', 'formal', '--no-cache', '--baseline', baselineId]);
      assert.equal(r.code, 1);
      const lines = r.stdout.split('\n');
      assert.deepEqual(lines.slice(lines.indexOf(`baseline ${baselineId}`)), [
        `baseline ${baselineId}`,
        '  cats [formal]: pass→fail, score 1.00 → 0.50, cost +$0.000000',
        '  dogs [formal]: fail→pass, score 0.50 → 1.00, cost +$0.000000',
        '  variant formal: pass rate 50.0% → 50.0%, cost $0.000012 → $0.000012',
        `against ${baselineId}: 1 pass→fail, 1 fail→pass over 2 cases; pass rate 50.0% → 50.0% (+0.0 points); cost $0.000012 → $0.000012: mixed (some better, some worse)`,
        '',
      ]);
      // the same answers again (from the model, not the cache, which holds the first answers): nothing flips
      const latest = await orc(['eval', 'brief.eval.yaml', '--variant', 'formal', '--no-cache', '--baseline', 'latest', '--json']);
      const cmp = JSON.parse(latest.stdout).baseline;
      assert.deepEqual([cmp.regressions, cmp.fixed, cmp.verdict], [0, 0, 'same']);
      const none = await orc(['eval', 'brief.eval.yaml', '--baseline', 'nope']);
      assert.equal(none.code, 2);
      assert.equal(none.stderr, "orc: No eval 'nope' in .orchestrator/evals; nothing ran\n");
    } finally {
      answer = old;
    }
  });

  it('orc evals lists the evals, newest first', async () => {
    const r = await orc(['evals']);
    assert.equal(r.code, 0);
    const lines = normal(r.stdout).split('\n');
    assert.equal(lines[0], `${'EVAL'.padEnd(22)}  FILE             STATUS     STARTED (UTC)        PASSED  RATE    VERDICT  COST`);
    assert.match(lines[1], /^<ID>  brief\.eval\.yaml  completed  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  1\/2     50\.0%   failed   \$0\.000012$/);
    const json = JSON.parse((await orc(['evals', '--json'])).stdout);
    assert.equal(json.length, lines.filter((l) => l.startsWith('<ID>')).length);
  });

  it('an eval that does not compile exits 2 with its findings; nothing runs', async () => {
    fs.writeFileSync(path.join(dir, 'broken.eval.yaml'), 'pipeline: brief.pipeline.yaml\ncases:\n  - topic: x\nassert:\n  - output: summry\n    contains: x\n');
    server.requests.length = 0;
    const r = await orc(['eval', 'broken.eval.yaml']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      [
        "broken.eval.yaml:5:13: error eval.unknown-output The pipeline has no output 'summry'. Did you mean 'summary'? Its outputs: summary.",
        '    5 |   - output: summry',
        '      |             ^~~~~~',
        'broken.eval.yaml: the eval does not compile (1 error); nothing ran',
        '',
      ].join('\n'),
    );
    assert.equal(server.requests.length, 0);
  });

  it('a dataset with a broken line, or a case without a required parameter, is refused before any call (exit 2)', async () => {
    fs.writeFileSync(path.join(dir, 'cases.jsonl'), '{"id": "a", "topic": "cats"}\n{"id": "b", "topic": "dogs"}\n{"id": "c", topic: fish}\n');
    fs.writeFileSync(path.join(dir, 'file.eval.yaml'), 'pipeline: brief.pipeline.yaml\ncases: cases.jsonl\nassert:\n  - contains: outline\n');
    server.requests.length = 0;
    const broken = await orc(['eval', 'file.eval.yaml']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /^orc: cases\.jsonl:3: not JSON \(.+\)\n$/);
    fs.writeFileSync(path.join(dir, 'cases.jsonl'), '{"id": "a", "topic": "cats"}\n{"id": "b", "tone": "dry"}\n');
    const missing = await orc(['eval', 'file.eval.yaml']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, "orc: the cases are not all runnable; nothing ran:\n  case 'b' (cases.jsonl:2): Missing required input 'topic'\n");
    assert.equal(server.requests.length, 0);
  });

  it('orc eval add appends a run as a case; with --expect, its outputs as expected values', async () => {
    fs.writeFileSync(path.join(dir, 'add.eval.yaml'), 'pipeline: brief.pipeline.yaml\ncases:\n  - id: cats\n    topic: cats\nassert:\n  - contains: outline\n');
    const run = await orc(['run', 'brief.pipeline.yaml', '-i', 'topic=birds', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const runId = JSON.parse(run.stdout).execution_id as string;
    const r = await orc(['eval', 'add', 'add.eval.yaml', runId, '--expect']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `added case '${runId}' to add.eval.yaml with its outputs as expected values\n`);
    assert.equal(
      fs.readFileSync(path.join(dir, 'add.eval.yaml'), 'utf8'),
      `pipeline: brief.pipeline.yaml\ncases:\n  - id: cats\n    topic: cats\n  - id: ${runId}\n    topic: birds\n    tone: plain\n    assert:\n      - output: summary\n        equals: An outline of birds.\nassert:\n  - contains: outline\n`,
    );
    const again = await orc(['eval', 'add.eval.yaml']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    // into a .jsonl dataset: a line with the inputs and an `expected` column
    fs.writeFileSync(path.join(dir, 'cases.jsonl'), '{"id": "a", "topic": "cats"}');
    const intoFile = await orc(['eval', 'add', 'file.eval.yaml', runId, '--expect']);
    assert.equal(intoFile.code, 0, intoFile.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'cases.jsonl'), 'utf8'), `{"id": "a", "topic": "cats"}\n{"id":"${runId}","topic":"birds","tone":"plain","expected":{"summary":"An outline of birds."}}\n`);
    const unknownRun = await orc(['eval', 'add', 'add.eval.yaml', 'nope']);
    assert.equal(unknownRun.code, 2);
  });

  it('orc eval add fills a fresh eval\'s `cases: []`, and leaves out a run\'s live `session` (the case starts its own conversation)', async () => {
    // issue 72 item 11: `cases: []` was refused ("write them as a block list"), and a harvested case kept
    // the conversation's session, so every eval run added turns to a real conversation
    fs.writeFileSync(path.join(dir, 'chat.pipeline.yaml'), 'id: chat\nparameters:\n  question: {type: string, required: true}\n  session: {type: string}\nsteps:\n  - id: echo\n    tool: data\n    action: convert\n    parameters: {data: "{{ question }}", format: json}\noutputs:\n  said: "{{ question }}"\n');
    fs.writeFileSync(path.join(dir, 'chat.eval.yaml'), 'pipeline: chat.pipeline.yaml\ncases: []  # harvested from service\nassert:\n  - contains: hi\n');
    const run = await orc(['run', 'chat.pipeline.yaml', '-i', 'question=hi there', '-i', 'session=a2a-live-conversation-7', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const runId = JSON.parse(run.stdout).execution_id as string;
    const r = await orc(['eval', 'add', 'chat.eval.yaml', runId]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'chat.eval.yaml'), 'utf8'), `pipeline: chat.pipeline.yaml\ncases: # harvested from service\n  - id: ${runId}\n    question: hi there\nassert:\n  - contains: hi\n`);
    const ran = await orc(['eval', 'chat.eval.yaml']);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  });

  it('--record writes every model call to NAME.cassette.jsonl; --replay answers from it with no network and no key; a miss fails the case, never a live call', async () => {
    const recorded = await orc(['eval', 'brief.eval.yaml', '--variant', 'mini', '--record']);
    assert.equal(recorded.code, 0, recorded.stderr);
    const tape = fs.readFileSync(path.join(dir, 'brief.cassette.jsonl'), 'utf8');
    assert.deepEqual(tape.trim().split('\n').map((l) => JSON.parse(l).request.prompt).sort(), ['Outline cats in a plain tone', 'Outline dogs in a plain tone']);
    assert.ok(!tape.includes('sk-test-eval'), 'no key in the cassette');
    const calls = server.requests.length;
    const offline = { ...env, OPENAI_API_KEY: '', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
    const replayed = await orcAsync(['eval', 'brief.eval.yaml', '--variant', 'mini', '--replay'], { cwd: dir, env: offline });
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.deepEqual(normal(replayed.stdout).split('\n').slice(0, 3), normal(recorded.stdout).split('\n').slice(0, 3));
    assert.match(replayed.stdout, /^eval \S+: 2\/2 passed \(100\.0%\)/m);
    // the formal variant's prompts were never recorded
    const missed = await orcAsync(['eval', 'brief.eval.yaml', '--variant', 'formal', '--case', 'cats', '--replay'], { cwd: dir, env: offline });
    assert.equal(missed.code, 1);
    assert.match(missed.stdout, /^    ✗ output summary contains: output 'summary' was not produced \(the run failed at step 'outline': .*cassette/m);
    assert.equal(server.requests.length, calls, 'a replay calls nothing');
    const none = await orcAsync(['eval', 'brief.eval.yaml', '--replay', '--cassette', 'nothere.jsonl'], { cwd: dir, env: offline });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^orc: The cassette nothere\.jsonl does not exist: record it first/m);
    const both = await orc(['eval', 'brief.eval.yaml', '--record', '--replay']);
    assert.deepEqual([both.code, both.stderr.split('\n')[0]], [2, 'orc: --record and --replay contradict each other']);
  });

  it('the example LLM eval replays offline from the cassette kept beside it', async () => {
    const ex = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-eval-example-'));
    try {
      for (const f of ['summarize.pipeline.yaml', 'summarize.eval.yaml', 'summarize.cassette.jsonl']) fs.copyFileSync(path.join(ROOT, 'examples', f), path.join(ex, f));
      const r = await orcAsync(['eval', 'summarize.eval.yaml', '--replay'], { cwd: ex, env: { OPENAI_API_KEY: '', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^eval \S+: 4\/4 passed \(100\.0%\), threshold 90\.0%: PASSED; cost \$0\.001166 \+ judge \$0\.000180$/m);
    } finally {
      fs.rmSync(ex, { recursive: true, force: true });
    }
  });

  it('Ctrl-C keeps the finished cases; --resume runs the rest', async () => {
    const rows = Array.from({ length: 8 }, (_, i) => JSON.stringify({ id: `k${i}`, topic: `topic${i}` })).join('\n');
    fs.writeFileSync(path.join(dir, 'slow.jsonl'), rows + '\n');
    fs.writeFileSync(path.join(dir, 'slow.eval.yaml'), 'pipeline: brief.pipeline.yaml\ncases: slow.jsonl\nassert:\n  - contains: outline\n');
    server.fallback = {};
    const old = server.responder;
    server.responder = () => ({ text: 'An outline.', delayMs: 400 });
    try {
      const child = spawn(process.execPath, [CLI, 'eval', 'slow.eval.yaml', '--max-parallel', '1'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (c: Buffer) => {
          stdout += c;
          if ((stdout.match(/^k\d /gm) ?? []).length >= 2) resolve();
        }),
      );
      child.kill('SIGINT');
      assert.equal(await exited, 130, stderr);
      const kept = (stdout.match(/^k\d /gm) ?? []).length;
      assert.ok(kept >= 2 && kept < 8, `${kept} cases finished before the interrupt`);
      assert.match(stderr, new RegExp(`eval \\S+ cancelled: ${kept} of 8 case runs finished and kept; 'orc eval slow\\.eval\\.yaml --resume' runs the rest`));
      server.responder = () => ({ text: 'An outline.' });
      const r = await orc(['eval', 'slow.eval.yaml', '--resume']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^resuming eval \\S+: ${kept} of 8 case runs kept, ${8 - kept} to run$`, 'm'));
      assert.equal((r.stdout.match(/^k\d /gm) ?? []).length, 8 - kept);
      assert.match(r.stdout, /^eval \S+: 8\/8 passed \(100\.0%\)/m);
      const id = /^eval (\S+):/m.exec(r.stdout)![1];
      const lines = fs.readFileSync(path.join(dir, '.orchestrator', 'evals', id, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).case as string);
      assert.deepEqual([...lines].sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    } finally {
      server.responder = old;
    }
  });
});
