// Agent steps on `orc worker`s: an agent whose tools a worker has runs there, with the same result
// as a local run and the same lines on the coordinator's stderr (its turns and calls come back as
// progress); one that needs the coordinator (a call to approve) stays there; a job whose named
// agents were changed on the way is refused. Redis is Debian's redis-server on a free port; the
// provider is the loopback OpenAI server, and the worker and the coordinator have keys of their
// own, so the requests say which of them made each call.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orcAsync } from '../../helpers/cli';
import { RedisServer, WorkerProcess } from '../../helpers/redisServer';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { turnOf } from '../../helpers/agentRun';
import { call, stepLines, timeless, triageLines, TRIAGE_PIPELINE, triageResponder } from '../../fixtures/agents/cliTriage';
import { attemptOf, jobOf, QueueClient } from '../../helpers/queueClient';
import { analyze } from '../../../engine/analyze/index';
import { sha256 } from '../../../engine/run/checkpointStore';
import { runsOnWorker } from '../../../engine/distributed/coordinator';
import { DEFAULT_QUEUE, publishedStepsKey, resultsKey, stepDigest, type StepJobResult } from '../../../engine/distributed/protocol';
import type { AgentStepResult, ResultDocument } from '../../../engine/api/index';
import type { NamedAgent } from '../../../engine/spec/types';

const WORKER_KEY = 'sk-loopback-worker-0001';
const COORDINATOR_KEY = 'sk-loopback-coordinator-0001';
const PIPELINE = TRIAGE_PIPELINE;
const triage = triageResponder('# Report\nThree bugs.');

const keyOf = (q: { headers: Record<string, unknown> }) => String(q.headers.authorization ?? '');

