// Structured answers that are not JSON (prose around it, a code fence, a cut-off object) are repaired
// as a schema failure is (SPEC v1.3), and a failed step's record carries every call it paid for:
// against the loopback OpenAI wire, through the real openai SDK.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner } from '../../../engine/models/index';
import type { ResultDocument, RunEvent } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';

const KEY = 'sk-test-openai-repair-0123456789';
let server: LoopbackProviders;
let dir: string;

async function run(yaml: string): Promise<{ doc: ResultDocument; events: RunEvent[] }> {
  const a = analyze(yaml);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error').map((f) => f.message), []);
  const events: RunEvent[] = [];
  const models = createModelRunner({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${server.origin}/v1` }, resilience: { baseDelayMs: 5, maxDelayMs: 50, windowMs: 1000 } });
  const doc = await runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, models, listeners: [(e) => events.push(e)] });
  assert.ok(!JSON.stringify(doc).includes(KEY) && !JSON.stringify(events).includes(KEY));
  return { doc, events };
}

const lastUser = (body: Record<string, unknown>): string => ((body.messages as { role: string; content: string }[]).filter((m) => m.role === 'user').at(-1)?.content ?? '');
const STRUCTURED = (repair: string) => `id: p
model: openai:gpt-4o-mini
steps:
  - id: s
    action: generate_structured
    parameters: {prompt: Report}
    ${repair}
    vars:
      title: The title.
      score: {type: integer, description: A score.}
`;
// gpt-4o-mini: $0.15 in, $0.60 out a million tokens; each scripted call is 1,000 in and 1,000 out
const CALL_USD = (1000 * 0.15 + 1000 * 0.6) / 1_000_000;
const tokens = { tokensIn: 1000, tokensOut: 1000 };

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-repair-'));
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('guard: repair of structured answers that are not JSON', () => {
  it('prose around the JSON is answered to the model and repaired; the step carries both calls', async () => {
    server.script.push({ structuredText: 'Sure! Here is the report: {"title": "T", "score": 3} Hope this helps.', ...tokens }, { json: { title: 'T', score: 3 }, ...tokens });
    const { doc, events } = await run(STRUCTURED('repair: {max_attempts: 1}'));
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.deepEqual(doc.steps.s.vars, { title: 'T', score: 3 });
    assert.equal(server.requests.length, 2);
    assert.equal(lastUser(server.requests[1].body), 'Report\n\nYour previous answer was rejected: the answer is not JSON (it has prose around the JSON). Answer again with JSON that matches the schema exactly, and nothing else.');
    assert.equal(events.filter((e) => e.type === 'model-call').length, 2);
    assert.equal(doc.steps.s.tokens_in, 2000);
    assert.equal(doc.steps.s.cost_usd, 2 * CALL_USD);
  });

  it('a code fence, then a cut-off object, then JSON: each reason told to the model within repair.max_attempts', async () => {
    server.script.push({ structuredText: '```json\n{"title": "T", "score": 3}\n```', ...tokens }, { structuredText: '{"title": "T", "sc', ...tokens }, { json: { title: 'T', score: 4 }, ...tokens });
    const { doc } = await run(STRUCTURED('repair: {max_attempts: 2}'));
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.deepEqual(doc.steps.s.vars, { title: 'T', score: 4 });
    assert.deepEqual(server.requests.map((r) => lastUser(r.body)), [
      'Report',
      'Report\n\nYour previous answer was rejected: the answer is not JSON (it is wrapped in a code fence). Answer again with JSON that matches the schema exactly, and nothing else.',
      'Report\n\nYour previous answer was rejected: the answer is not JSON (it is cut off before the JSON ends). Answer again with JSON that matches the schema exactly, and nothing else.',
    ]);
    assert.equal(doc.steps.s.tokens_out, 3000);
  });

  it('with no repair allowed, prose fails the step with ValidationError after one call, its cost in the record', async () => {
    server.script.push({ structuredText: 'I cannot answer that in JSON.', ...tokens });
    const { doc } = await run(STRUCTURED('repair: {max_attempts: 0}'));
    assert.equal(server.requests.length, 1);
    assert.equal(doc.steps.s.status, 'failed');
    assert.equal(doc.steps.s.error_type, 'ValidationError');
    assert.equal(doc.steps.s.error, "The model's answer failed validation and no repair is allowed: the answer is not JSON (it is prose, with no JSON in it)");
    assert.deepEqual([doc.steps.s.tokens_in, doc.steps.s.tokens_out, doc.steps.s.cost_usd, doc.steps.s.model], [1000, 1000, CALL_USD, 'openai:gpt-4o-mini']);
  });

  it('a step whose every repair fails carries the cost and tokens of every call it paid for', async () => {
    server.script.push({ json: { title: 'T', score: 'high' }, ...tokens }, { structuredText: '{"title": "T"', ...tokens }, { json: { title: 'T', score: 'low' }, ...tokens });
    const { doc } = await run(STRUCTURED('repair: {max_attempts: 2}'));
    assert.equal(server.requests.length, 3);
    assert.equal(doc.steps.s.error, "The model's answer failed validation 3 times (repair.max_attempts: 2): field 'score': /score must be integer");
    assert.deepEqual([doc.steps.s.tokens_in, doc.steps.s.tokens_out, doc.steps.s.cost_usd], [3000, 3000, 3 * CALL_USD]);
  });
});
