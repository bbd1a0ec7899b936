// A past run forked inside a step: at an agent's turn (`STEP.TURN`: the turns before it answered
// from the record — model answers and tool results — so the provider is asked only from TURN on and
// no tool runs again), and at a loop's iteration (`LOOP[I]`, `LOOP[I]/STEP`: the iterations before
// it kept). The fork's record names its parent and fork point; the parent's record keeps its bytes.
// Real SDKs against the loopback provider server; the engine's own run.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, createModelRunner, loadCheckpoint, runPipeline, type AgentStepResult } from '../../../engine/api/index';
import { forkCheckpoint, ForkError, forkPoint, forkSource, forkTurns, type ForkEdits } from '../../../engine/run/fork';
import type { Pipeline } from '../../../engine/spec/types';
import { loopbackEnv, runAgentPipeline, tempDir, turnOf, useLoopback } from '../../helpers/agentRun';
import { orcAsync } from '../../helpers/cli';

const AGENT = `id: scribe
model: openai:gpt-4o-mini
steps:
  - id: scribe
    action: agent
    tools: [filesystem.read, filesystem.write]
    parameters:
      prompt: Copy the first line of in.txt to out.txt.
      stream: false
`;

const LOOP = `id: shout
model: openai:gpt-4o-mini
steps:
  - id: each
    for_each: [a, b, c]
    steps:
      - id: first
        action: generate
        parameters: {prompt: "first {{ item }}", stream: false}
      - id: second
        action: generate
        depends_on: [first]
        parameters: {prompt: "second {{ first.result }}", stream: false}
  - id: total
    action: generate
    depends_on: [each]
    parameters: {prompt: "total {{ each.result | length }}", stream: false}
`;

const LOOP_AGENT = `id: readers
model: openai:gpt-4o-mini
steps:
  - id: each
    for_each: [x, y]
    steps:
      - id: ask
        action: agent
        tools: [filesystem.read]
        parameters:
          prompt: "Read {{ item }}.txt"
          stream: false
`;

