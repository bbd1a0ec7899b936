// An eval's `answers:` stand for the person no eval has: each case's run takes them as `-i
// STEP_ID=VALUE` gives `orc run`. An agent's approve: true calls are approved or denied by them, and
// denied when the eval gives none; a step id that is not one is reported where it is written.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, createModelRunner, runEval, type CaseResult } from '../../../engine/api/index';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { loopbackEnv, tempDir, turnOf } from '../../helpers/agentRun';

const PIPELINE = `id: scribe
model: openai:gpt-4o-mini
steps:
  - id: scribe
    action: agent
    tools: [{filesystem.write: {approve: true}}]
    parameters: {prompt: Write out.md}
`;

function evalText(answers: string): string {
  return `pipeline: scribe.pipeline.yaml
${answers}cases: [{id: one}]
assert:
  - step: scribe
    tool_called: filesystem.write
`;
}

describe('eval answers: the person an eval does not have', function () {
  this.timeout(20000);
  const srv = new LoopbackProviders();
  before(() => srv.start());
  after(() => srv.stop());

  async function evalIn(answers: string): Promise<{ results: CaseResult[]; dir: string }> {
    const dir = tempDir('orc-eval-answers-');
    fs.writeFileSync(path.join(dir, 'scribe.pipeline.yaml'), PIPELINE);
    const text = evalText(answers);
    const file = path.join(dir, 'scribe.eval.yaml');
    fs.writeFileSync(file, text);
    srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [{ name: 'filesystem_write', arguments: { path: 'out.md', content: 'hi' } }] } : { text: 'done' });
    const results: CaseResult[] = [];
    await runEval({ root: dir, analysis: analyzeEval(text, file), evalText: text, models: createModelRunner({ env: loopbackEnv(srv) }), env: loopbackEnv(srv), onResult: (r) => results.push(r) });
    return { results, dir };
  }

  it('approve lets the call run; deny, or no answer, denies it and the assertion says so', async () => {
    const approved = await evalIn('answers: {scribe: approve}\n');
    assert.equal(approved.results[0].status, 'pass');
    assert.equal(fs.readFileSync(path.join(approved.dir, 'out.md'), 'utf8'), 'hi');

    for (const [answers, why] of [
      ['answers: {scribe: deny}\n', /denied by the person running the pipeline \(-i scribe=deny\)/],
      ['', /no one could be asked/],
    ] as const) {
      const { results, dir } = await evalIn(answers);
      assert.equal(results[0].status, 'fail');
      assert.match(results[0].assertions[0].reason, why);
      assert.equal(fs.existsSync(path.join(dir, 'out.md')), false);
    }
  });

  it('a step id that is not one, and answers that are not a mapping, are reported where they are written', () => {
    const dir = tempDir('orc-eval-answers-');
    fs.writeFileSync(path.join(dir, 'scribe.pipeline.yaml'), PIPELINE);
    const findings = (text: string) => analyzeEval(text, path.join(dir, 'scribe.eval.yaml')).findings.map((f) => [f.code, f.message, `${f.range.start.line}:${f.range.start.character}-${f.range.end.character}`]);
    assert.deepEqual(findings(evalText('answers: {scrbe: approve}\n')), [['eval.unknown-step', "The pipeline has no top-level step 'scrbe' to answer. Did you mean 'scribe'?", '1:10-15']]);
    assert.deepEqual(findings(evalText('answers: approve\n')), [['eval.type', "'answers' maps the id of a step that asks a person (an approval gate, an agent with approve: true) to its answer, as -i STEP_ID=VALUE does for orc run.", '1:9-16']]);
  });
});
