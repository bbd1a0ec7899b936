// Fallback chains on `orc worker`s (issue 28, item 4): a model step a worker runs falls through its
// chain as a local run does (the pipeline's `fallbacks:` and a top-level model list reach the worker),
// and the run's result records `models_tried` and the answering model. Redis is Debian's
// redis-server on a free port; the providers are the loopback servers the model tests use.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orcAsync } from '../../helpers/cli';
import { RedisServer, WorkerProcess } from '../../helpers/redisServer';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import type { ResultDocument } from '../../../engine/run/events';

const HF_MODEL = 'huggingface:meta-llama/Llama-3.3-70B-Instruct';
const QUEUE = 'models-chains';

describe('distributed run: fallback chains on a worker', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let openai: LoopbackProviders;
  let hf: LoopbackProviders;
  let dir: string;
  let worker: WorkerProcess;

  before(async function () {
    this.timeout(600_000); // the first run may install redis-server
    redis = await RedisServer.start();
    openai = await new LoopbackProviders().start();
    hf = await new LoopbackProviders().start();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-dist-models-')));
    // the keys are the worker's: the coordinator has none, and needs none
    worker = await WorkerProcess.start(redis.url, { cwd: dir, root: dir, queue: QUEUE, env: { OPENAI_API_KEY: 'sk-test-openai', OPENAI_BASE_URL: `${openai.origin}/v1`, HF_TOKEN: 'hf_test_token', HUGGINGFACE_BASE_URL: `${hf.origin}/v1`, ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: '' } });
  });
  after(async () => {
    await worker?.kill();
    await redis?.stop();
    await openai?.stop();
    await hf?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a step's chain falls through on the worker; the result holds models_tried and the answering model", async () => {
    fs.writeFileSync(
      path.join(dir, 'chain.pipeline.yaml'),
      `id: chain
model: openai:gpt-4o
fallbacks:
  openai:gpt-4o: [${HF_MODEL}]
steps:
  - id: declared
    action: generate
    parameters: {prompt: "Hi", stream: false}
  - id: listed
    action: generate
    model: [anthropic:claude-sonnet-4-5, ${HF_MODEL}]
    dependencies: [declared]
    parameters: {prompt: "Ho", stream: false}
`,
    );
    openai.fallback = { status: 404 };
    hf.script.push({ text: 'Llama here.', tokensIn: 20, tokensOut: 5 }, { text: 'Llama again.', tokensIn: 10, tokensOut: 2 });
    const r = await orcAsync(['run', 'chain.pipeline.yaml', '--json', '--redis', redis.url, '--queue', QUEUE], { cwd: dir, isolated: true });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    const declared = doc.steps.declared;
    assert.equal(declared.result, 'Llama here.');
    assert.equal(declared.model, HF_MODEL);
    assert.deepEqual(declared.models_tried?.map((t) => [t.model, t.outcome, t.reason ?? null, t.tokens_in, t.tokens_out]), [
      ['openai:gpt-4o', 'passed-over', 'model not found (HTTP 404)', 0, 0],
      [HF_MODEL, 'answered', null, 20, 5],
    ]);
    assert.deepEqual([declared.tokens_in, declared.tokens_out], [20, 5]);
    const listed = doc.steps.listed;
    assert.equal(listed.result, 'Llama again.');
    assert.equal(listed.model, HF_MODEL);
    assert.deepEqual(listed.models_tried?.map((t) => [t.model, t.outcome, t.reason ?? null, t.error ?? null]), [
      ['anthropic:claude-sonnet-4-5', 'passed-over', 'not configured', "No API key for provider 'anthropic': set ANTHROPIC_API_KEY (or store one in the editor)"],
      [HF_MODEL, 'answered', null, null],
    ]);
    assert.equal(openai.requests.length, 1, 'a 404 is not retried');
    assert.equal(hf.requests.length, 2);
    // the worker ran them: it logged both steps (its log lines are written in batches, 50 ms apart:
    // the run's result can come back before the last of them)
    assert.ok(await worker.says(/ declared \(attempt 1\): done in \d+ ms/), worker.log);
    assert.ok(await worker.says(/ listed \(attempt 1\): done in \d+ ms/), worker.log);
  });
});