describe('agent steps on orc worker', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let srv: LoopbackProviders;
  let base: string;
  let worker: WorkerProcess;

  before(async function () {
    this.timeout(600_000); // the first run may install redis-server
    redis = await RedisServer.start();
    srv = await new LoopbackProviders().start();
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-dist-agent-')));
    worker = await WorkerProcess.start(redis.url, { cwd: base, root: base, env: { OPENAI_API_KEY: WORKER_KEY, OPENAI_BASE_URL: `${srv.origin}/v1`, ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: '' } });
  });
  after(async () => {
    await worker?.kill();
    await redis?.stop();
    await srv?.stop();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });
  beforeEach(() => {
    srv.requests.length = 0;
    srv.responder = null;
  });

  it('runs on a worker: the same step result as a local run, and the same lines on stderr', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'triage-'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'three bugs: a, b, c');
    fs.writeFileSync(path.join(dir, 'triage.pipeline.yaml'), PIPELINE);
    srv.responder = triage;
    const local = await orcAsync(['run', 'triage.pipeline.yaml', '--json'], { cwd: dir, isolated: true, env: { OPENAI_API_KEY: COORDINATOR_KEY, OPENAI_BASE_URL: `${srv.origin}/v1` } });
    assert.equal(local.code, 0, local.stderr);
    assert.equal(srv.requests.length, 6);
    fs.rmSync(path.join(dir, 'report.md'));
    srv.requests.length = 0;

    // the coordinator has no key: every model call is the worker's
    const remote = await orcAsync(['run', 'triage.pipeline.yaml', '--json', '--redis', redis.url], { cwd: dir, isolated: true });
    assert.equal(remote.code, 0, remote.stderr);
    assert.deepEqual(srv.requests.map(keyOf), Array(6).fill(`Bearer ${WORKER_KEY}`));
    const [l, r] = [JSON.parse(local.stdout), JSON.parse(remote.stdout)] as ResultDocument[];
    assert.ok(await worker.says(new RegExp(`${r.execution_id} triage \\(attempt 1\\): done in \\d+ ms`)), worker.log);
    assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), '# Report\nThree bugs.');
    assert.deepEqual(timeless(r.steps.triage), timeless(l.steps.triage));
    assert.deepEqual(r.outputs, { answer: 'Wrote report.md' });
    const res = r.steps.triage.result as AgentStepResult;
    assert.deepEqual(res.tool_calls.map((c) => [c.tool, c.status]), [['filesystem.read', 'error'], ['shell_exec', 'refused'], ['agent:summarizer', 'ok'], ['filesystem.write', 'ok']]);
    assert.deepEqual([r.steps.triage.tokens_in, r.steps.triage.tokens_out, res.tokens_in, res.tokens_out], [111, 23, 111, 23]);
    // the worker's turns and calls reached the coordinator's listeners: its progress lines
    const lines = stepLines(remote.stderr, 'triage');
    assert.deepEqual(lines, stepLines(local.stderr, 'triage'));
    assert.deepEqual(lines, triageLines('  ↳ filesystem.write {"path":"report.md","content":"# Report\\nThree bugs."} T'));
  });

  it('an agent stopped at its limit on a worker fails its step with the loop so far as its result, as locally', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'limit-'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'three bugs: a, b, c');
    fs.writeFileSync(
      path.join(dir, 'limit.pipeline.yaml'),
      `id: limit
model: openai:gpt-4o-mini
steps:
  - id: reader
    action: agent
    max_turns: 1
    tools: [filesystem.read]
    parameters:
      prompt: Read notes.txt forever
`,
    );
    srv.responder = () => ({ toolCalls: [call('filesystem_read', { path: 'notes.txt' })], tokensIn: 7, tokensOut: 2 });
    const local = await orcAsync(['run', 'limit.pipeline.yaml', '--json'], { cwd: dir, isolated: true, env: { OPENAI_API_KEY: COORDINATOR_KEY, OPENAI_BASE_URL: `${srv.origin}/v1` } });
    const remote = await orcAsync(['run', 'limit.pipeline.yaml', '--json', '--redis', redis.url], { cwd: dir, isolated: true });
    assert.equal(local.code, 1, local.stderr);
    assert.equal(remote.code, 1, remote.stderr);
    const [l, r] = [JSON.parse(local.stdout), JSON.parse(remote.stdout)] as ResultDocument[];
    assert.equal(r.steps.reader.error_type, 'AgentLimitError');
    assert.equal(r.steps.reader.error, "Agent step 'reader' stopped at its limit: max_turns (1 model call) reached before it answered (1 turn, 1 tool call, 9 tokens, $0.0000)");
    const partial = r.steps.reader.result as AgentStepResult;
    assert.deepEqual([partial.stop_reason, partial.turns, partial.tool_calls.map((c) => c.status)], ['max_turns', 1, ['refused']]);
    assert.deepEqual(timeless(r.steps.reader), timeless(l.steps.reader));
  });

  it('an agent with a call to approve runs on the coordinator, which has the person to ask', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'gated-'));
    fs.writeFileSync(
      path.join(dir, 'gated.pipeline.yaml'),
      `id: gated
model: openai:gpt-4o-mini
steps:
  - id: gated
    action: agent
    tools: [{filesystem.write: {approve: true}}]
    parameters:
      prompt: Write report.md
`,
    );
    srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [call('filesystem_write', { path: 'report.md', content: 'x' })] } : { text: 'Not written.' });
    const r = await orcAsync(['run', 'gated.pipeline.yaml', '--json', '--redis', redis.url, '-i', 'gated=deny'], { cwd: dir, isolated: true, env: { OPENAI_API_KEY: COORDINATOR_KEY, OPENAI_BASE_URL: `${srv.origin}/v1` } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(srv.requests.map(keyOf), [`Bearer ${COORDINATOR_KEY}`, `Bearer ${COORDINATOR_KEY}`]);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    const c = (doc.steps.gated.result as AgentStepResult).tool_calls[0];
    assert.deepEqual([c.status, c.error], ['denied', 'The call was denied by the person running the pipeline (-i gated=deny).']);
    assert.equal(fs.existsSync(path.join(dir, 'report.md')), false);
    assert.doesNotMatch(worker.log, new RegExp(`${doc.execution_id} gated`));
  });

  it("a job whose named agents were changed on the way is refused: the step's digest covers them", async () => {
    const q = await QueueClient.open(redis.port);
    try {
      const pipeline = analyze(PIPELINE).pipeline!;
      const sha = sha256(PIPELINE);
      const step = pipeline.steps[0];
      const agents = pipeline.agents!;
      await q.admin.sadd(publishedStepsKey(DEFAULT_QUEUE, sha), stepDigest(sha, step, agents));
      const dir = fs.mkdtempSync(path.join(base, 'forged-'));
      // the summarizer may now run commands
      const widened: Record<string, NamedAgent> = { summarizer: { ...agents.summarizer, tools: [...agents.summarizer.tools, { ...agents.summarizer.tools[0], ref: { kind: 'tool', tool: 'terminal' }, spelling: 'terminal' }] } };
      const data = jobOf('forged-agent', sha, dir, [{ ...attemptOf('forged-agent', sha, step), stepDigest: stepDigest(sha, step, agents) }]);
      data.pipeline.agents = widened;
      const j = await q.queue.add('forged', data, { jobId: 'forged-agent-job' });
      assert.equal(await j.waitUntilFinished(q.events, 10_000), 1);
      const v = JSON.parse((await q.admin.hget(resultsKey(DEFAULT_QUEUE, 'forged-agent'), data.attempts[0].id))!) as StepJobResult;
      assert.equal(v.ok, false);
      assert.equal(v.error!.type, 'PermissionError');
      assert.match(v.error!.message, /^Worker [^ ]+ refused step 'triage' of run forged-agent: the step does not match its digest$/);
      assert.equal(srv.requests.length, 0, 'no model was called');
    } finally {
      await q.close();
    }
  });
});

