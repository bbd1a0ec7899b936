// Evals in a real extension host: the workspace's eval file (test/e2e/fixtures/greet.eval.yaml)
// is listed in the Test Explorer as file → variant → case; Run Eval runs every case in every
// variant through the engine, writes the eval's record, and the one case that fails (grace in 'hi')
// is failed with its assertion; the eval panel draws the 2 × 2 matrix; Estimate predicts without a call.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import { readRunResult } from '../../../engine/run/runPacks';
import type { OrchestratorApi } from '../../../client/api';
import type { EvalOutcomeView } from '../../../client/evalTests';

describe('evals in the Test Explorer and the eval panel', () => {
  let api: OrchestratorApi;
  let uri: vscode.Uri;
  before(() => {
    api = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!.exports;
    uri = vscode.Uri.file(path.join(workspace(), 'greet.eval.yaml'));
  });

  it('lists the eval file, its variants and their cases', async () => {
    const items = await until('the eval items', async () => {
      const all = await api.evalTestItems();
      return all.some((i) => i.startsWith('greet.eval.yaml')) ? all.filter((i) => i.startsWith('greet.eval.yaml')) : null;
    });
    assert.deepEqual(items, ['greet.eval.yaml', 'greet.eval.yaml > hello', 'greet.eval.yaml > hello > ada', 'greet.eval.yaml > hello > grace', 'greet.eval.yaml > hi', 'greet.eval.yaml > hi > ada', 'greet.eval.yaml > hi > grace']);
  });

  it('Estimate predicts the runs of each variant and makes no run', async () => {
    const before = fs.existsSync(path.join(workspace(), '.orchestrator', 'evals')) ? fs.readdirSync(path.join(workspace(), '.orchestrator', 'evals')).length : 0;
    const r = (await vscode.commands.executeCommand('orchestrator.estimateEval', uri)) as { lines: string[] };
    assert.equal(r.lines[0], '2 cases × 2 variants');
    // no run of greet yet: its filesystem steps have no history, so their time is unknown
    assert.deepEqual(r.lines.slice(1), ['hello: 2 runs, about $0.0000, 0.0 s a run (unknown: write, read)', 'hi: 2 runs, about $0.0000, 0.0 s a run (unknown: write, read)']);
    const after = fs.existsSync(path.join(workspace(), '.orchestrator', 'evals')) ? fs.readdirSync(path.join(workspace(), '.orchestrator', 'evals')).length : 0;
    assert.equal(after, before);
  });

  it('Run Eval runs every case in every variant; grace fails in hi; the panel draws the matrix', async () => {
    await vscode.commands.executeCommand('orchestrator.runEval', uri);
    const o = api.evalOutcome(uri.toString());
    assert.ok(o, 'an outcome');
    assert.deepEqual(o.results.map((r) => `${r.case} ${r.variant} ${r.status}`), ['ada hello pass', 'ada hi pass', 'grace hello pass', 'grace hi fail']);
    // the record as `orc evals` lists it, each case's run beside it
    const meta = JSON.parse(fs.readFileSync(path.join(workspace(), '.orchestrator', 'evals', o.evalId, 'eval.json'), 'utf8')) as { status: string; summary: { passed: number; total: number; verdict: string } };
    assert.deepEqual([meta.status, meta.summary.passed, meta.summary.total, meta.summary.verdict], ['completed', 3, 4, 'passed']);
    // each case's run is a line of the eval's pack, read as any run is (no folder per case)
    assert.ok(fs.existsSync(path.join(workspace(), '.orchestrator', 'evals', o.evalId, 'runs.jsonl')), 'the eval\'s pack');
    for (const r of o.results) {
      const doc = readRunResult(workspace(), r.runId!);
      assert.ok(typeof doc !== 'string' && doc.execution_id === r.runId, `run ${r.runId} recorded`);
      assert.equal(fs.existsSync(path.join(workspace(), '.orchestrator', 'runs', r.runId!)), false, `run ${r.runId} has no folder`);
    }
    const drawn = await until('the eval panel', () => api.evalPanelRendered(uri.toString()));
    assert.deepEqual(drawn, { cells: 4, failing: ['grace [hi]'] });
  });

  it('re-running one cell updates that cell and keeps the others', async () => {
    const first = api.evalOutcome(uri.toString())!;
    await vscode.commands.executeCommand('orchestrator.runEval', uri, { variant: 'hi', case: 'grace' });
    const o = api.evalOutcome(uri.toString())!;
    assert.notEqual(o.evalId, first.evalId);
    assert.deepEqual(o.results.map((r) => `${r.case} ${r.variant} ${r.status}`), ['grace hi fail']);
    const drawn = await until('the panel after the re-run', () => {
      const d = api.evalPanelRendered(uri.toString());
      return d && d.cells === 4 ? d : null;
    });
    assert.deepEqual(drawn.failing, ['grace [hi]']);
  });

  it('Add to Eval appends a run of the pipeline as a case, its output as the expected value, and the Test Explorer lists it', async () => {
    const pipeline = vscode.Uri.file(path.join(workspace(), 'greet.pipeline.yaml'));
    const doc = (await vscode.commands.executeCommand('orchestrator.run', pipeline, { inputs: { name: 'Linus', greeting: 'Hello' } })) as { execution_id: string; status: string };
    assert.equal(doc.status, 'completed');
    const before = fs.readFileSync(uri.fsPath, 'utf8');
    const item = { folder: api.runStateFolder(pipeline.toString()), runId: doc.execution_id, summary: { pipeline_file: pipeline.fsPath } };
    const added = (await vscode.commands.executeCommand('orchestrator.runs.addToEval', item, { evalFile: uri.fsPath, expect: true })) as { caseId: string };
    assert.equal(added.caseId, doc.execution_id);
    const grace = '        equals: "Hello, Grace!"\n';
    assert.equal(fs.readFileSync(uri.fsPath, 'utf8'), before.replace(grace, `${grace}  - id: ${doc.execution_id}\n    name: Linus\n    greeting: Hello\n    assert:\n      - output: message\n        equals: Hello, Linus!\n`));
    await until('the new case in the Test Explorer', async () => (await api.evalTestItems()).includes(`greet.eval.yaml > hi > ${doc.execution_id}`));
  });

  it('Freeze Step as Test makes one step of a run a step case: its upstream values, its result expected; the Test Explorer lists it and it passes', async () => {
    const pipeline = vscode.Uri.file(path.join(workspace(), 'greet.pipeline.yaml'));
    const doc = (await vscode.commands.executeCommand('orchestrator.run', pipeline, { inputs: { name: 'Mary', greeting: 'Hello' } })) as { execution_id: string; status: string };
    assert.equal(doc.status, 'completed');
    const before = fs.readFileSync(uri.fsPath, 'utf8');
    try {
      const item = { folder: api.runStateFolder(pipeline.toString()), runId: doc.execution_id, summary: { pipeline_file: pipeline.fsPath } };
      const added = (await vscode.commands.executeCommand('orchestrator.runs.freezeStep', item, { evalFile: uri.fsPath, step: 'read' })) as { caseId: string };
      const id = `${doc.execution_id}-read`;
      assert.equal(added.caseId, id);
      const frozen = [`  - id: ${id}`, '    name: Mary', '    greeting: Hello', '    step: read', '    upstream:', '      write:', '        path: output/greet/Hello-Mary.txt', '        size: 12', '    assert:', '      - step: read', '        equals:', '          content: Hello, Mary!', '          size: 12', '          path: output/greet/Hello-Mary.txt', ''].join('\n');
      const after = fs.readFileSync(uri.fsPath, 'utf8');
      assert.ok(after.startsWith(before.slice(0, before.indexOf('variants:'))) && after.includes(`\n${frozen}variants:`), after);
      await until('the frozen case in the Test Explorer', async () => (await api.evalTestItems()).includes(`greet.eval.yaml > hello > ${id}`));
      // run alone, in one variant: only its step runs, and it passes
      const o = (await vscode.commands.executeCommand('orchestrator.runEval', uri, { variant: 'hello', case: id })) as EvalOutcomeView;
      assert.deepEqual(o.results.map((r) => `${r.case} ${r.variant} ${r.status}`), [`${id} hello pass`]);
    } finally {
      // the eval as the tests after this one expect it
      fs.writeFileSync(uri.fsPath, before);
    }
  });

  it('a case a guardrail stopped says which guard of the pipeline acted, at the guard’s line', async () => {
    // written here, not among the fixtures: only this test runs it (its model is the editor's fake one)
    const pipelineFile = path.join(workspace(), 'guarded-eval.pipeline.yaml');
    const evalFile = path.join(workspace(), 'guarded.eval.yaml');
    fs.writeFileSync(
      pipelineFile,
      [
        '# the fake model of the editor echoes its prompt, so a request for a refund reaches the output guard',
        'id: guarded_reply',
        'model: vscode:fake/echo',
        'parameters:',
        '  request: {type: string, required: true}',
        'steps:',
        '  - id: reply',
        '    action: generate',
        '    parameters: {prompt: "Reply to: {{ request }}", max_tokens: 100}',
        '    guardrails:',
        '      output:',
        '        - {name: no-promises, deny: "(?i)refund"}',
        'outputs:',
        '  text: "{{ reply.result }}"',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(evalFile, ['pipeline: guarded-eval.pipeline.yaml', 'cases:', '  - id: hours', '    request: When do you open?', '  - id: refund', '    request: I want a refund', 'assert:', '  - output: text', '    contains: Reply to', ''].join('\n'));
    try {
      const ev = vscode.Uri.file(evalFile);
      const o = (await vscode.commands.executeCommand('orchestrator.runEval', ev)) as EvalOutcomeView;
      assert.deepEqual(o.results.map((r) => `${r.case} ${r.status}`), ['hours pass', 'refund fail']);
      const refund = api.evalTestMessages(ev.toString()).find((m) => m.case === 'refund')!;
      // the assertion that failed, at its line of the eval; then the guard, at its line of the pipeline (line 12)
      assert.deepEqual(refund.messages.map((m) => m.line), [7, 11]);
      assert.match(refund.messages[0].message, /^contains on output text: output 'text' was not produced \(the run failed at step 'reply'/);
      assert.match(refund.messages[1].message, /^Guardrail 'no-promises' on step 'reply' \(output\) blocked it: matched the denied pattern .*refund/);
    } finally {
      fs.rmSync(pipelineFile, { force: true });
      fs.rmSync(evalFile, { force: true });
    }
  });

  it('trials: a coin that alternates is a flaky case, failed under pass^k, with its four trials as child results', async () => {
    const coin = vscode.Uri.file(path.join(workspace(), 'coin.eval.yaml'));
    const o = (await vscode.commands.executeCommand('orchestrator.runEval', coin)) as EvalOutcomeView;
    const r = o.results[0];
    assert.deepEqual([r.case, r.status, r.flaky, r.trials?.runs.map((t) => t.status)], ['lucky', 'fail', true, ['pass', 'fail', 'pass', 'fail']]);
    const items = (await api.evalTestItems()).filter((i) => i.startsWith('coin.eval.yaml'));
    assert.deepEqual(items, ['coin.eval.yaml', 'coin.eval.yaml > default', 'coin.eval.yaml > default > lucky', 'coin.eval.yaml > default > lucky > trial 1', 'coin.eval.yaml > default > lucky > trial 2', 'coin.eval.yaml > default > lucky > trial 3', 'coin.eval.yaml > default > lucky > trial 4']);
  });

  it('the Coverage profile gives VS Code the pipeline’s statements and branches: a step never reached has 0', async () => {
    const coin = vscode.Uri.file(path.join(workspace(), 'coin.eval.yaml'));
    const o = (await vscode.commands.executeCommand('orchestrator.runEval', coin, { coverage: true })) as EvalOutcomeView;
    assert.ok(o.coverage, 'coverage');
    assert.deepEqual(o.coverage.statements, [
      { line: 9, executed: 4, branches: [] },
      { line: 14, executed: 2, branches: [] },
      { line: 18, executed: 4, branches: [{ label: 'true', executed: 2 }, { label: 'false', executed: 2 }] },
      { line: 22, executed: 4, branches: [] },
      { line: 24, executed: 4, branches: [{ label: '0 iterations', executed: 4 }, { label: '1 iteration', executed: 0 }, { label: 'many iterations', executed: 0 }] },
      { line: 26, executed: 0, branches: [] },
    ]);
    assert.match(o.coverage.lcov, /^TN:\nSF:coin\.pipeline\.yaml\n/);
  });
});
