// A past run forked at a step: the steps upstream are answered from the parent's record (no
// provider call), the fork point and what follows run again, the fork is a new run whose record
// names its parent and fork point, and the parent's record is never touched. Real SDKs against the
// loopback provider server; the engine's own run (runPipeline's resume of the record fork.ts makes).
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, createModelRunner, loadCheckpoint, runPipeline } from '../../../engine/api/index';
import { forkCheckpoint, ForkError, forkSource } from '../../../engine/run/fork';
import type { Pipeline } from '../../../engine/spec/types';
import { loopbackEnv, runAgentPipeline, tempDir, useLoopback } from '../../helpers/agentRun';
import { orcAsync } from '../../helpers/cli';

const SOURCE = `id: haiku
model: openai:gpt-4o-mini
parameters:
  mood: {type: string, default: calm}
steps:
  - id: color
    action: generate
    parameters: {prompt: Name one color., stream: false}
  - id: poem
    action: generate
    depends_on: [color]
    parameters: {prompt: "Write a {{ mood }} haiku about {{ color.result }}.", stream: false}
  - id: title
    action: generate
    depends_on: [poem]
    parameters: {prompt: "A title for: {{ poem.result }}", stream: false}
outputs:
  title: "{{ title.result }}"
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

/** The prompt text of a Chat Completions request. */
const promptOf = (body: Record<string, unknown>) => String((body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')?.content);

describe('orc fork: a past run forked at a step', function () {
  this.timeout(30_000);
  const srv = useLoopback();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function parentRun(): Promise<{ dir: string; id: string }> {
    const dir = tempDir('orc-fork-');
    dirs.push(dir);
    srv.responder = (body) => {
      const p = promptOf(body);
      return { text: p.startsWith('Name') ? 'teal' : p.startsWith('Write') ? `haiku of ${p.slice(6, -1)}` : `Title: ${p.slice(13)}` };
    };
    const { doc } = await runAgentPipeline(srv, dir, SOURCE, { checkpoint: true, file: 'haiku.pipeline.yaml' });
    assert.equal(doc.status, 'completed');
    assert.equal(srv.requests.length, 3);
    srv.requests.length = 0;
    return { dir, id: doc.execution_id };
  }

  async function fork(dir: string, id: string, at: string, edits = {}) {
    const { checkpoint, file, source } = forkSource(dir, id);
    const a = analyze(source);
    const record = forkCheckpoint(checkpoint, a as typeof a & { pipeline: Pipeline }, at, edits);
    return runPipeline(a, { cwd: dir, pipelineFile: file, source, resume: record, models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }) });
  }

  it('reuses every upstream answer without a provider call; the fork point and after run again; the record names parent and fork point; the parent is untouched', async () => {
    const { dir, id } = await parentRun();
    const before = snapshot(path.join(dir, '.orchestrator', 'runs', id));
    const doc = await fork(dir, id, 'poem');
    assert.equal(doc.status, 'completed');
    assert.notEqual(doc.execution_id, id);
    // upstream ('color') answered from the record: only poem and title called the provider
    assert.deepEqual(srv.requests.map((r) => promptOf(r.body)), ['Write a calm haiku about teal.', 'A title for: haiku of a calm haiku about teal']);
    assert.equal(doc.steps.color.result, 'teal');
    assert.deepEqual(doc.trigger, { kind: 'fork', name: `${id}@poem`, parent: id, at: 'poem' });
    const record = loadCheckpoint(dir, doc.execution_id);
    assert.deepEqual(record.trigger, { kind: 'fork', name: `${id}@poem`, parent: id, at: 'poem' });
    assert.equal(record.status, 'completed');
    assert.deepEqual(snapshot(path.join(dir, '.orchestrator', 'runs', id)), before);
  });

  it('edits an upstream result (-i STEP=VALUE) and an input for the steps that run again', async () => {
    const { dir, id } = await parentRun();
    const doc = await fork(dir, id, 'poem', { steps: { color: 'crimson' }, inputs: { mood: 'stormy' } });
    assert.equal(doc.status, 'completed');
    assert.deepEqual(srv.requests.map((r) => promptOf(r.body)), ['Write a stormy haiku about crimson.', 'A title for: haiku of a stormy haiku about crimson']);
    assert.equal(doc.outputs.title, 'Title: haiku of a stormy haiku about crimson');
  });

  it('orc fork RUN_ID --at STEP -i STEP=VALUE: the new run on the command line, its result document naming its parent', async () => {
    const { dir, id } = await parentRun();
    const r = await orcAsync(['fork', id, '--at', 'poem', '-i', 'color=amber', '--json'], { cwd: dir, env: loopbackEnv(srv), isolated: true });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { execution_id: string; trigger: unknown; outputs: Record<string, unknown>; steps: Record<string, { result: unknown }> };
    assert.deepEqual(doc.trigger, { kind: 'fork', name: `${id}@poem`, parent: id, at: 'poem' });
    assert.equal(doc.steps.color.result, 'amber');
    assert.equal(doc.outputs.title, 'Title: haiku of a calm haiku about amber');
    assert.equal(srv.requests.length, 2);
    assert.match(r.stderr, new RegExp(`^fork ${doc.execution_id} of run ${id} at step 'poem': 1 step result from its record$`, 'm'));
    const bad = await orcAsync(['fork', id, '--at', 'nope'], { cwd: dir, env: loopbackEnv(srv), isolated: true });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^orc: no top-level step 'nope' to fork at: the steps are 'color', 'poem', 'title'$/m);
  });

  it('refuses a fork point that is no step, and an edit of a step that runs again, before anything runs', async () => {
    const { dir, id } = await parentRun();
    await assert.rejects(fork(dir, id, 'nope'), (e: Error) => e instanceof ForkError && e.message === "no top-level step 'nope' to fork at: the steps are 'color', 'poem', 'title'");
    await assert.rejects(fork(dir, id, 'poem', { steps: { title: 'x' } }), (e: Error) => e instanceof ForkError && /'title' runs again in this fork/.test(e.message));
    assert.equal(srv.requests.length, 0);
  });
});