/** Every file of a folder with its content's hash: what "untouched" means. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  }
  return out;
}

type Message = { role: string; content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string };
const messagesOf = (body: Record<string, unknown>) => body.messages as Message[];
const lastUser = (body: Record<string, unknown>) => String(messagesOf(body).filter((m) => m.role === 'user').pop()?.content);

describe('orc fork inside a step: at an agent turn and at a loop iteration', function () {
  this.timeout(30_000);
  const srv = useLoopback();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** The scribe's parent run: read in.txt (turn 1), write out.txt (turn 2), answer (turn 3). */
  async function agentParent(): Promise<{ dir: string; id: string }> {
    const dir = tempDir('orc-fork-turn-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'in.txt'), 'first line\nsecond line\n');
    srv.responder = (body) => {
      const turn = turnOf(body);
      if (turn === 0) return { toolCalls: [{ id: 'call_read', name: 'filesystem_read', arguments: { path: 'in.txt' } }] };
      if (turn === 1) return { toolCalls: [{ id: 'call_write', name: 'filesystem_write', arguments: { path: 'out.txt', content: 'first line\n' } }] };
      return { text: `Copied (turn ${turn + 1}).` };
    };
    const { doc } = await runAgentPipeline(srv, dir, AGENT, { checkpoint: true, file: 'scribe.pipeline.yaml' });
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.scribe.error));
    assert.equal(srv.requests.length, 3);
    srv.requests.length = 0;
    return { dir, id: doc.execution_id };
  }

  async function fork(dir: string, id: string, at: string, edits: ForkEdits = {}) {
    const { checkpoint, file, source } = forkSource(dir, id);
    const a = analyze(source) as ReturnType<typeof analyze> & { pipeline: Pipeline };
    const record = forkCheckpoint(checkpoint, a, at, edits);
    const turns = forkTurns(checkpoint, forkPoint(a, at));
    return runPipeline(a, { cwd: dir, pipelineFile: file, source, resume: record, ...(turns ? { forkTurns: turns } : {}), models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }) });
  }

  it('STEP.TURN: the turns before TURN come from the record (no provider call, no tool run), TURN is asked live with the recorded conversation; the parent is untouched', async () => {
    const { dir, id } = await agentParent();
    const before = snapshot(path.join(dir, '.orchestrator', 'runs', id));
    // what the tools would see now differs from the record: a replayed call must not run
    fs.writeFileSync(path.join(dir, 'in.txt'), 'changed since\n');
    fs.rmSync(path.join(dir, 'out.txt'));
    srv.responder = (body) => ({ text: `Forked answer at turn ${turnOf(body) + 1}.` });
    const doc = await fork(dir, id, 'scribe.3');
    assert.equal(doc.status, 'completed');
    // one provider call: turn 3; turns 1 and 2 answered from the record
    assert.equal(srv.requests.length, 1);
    const sent = messagesOf(srv.requests[0].body);
    assert.deepEqual(
      sent.map((m) => [m.role, m.tool_calls?.map((c) => `${c.id}:${c.function.name}`) ?? m.tool_call_id ?? m.content]),
      [
        ['user', 'Copy the first line of in.txt to out.txt.'],
        ['assistant', ['call_read:filesystem_read']],
        ['tool', 'call_read'],
        ['assistant', ['call_write:filesystem_write']],
        ['tool', 'call_write'],
      ],
    );
    // the recorded read, not the file as it is now
    assert.match(String(sent[2].content), /first line/);
    assert.doesNotMatch(String(sent[2].content), /changed since/);
    // the recorded write did not run again
    assert.equal(fs.existsSync(path.join(dir, 'out.txt')), false);
    const r = doc.steps.scribe.result as AgentStepResult;
    assert.equal(r.answer, 'Forked answer at turn 3.');
    assert.equal(r.turns, 3);
    assert.deepEqual(r.transcript.map((t) => [t.turn, t.from_record ?? false, t.tokens_in]), [[1, true, 0], [2, true, 0], [3, false, r.transcript[2].tokens_in]]);
    assert.deepEqual(r.tool_calls.map((c) => [c.id, c.tool, c.status, c.from_record ?? false]), [['call_read', 'filesystem.read', 'ok', true], ['call_write', 'filesystem.write', 'ok', true]]);
    assert.deepEqual(doc.trigger, { kind: 'fork', name: `${id}@scribe.3`, parent: id, at: 'scribe.3' });
    assert.deepEqual(loadCheckpoint(dir, doc.execution_id).trigger, { kind: 'fork', name: `${id}@scribe.3`, parent: id, at: 'scribe.3' });
    assert.deepEqual(snapshot(path.join(dir, '.orchestrator', 'runs', id)), before);
  });

  it('STEP.2: turn 1 from the record, the conversation goes another way live from turn 2 (its tools run)', async () => {
    const { dir, id } = await agentParent();
    srv.responder = (body) => {
      const turn = turnOf(body);
      if (turn === 1) return { toolCalls: [{ id: 'call_other', name: 'filesystem_write', arguments: { path: 'other.txt', content: 'another way\n' } }] };
      return { text: 'Wrote another file.' };
    };
    const doc = await fork(dir, id, 'scribe.2');
    assert.equal(doc.status, 'completed');
    // turns 2 and 3 asked; turn 1 (the read) not
    assert.deepEqual(srv.requests.map((r) => turnOf(r.body)), [1, 2]);
    assert.equal(fs.readFileSync(path.join(dir, 'other.txt'), 'utf8'), 'another way\n');
    const r = doc.steps.scribe.result as AgentStepResult;
    assert.deepEqual(r.tool_calls.map((c) => [c.id, c.from_record ?? false]), [['call_read', true], ['call_other', false]]);
  });

  it('refuses a turn the record cannot answer, and a turn on a step that is no agent, before anything runs', async () => {
    const { dir, id } = await agentParent();
    await assert.rejects(fork(dir, id, 'scribe.4'), (e: Error) => e instanceof ForkError && e.message === "cannot fork at 'scribe.4': agent step 'scribe' took 3 turns with its tools in that run: fork at a turn from 1 to 3");
    await assert.rejects(fork(dir, id, 'scribe.0'), (e: Error) => e instanceof ForkError && e.message === "cannot fork at 'scribe.0': a turn is a whole number from 1: got 0");
    await assert.rejects(fork(dir, id, 'nope.2'), (e: Error) => e instanceof ForkError && e.message === "no top-level step 'nope.2' to fork at: the steps are 'scribe'");
    assert.equal(srv.requests.length, 0);
  });

  /** The loop's parent run: three iterations of first → second, then the total. */
  async function loopParent(): Promise<{ dir: string; id: string }> {
    const dir = tempDir('orc-fork-loop-');
    dirs.push(dir);
    srv.responder = (body) => ({ text: `<${lastUser(body)}>` });
    const { doc } = await runAgentPipeline(srv, dir, LOOP, { checkpoint: true, file: 'shout.pipeline.yaml' });
    assert.equal(doc.status, 'completed');
    assert.equal(srv.requests.length, 7);
    srv.requests.length = 0;
    return { dir, id: doc.execution_id };
  }

  it('LOOP[I]: the iterations before I come from the record, I and after run again, then what follows the loop', async () => {
    const { dir, id } = await loopParent();
    const before = snapshot(path.join(dir, '.orchestrator', 'runs', id));
    srv.responder = (body) => ({ text: `(${lastUser(body)})` });
    const doc = await fork(dir, id, 'each[1]');
    assert.equal(doc.status, 'completed');
    assert.deepEqual(srv.requests.map((r) => lastUser(r.body)), ['first b', 'second (first b)', 'first c', 'second (first c)', 'total 3']);
    assert.deepEqual(doc.steps.each.result, [
      { first: '<first a>', second: '<second <first a>>' },
      { first: '(first b)', second: '(second (first b))' },
      { first: '(first c)', second: '(second (first c))' },
    ]);
    assert.deepEqual(doc.trigger, { kind: 'fork', name: `${id}@each[1]`, parent: id, at: 'each[1]' });
    assert.deepEqual(snapshot(path.join(dir, '.orchestrator', 'runs', id)), before);
  });

  it('LOOP[I]/STEP: that iteration\'s steps before STEP kept too, an edit of one by its key', async () => {
    const { dir, id } = await loopParent();
    srv.responder = (body) => ({ text: `(${lastUser(body)})` });
    const doc = await fork(dir, id, 'each[1]/second', { steps: { 'each[1]/first': 'BEE' } });
    assert.equal(doc.status, 'completed');
    assert.deepEqual(srv.requests.map((r) => lastUser(r.body)), ['second BEE', 'first c', 'second (first c)', 'total 3']);
    assert.deepEqual((doc.steps.each.result as unknown[])[1], { first: 'BEE', second: '(second BEE)' });
    // what runs again cannot be given, nor a step that is not in the body, nor an iteration of a step that is no loop
    await assert.rejects(fork(dir, id, 'each[1]/second', { steps: { 'each[2]/first': 'x' } }), (e: Error) => e instanceof ForkError && /'each\[2\]\/first' runs again in this fork/.test(e.message));
    await assert.rejects(fork(dir, id, 'each[1]/third'), (e: Error) => e instanceof ForkError && e.message === "no step in the body of loop 'each' 'third' to fork at: the steps are 'first', 'second'");
    await assert.rejects(fork(dir, id, 'total[0]'), (e: Error) => e instanceof ForkError && e.message === "'total' is not a loop: 'total[0]' names an iteration of one");
    await assert.rejects(fork(dir, id, 'each/first'), (e: Error) => e instanceof ForkError && e.message === "'each' in 'each/first' must name an iteration of a loop ('each[0]', ...)");
  });

  it('LOOP[I]/STEP.TURN: an agent in a loop forked at a turn of one iteration', async () => {
    const dir = tempDir('orc-fork-loop-turn-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'x.txt'), 'ex');
    fs.writeFileSync(path.join(dir, 'y.txt'), 'why');
    srv.responder = (body) => {
      const file = /Read (\w+\.txt)/.exec(String(messagesOf(body)[0].content))![1];
      return turnOf(body) === 0 ? { toolCalls: [{ id: `call_${file}`, name: 'filesystem_read', arguments: { path: file } }] } : { text: `read ${file}` };
    };
    const { doc: parent } = await runAgentPipeline(srv, dir, LOOP_AGENT, { checkpoint: true, file: 'readers.pipeline.yaml' });
    assert.equal(parent.status, 'completed');
    assert.equal(srv.requests.length, 4);
    srv.requests.length = 0;
    srv.responder = () => ({ text: 'read it again' });
    const doc = await fork(dir, parent.execution_id, 'each[1]/ask.2');
    assert.equal(doc.status, 'completed');
    // iteration 0 kept, iteration 1's first turn from the record: one call, its second turn
    assert.equal(srv.requests.length, 1);
    assert.deepEqual(messagesOf(srv.requests[0].body).map((m) => m.role), ['user', 'assistant', 'tool']);
    assert.match(String(messagesOf(srv.requests[0].body)[2].content), /why/);
    assert.deepEqual((doc.steps.each.result as { ask: AgentStepResult }[]).map((r) => r.ask.answer), ['read x.txt', 'read it again']);
  });

  it('orc fork RUN_ID --at STEP.TURN on the command line: the new run, and what came from the record on stderr', async () => {
    const { dir, id } = await agentParent();
    srv.responder = () => ({ text: 'From the command line.' });
    const r = await orcAsync(['fork', id, '--at', 'scribe.3', '--json'], { cwd: dir, env: loopbackEnv(srv), isolated: true });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { execution_id: string; trigger: unknown; steps: Record<string, { result: AgentStepResult }> };
    assert.deepEqual(doc.trigger, { kind: 'fork', name: `${id}@scribe.3`, parent: id, at: 'scribe.3' });
    assert.equal(doc.steps.scribe.result.answer, 'From the command line.');
    assert.equal(srv.requests.length, 1);
    assert.match(r.stderr, new RegExp(`^fork ${doc.execution_id} of run ${id} at turn 'scribe\\.3': 0 step results, and 2 turns of 'scribe' from its record$`, 'm'));
  });
});
