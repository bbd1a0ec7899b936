// A case's `secret: true` inputs never reach a cassette or a record, as `orc run` keeps them out:
// the step's prompt and the judge's rubric both hold the secret; `orc eval --record` and
// `orc optimize --record` write `[redacted: secret]` in its place, and a replay of what they wrote
// matches every request and passes without a call (the real openai SDK against loopback).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, createModelRunner, optimize, runEval, type CaseResult } from '../../../engine/api/index';
import { loopbackEnv, tempDir, useLoopback } from '../../helpers/agentRun';

const SECRETS = ['tok-first-case-7c1e9a2f', 'tok-second-case-b84d03e6'];

const PIPELINE = `id: keyed
parameters:
  topic: {type: string, required: true}
  token: {type: string, required: true, secret: true}
steps:
  - id: answer
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Name {{ topic }}, signed {{ token }}"
outputs:
  text: "{{ answer.result }}"
`;

const EVAL = `pipeline: keyed.pipeline.yaml
max_parallel: 1
cases:
  - {id: one, topic: cats, token: ${SECRETS[0]}}
  - {id: two, topic: dogs, token: ${SECRETS[1]}}
assert:
  - output: text
    contains: right
  - output: text
    llm_rubric: "Answers for the holder of {{ case.token }}"
    model: openai:gpt-4o-mini
`;

/** Every file under `dir` but the eval file (which gives the secrets), with its text. */
function filesUnder(dir: string): [string, string][] {
  const out: [string, string][] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || e.name === 'keyed.eval.yaml') continue;
    const p = path.join(e.parentPath, e.name);
    out.push([path.relative(dir, p), fs.readFileSync(p, 'utf8')]);
  }
  return out;
}

describe('eval: secret inputs are kept out of cassettes and records', function () {
  this.timeout(30000);
  const srv = useLoopback();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  beforeEach(() => {
    // the judge answers its structured question; a step, a right answer naming its topic (not its secret)
    srv.responder = (body) => {
      if (body.response_format) return { json: { score: 1, reason: 'fine' } };
      const messages = body.messages as { content: string }[];
      return { text: `the right answer about ${/Name (\w+)/.exec(messages[messages.length - 1].content)![1]}` };
    };
  });

  function folder(): { dir: string; file: string; cassette: string } {
    const dir = tempDir('orc-eval-secrets-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'keyed.pipeline.yaml'), PIPELINE);
    const file = path.join(dir, 'keyed.eval.yaml');
    fs.writeFileSync(file, EVAL);
    return { dir, file, cassette: path.join(dir, 'keyed.cassette.jsonl') };
  }

  async function evalOnce(at: { dir: string; file: string; cassette: string }, mode: 'record' | 'replay'): Promise<CaseResult[]> {
    const analysis = analyzeEval(EVAL, at.file);
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const env = loopbackEnv(srv);
    const results: CaseResult[] = [];
    await runEval({ root: at.dir, analysis, evalText: EVAL, models: createModelRunner({ env }), env, cassette: { mode, file: at.cassette }, onResult: (r) => results.push(r) });
    return results.sort((a, b) => a.case.localeCompare(b.case));
  }

  it('orc eval --record writes a placeholder for each secret input, and the replay matches it without a call', async () => {
    const at = folder();
    const recorded = await evalOnce(at, 'record');
    assert.deepEqual(recorded.map((r) => [r.case, r.status]), [['one', 'pass'], ['two', 'pass']]);
    // two steps' calls and two judges' calls, each holding its case's secret when asked
    assert.equal(srv.requests.length, 4);
    assert.ok(SECRETS.every((s) => srv.requests.some((q) => JSON.stringify(q.body).includes(s))));
    const tape = fs.readFileSync(at.cassette, 'utf8');
    assert.equal(tape.trim().split('\n').length, 4);
    for (const s of SECRETS) assert.ok(!tape.includes(s), 'the cassette holds a secret input');
    assert.equal(tape.match(/\[redacted: secret\]/g)?.length, 4);
    for (const [name, text] of filesUnder(at.dir)) for (const s of SECRETS) assert.ok(!text.includes(s), `${name} holds a secret input`);
    // the rubric said the secret: the case's result shows the placeholder
    assert.equal(recorded[0].assertions[1].expected, 'score >= 0.5: Answers for the holder of [redacted: secret]');

    srv.requests.length = 0;
    const replayed = await evalOnce(at, 'replay');
    assert.deepEqual(replayed.map((r) => [r.case, r.status, r.error ?? null]), [['one', 'pass', null], ['two', 'pass', null]]);
    assert.equal(srv.requests.length, 0);
  });

  it('orc optimize --record keeps the secret inputs out of its cassette too, and its replay calls nothing', async () => {
    const at = folder();
    const analysis = analyzeEval(EVAL, at.file);
    const env = loopbackEnv(srv);
    const run = (mode: 'record' | 'replay') => optimize({ root: at.dir, analysis, evalText: EVAL, models: createModelRunner({ env }), env, candidates: ['openai:gpt-4o-mini'], cassette: { mode, file: at.cassette }, reuse: false });
    const recorded = await run('record');
    assert.equal(recorded.chosen?.pass_rate, 1);
    assert.ok(srv.requests.length >= 4);
    const tape = fs.readFileSync(at.cassette, 'utf8');
    for (const s of SECRETS) assert.ok(!tape.includes(s), 'the cassette holds a secret input');
    assert.ok(tape.includes('[redacted: secret]'));
    for (const [name, text] of filesUnder(at.dir)) for (const s of SECRETS) assert.ok(!text.includes(s), `${name} holds a secret input`);
    srv.requests.length = 0;
    const replayed = await run('replay');
    assert.equal(replayed.chosen?.pass_rate, 1);
    assert.equal(srv.requests.length, 0);
  });
});