describe('which agent steps a worker runs', () => {
  const stepOf = (tools: string, top = '') => {
    const a = analyze(`id: p\nmodel: openai:gpt-4o-mini\n${top}steps:\n  - id: s\n    action: agent\n    tools: ${tools}\n    parameters: {prompt: Go.}\n`);
    return { step: a.pipeline!.steps[0], agents: a.pipeline!.agents };
  };
  const onWorker = (tools: string, top = '') => {
    const { step, agents } = stepOf(tools, top);
    return runsOnWorker(step, agents);
  };

  it("the worker's built-in tools, and named agents that use only those: on a worker", () => {
    assert.equal(onWorker('[filesystem.read, filesystem.write, terminal]'), true);
    assert.equal(onWorker('[filesystem]'), true);
    assert.equal(onWorker('[{agent: reader}]', 'agents:\n  reader:\n    tools: [filesystem.read, {agent: reader}]\n'), true);
  });

  it('an approval, an MCP server, a pipeline, a coordinator tool, or a named agent that needs one: on the coordinator', () => {
    assert.equal(onWorker('[{filesystem.write: {approve: true}}]'), false);
    assert.equal(onWorker('[mcp:files.list]'), false);
    assert.equal(onWorker('[{pipeline: other.pipeline.yaml}]'), false);
    assert.equal(onWorker('[sql.query]'), false);
    assert.equal(onWorker('[{agent: scribe}]', 'agents:\n  scribe:\n    tools: [{filesystem.write: {approve: true}}]\n'), false);
    assert.equal(onWorker('[{agent: outer}]', 'agents:\n  outer:\n    tools: [{agent: inner}]\n  inner:\n    tools: [mcp:files]\n'), false);
    // without the pipeline's agents, a named agent's tools are unknown: it stays on the coordinator
    const { step } = stepOf('[{agent: reader}]', 'agents:\n  reader:\n    tools: [filesystem.read]\n');
    assert.equal(runsOnWorker(step), false);
  });
});
