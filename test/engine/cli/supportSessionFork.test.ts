// The session example's walkthrough, as its header comment gives it, with the real CLI (dist/cli.js)
// in a copy of the examples, offline from the committed cassette with no key: two runs of one
// session (the second asked with the first's messages before its own), then `orc fork RUN --at
// answer.2 --replay`, which answers the second run's first turn from its record and asks its second
// turn from the cassette: it reads the session as that run read it, so the request is the recorded
// one, and it adds nothing to the session (nor does a fork at the whole step, or a fork of the
// fork). Also the cassette flags' usage errors on `orc fork`.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint, type AgentStepResult } from '../../../engine/api/index';
import { SqliteSessionStore } from '../../../engine/agent/sessions';
import type { ChatMessage } from '../../../engine/models/provider';
import { orc, ROOT } from '../../helpers/cli';
import { tempDir } from '../../helpers/agentRun';

/** No key, and every provider's address a port where nothing listens: a live call could only fail. */
const OFFLINE = { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
const PIPELINE = 'examples/support-session.pipeline.yaml';
const Q1 = 'How long does a refund take?';
const Q2 = 'And if I paid by bank transfer?';
const A1 = 'Once the returned item reaches our warehouse, a refund to your card takes 5 to 7 business days.';
const A2 = 'Paid by bank transfer, the refund goes back to the account it came from, within 10 business days of the return reaching our warehouse.';

interface Doc {
  execution_id: string;
  status: string;
  outputs: Record<string, unknown>;
  trigger?: unknown;
  steps: { answer: { result: AgentStepResult } };
}

/** The session's messages as the store holds them (role and the user's or the model's text), and those stored before run `runId`'s first one. */
function stored(dir: string, runId: string): { all: [string, string][]; before: number | null } {
  const store = SqliteSessionStore.in(dir);
  const text = (m: ChatMessage): [string, string] => [m.role, m.role === 'user' ? m.content : m.role === 'assistant' ? m.text : ''];
  try {
    return { all: store.load('demo').messages.map(text), before: store.loadBefore('demo', runId)?.messages.length ?? null };
  } finally {
    store.close();
  }
}

describe('the session example: two runs of one session, and a fork of the second at its second turn, offline', function () {
  this.timeout(120_000); // six CLI runs on a busy machine
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const project = () => {
    const dir = tempDir('orc-session-example-');
    dirs.push(dir);
    fs.cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
    return dir;
  };

  it('has no findings', () => {
    const r = orc(['validate', PIPELINE]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, `${PIPELINE}: valid\n`);
  });

  it('orc run --replay twice, then orc fork RUN --at answer.2 --replay: the fork asks the recorded request and adds nothing to the session', () => {
    const dir = project();
    const run = (message: string) => orc(['run', PIPELINE, '--replay', '-i', 'session=demo', '-i', `message=${message}`, '--json'], { cwd: dir, env: OFFLINE });
    const r1 = run(Q1);
    assert.equal(r1.code, 0, r1.stderr);
    const first = JSON.parse(r1.stdout) as Doc;
    assert.deepEqual(first.outputs, { answer: A1 });
    assert.deepEqual(first.steps.answer.result.session, { id: 'demo', loaded: 0, stored: 4 });
    const r2 = run(Q2);
    assert.equal(r2.code, 0, r2.stderr);
    const second = JSON.parse(r2.stdout) as Doc;
    // the stand-in answers the bank transfer only when the refund question comes before it: the request carried run 1's messages
    assert.deepEqual(second.outputs, { answer: A2 });
    assert.deepEqual(second.steps.answer.result.session, { id: 'demo', loaded: 4, stored: 8 });
    assert.equal(second.steps.answer.result.turns, 2);
    // the two runs' messages: run 1's four, then run 2's
    const afterRuns = stored(dir, second.execution_id);
    assert.deepEqual(afterRuns, {
      all: [
        ['user', Q1],
        ['assistant', ''],
        ['tool', ''],
        ['assistant', A1],
        ['user', Q2],
        ['assistant', ''],
        ['tool', ''],
        ['assistant', A2],
      ],
      before: 4,
    });

    const f = orc(['fork', second.execution_id, '--at', 'answer.2', '--replay', '--json'], { cwd: dir, env: OFFLINE });
    assert.equal(f.code, 0, f.stderr);
    const fork = JSON.parse(f.stdout) as Doc;
    assert.match(f.stderr, new RegExp(`^fork ${fork.execution_id} of run ${second.execution_id} at turn 'answer\\.2': 0 step results, and 1 turn of 'answer' from its record\\n`));
    assert.doesNotMatch(f.stderr, /warning/i);
    assert.equal(fork.status, 'completed');
    assert.deepEqual(fork.outputs, second.outputs);
    const res = fork.steps.answer.result;
    assert.deepEqual(res.transcript.map((t) => [t.turn, t.from_record ?? false]), [[1, true], [2, false]]);
    assert.deepEqual(res.tool_calls.map((c) => [c.tool, c.status, c.from_record ?? false]), [['filesystem.read', 'ok', true]]);
    // read as the parent read it (run 1's four messages), and nothing added
    assert.deepEqual(res.session, { id: 'demo', loaded: 4, stored: 8, forked: true, before_run: second.execution_id });
    const trigger = { kind: 'fork', name: `${second.execution_id}@answer.2`, parent: second.execution_id, at: 'answer.2' };
    assert.deepEqual(fork.trigger, trigger);
    assert.deepEqual(loadCheckpoint(dir, fork.execution_id).trigger, trigger);
    assert.deepEqual(stored(dir, second.execution_id), afterRuns);

    // a fork at the step (every turn asked again, the FAQ read again): the same requests, from the cassette
    const whole = orc(['fork', second.execution_id, '--at', 'answer', '--replay', '--json'], { cwd: dir, env: OFFLINE });
    assert.equal(whole.code, 0, whole.stderr);
    const step = (JSON.parse(whole.stdout) as Doc).steps.answer.result;
    assert.equal(step.answer, A2);
    assert.deepEqual(step.transcript.map((t) => [t.turn, t.from_record ?? false]), [[1, false], [2, false]]);
    assert.deepEqual(step.session, { id: 'demo', loaded: 4, stored: 8, forked: true, before_run: second.execution_id });
    assert.deepEqual(stored(dir, second.execution_id), afterRuns);

    // a fork of the fork reads the session as the fork did (the messages before run 2's), and adds nothing either
    const ff = orc(['fork', fork.execution_id, '--at', 'answer.2', '--replay', '--json'], { cwd: dir, env: OFFLINE });
    assert.equal(ff.code, 0, ff.stderr);
    const again = JSON.parse(ff.stdout) as Doc;
    assert.deepEqual(again.outputs, second.outputs);
    assert.deepEqual(again.steps.answer.result.session, { id: 'demo', loaded: 4, stored: 8, forked: true, before_run: second.execution_id });
    assert.deepEqual(stored(dir, second.execution_id), afterRuns);
  });

  it('orc fork takes the cassette flags as orc run does: a usage error names what is wrong, and nothing runs', () => {
    const dir = project();
    const r = orc(['run', PIPELINE, '--replay', '-i', 'session=demo', '-i', `message=${Q1}`, '--json'], { cwd: dir, env: OFFLINE });
    assert.equal(r.code, 0, r.stderr);
    const id = (JSON.parse(r.stdout) as Doc).execution_id;
    const runs = () => fs.readdirSync(path.join(dir, '.orchestrator', 'runs')).sort();
    const before = runs();
    for (const [args, message] of [
      [['--live', 'answer'], '--live goes with --replay'],
      [['--record', '--replay'], '--record and --replay contradict each other'],
      [['--replay-tools'], '--replay-tools goes with --replay'],
      [['--cassette', 'x.jsonl'], '--cassette goes with --record or --replay'],
    ] as const) {
      const u = orc(['fork', id, '--at', 'answer', ...args], { cwd: dir, env: OFFLINE });
      assert.equal(u.code, 2, u.stderr);
      assert.match(u.stderr, new RegExp(message.replace(/[-]/g, '\\-')));
    }
    // --cassette PATH: a cassette that is not there is said before anything runs
    const missing = orc(['fork', id, '--at', 'answer', '--replay', '--cassette', 'none.jsonl'], { cwd: dir, env: OFFLINE });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /The cassette .*none\.jsonl does not exist: record it first/);
    assert.deepEqual(runs(), before);
  });
});
