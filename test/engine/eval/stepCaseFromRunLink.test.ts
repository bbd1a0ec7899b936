// A step case's `from_run` reads a recorded run only from this workspace's own runs: a run folder
// that is a link out of them (to another workspace's run, say) is refused on its real path, as
// every reader of run records refuses it (`orc mcp`'s orc://runs/ID, `orc serve`'s /runs/ID), and
// the case runs nothing (the model server sees no request).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, analyzeEval, createModelRunner, runEval, type CaseResult } from '../../../engine/api/index';
import { runPipeline } from '../../../engine/run/runPipeline';
import { readRunResult } from '../../../engine/run/runPacks';
import { PipelineServer } from '../../../engine/api/mcpServe';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { loopbackEnv, tempDir } from '../../helpers/agentRun';

const PIPELINE = `id: brief
parameters:
  topic: {type: string, required: true}
steps:
  - id: draft
    action: generate
    model: openai:gpt-4o-mini
    parameters: {prompt: "Draft on {{ topic }}"}
  - id: polish
    action: generate
    model: openai:gpt-4o-mini
    dependencies: [draft]
    parameters: {prompt: "Polish {{ draft.result }}"}
`;

describe('eval step cases: from_run and links', function () {
  this.timeout(30000);
  const srv = new LoopbackProviders();
  const dirs: string[] = [];
  before(async () => {
    await srv.start();
    srv.responder = () => ({ text: 'words' });
  });
  after(async () => {
    await srv.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function evalIn(dir: string, cases: string): Promise<CaseResult[]> {
    fs.writeFileSync(path.join(dir, 'brief.pipeline.yaml'), PIPELINE);
    const text = `pipeline: brief.pipeline.yaml\n${cases}`;
    const file = path.join(dir, 'brief.eval.yaml');
    fs.writeFileSync(file, text);
    const analysis = analyzeEval(text, file);
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const results: CaseResult[] = [];
    const env = loopbackEnv(srv);
    await runEval({ root: dir, analysis, evalText: text, models: createModelRunner({ env }), env, cache: false, onResult: (r) => results.push(r) });
    return results;
  }
  const dir = (prefix: string) => {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
  };

  it("a run folder that is a link to another workspace's run is refused on its real path; a run of its own is read", async () => {
    // another workspace records a run of the same pipeline (.orchestrator/runs/ID/)
    const other = dir('orc-fromrun-other-');
    const doc = await runPipeline(analyze(PIPELINE), { cwd: other, inputs: { topic: 'cats' }, models: createModelRunner({ env: loopbackEnv(srv) }) });
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
    const runId = doc.execution_id;
    assert.ok(fs.existsSync(path.join(other, '.orchestrator', 'runs', runId, 'result.json')));
    // this workspace: its runs folder holds a link with that id, leading to the other's run
    const here = dir('orc-fromrun-here-');
    fs.mkdirSync(path.join(here, '.orchestrator', 'runs'), { recursive: true });
    fs.symlinkSync(path.join(other, '.orchestrator', 'runs', runId), path.join(here, '.orchestrator', 'runs', runId));
    srv.requests.length = 0;
    const [linked] = await evalIn(here, `cases:\n  - id: frozen\n    step: polish\n    from_run: ${runId}\n`);
    assert.equal(linked.status, 'error');
    const real = fs.realpathSync(path.join(other, '.orchestrator', 'runs', runId));
    assert.equal(linked.error, `from_run: run ${runId} is a link that leads out of this workspace's runs (to ${real}); it was not read`);
    assert.equal(srv.requests.length, 0);
    // the same case in the workspace that recorded the run reads it
    const [own] = await evalIn(other, `cases:\n  - id: frozen\n    step: polish\n    from_run: ${runId}\n`);
    assert.equal(own.status, 'pass', JSON.stringify(own));
    assert.equal(srv.requests.length, 1, 'only polish ran');
  });

  it("the readers of run records refuse the same link: readRunResult and orc mcp's orc://runs/ID", async () => {
    const other = dir('orc-fromrun-other-');
    const doc = await runPipeline(analyze(PIPELINE), { cwd: other, inputs: { topic: 'dogs' }, models: createModelRunner({ env: loopbackEnv(srv) }) });
    const runId = doc.execution_id;
    const here = dir('orc-fromrun-here-');
    fs.mkdirSync(path.join(here, '.orchestrator', 'runs'), { recursive: true });
    fs.symlinkSync(path.join(other, '.orchestrator', 'runs', runId), path.join(here, '.orchestrator', 'runs', runId));
    // a link to a run folder beside it, inside the runs, is still read
    fs.symlinkSync(runId, path.join(other, '.orchestrator', 'runs', 'alias'));
    assert.equal(readRunResult(here, runId), 'unreadable');
    assert.equal((readRunResult(other, 'alias') as { execution_id: string }).execution_id, runId);
    const server = new PipelineServer({ root: here, version: '0.0.0', log: () => undefined, watch: false, env: {} });
    assert.throws(() => server.readResource(`orc://runs/${runId}`), { message: `MCP error -32603: the result of run ${runId} is not a readable result document` });
  });
});
