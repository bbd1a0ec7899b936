// The Test Explorer used fully (#61 item 6), in a real extension host: a failed case's message has
// a stack trace (tool call, step, pipeline, each at its line of the pipeline file) and a context
// value for its actions; Accept Actual as Expected is one edit of the eval file; Open Run opens the
// case's run in the graph panel; every item is tagged offline (a cassette) or live, the replay
// profile runs offline items only; and its continuous run re-runs, on a save, the cases the save
// affects, under replay. The model is a loopback server speaking OpenAI's protocol: a replay must
// send it nothing.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import type { OrchestratorApi } from '../../../client/api';
import { until, workspace } from './helpers';
import { inboxReaderTurn } from './inboxReaderModel';

const GREET_EVAL = `# Two variants of greet.pipeline.yaml, two cases: grace expects "Hello", so she fails in 'hi'.
pipeline: greet.pipeline.yaml
cases:
  - id: ada
    name: Ada
  - id: grace
    name: Grace
    assert:
      - output: message
        equals: "Hello, Grace!"
variants:
  - name: hello
    parameters: { greeting: Hello }
  - name: hi
    parameters: { greeting: Hi }
assert:
  - output: message
    contains: "{{ case.name }}"
  - output: message
    max_length: 40
threshold: 0.75
`;

describe('the Test Explorer used fully: stack traces, Accept Actual, Open Run, tags, continuous replay', () => {
  const provider = new LoopbackProviders();
  const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
  let api: OrchestratorApi;
  const file = (name: string) => path.join(workspace(), name);
  const uriOf = (name: string) => vscode.Uri.file(file(name));
  let greetText = '';
  let pipelineText: string;
  /** The item a continuous run was started on (stopped in after() if a test failed first). */
  let continuous: vscode.TestItem | undefined;

  /** A case's item by its eval file, variant and case. */
  const caseItem = (name: string, variant: string, c: string): vscode.TestItem => {
    const f = api.evalTesting().controller.items.get(uriOf(name).toString());
    let found: vscode.TestItem | undefined;
    f?.children.forEach((v) => v.label === variant && v.children.forEach((x) => void (x.label === c && (found = x))));
    assert.ok(found, `${name} > ${variant} > ${c}`);
    return found;
  };
  const frames = (m: vscode.TestMessage) => (m.stackTrace ?? []).map((f) => `${f.label} ${f.uri ? path.basename(f.uri.fsPath) : '-'}:${f.position?.line}`);

  before(async () => {
    await provider.start();
    provider.responder = inboxReaderTurn;
    process.env.OPENAI_BASE_URL = `${provider.origin}/v1`;
    process.env.OPENAI_API_KEY = 'sk-loopback-in-host';
    api = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!.exports;
    // greet's eval (grace fails in 'hi'), an agent's eval (its write is denied), and the example
    // summary eval beside a copy of its cassette (written first: the eval is listed offline)
    // (greet.eval.yaml as the fixture is: the evals suite adds a case to the workspace's copy)
    greetText = GREET_EVAL;
    fs.writeFileSync(file('explorer-greet.eval.yaml'), greetText);
    fs.writeFileSync(file('explorer-inbox.eval.yaml'), 'pipeline: inbox-reader.pipeline.yaml\ncases:\n  - id: inbox\n    inbox: triage/inbox\nassert:\n  - step: reader\n    tool_sequence: [filesystem.list, filesystem.read, filesystem.write]\n');
    fs.copyFileSync(file('summarize.cassette.jsonl'), file('explorer-summarize.cassette.jsonl'));
    fs.writeFileSync(file('explorer-summarize.eval.yaml'), fs.readFileSync(file('summarize.eval.yaml'), 'utf8'));
    pipelineText = fs.readFileSync(file('summarize.pipeline.yaml'), 'utf8');
    await until('the evals in the Test Explorer', async () => {
      const items = await api.evalTestItems();
      return ['explorer-greet.eval.yaml > hi > grace', 'explorer-inbox.eval.yaml > default > inbox', 'explorer-summarize.eval.yaml > large > rate-limits'].every((i) => items.includes(i));
    });
  });
  after(async () => {
    for (const [name, v] of [['OPENAI_BASE_URL', saved.base], ['OPENAI_API_KEY', saved.key]] as const) {
      if (v === undefined) delete process.env[name];
      else process.env[name] = v;
    }
    if (continuous) await vscode.commands.executeCommand('vscode.stopContinuousTestRun', [continuous]);
    if (fs.readFileSync(file('summarize.pipeline.yaml'), 'utf8') !== pipelineText) fs.writeFileSync(file('summarize.pipeline.yaml'), pipelineText);
    await provider.stop();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('every item carries offline (a cassette beside the eval) or live; Run (replay) is bound to offline and runs continuously', () => {
    const { controller, replayProfile } = api.evalTesting();
    const tagsOf = (name: string) => {
      const out: string[] = [];
      const walk = (i: vscode.TestItem, prefix: string) => {
        out.push(`${prefix}${i.label}: ${i.tags.map((t) => t.id).join(',')}`);
        i.children.forEach((c) => walk(c, `${prefix}${i.label} > `));
      };
      walk(controller.items.get(uriOf(name).toString())!, '');
      return out;
    };
    assert.deepEqual(tagsOf('explorer-summarize.eval.yaml'), [
      'explorer-summarize.eval.yaml: offline',
      'explorer-summarize.eval.yaml > mini: offline',
      'explorer-summarize.eval.yaml > mini > checkpoints: offline',
      'explorer-summarize.eval.yaml > mini > rate-limits: offline',
      'explorer-summarize.eval.yaml > large: offline',
      'explorer-summarize.eval.yaml > large > checkpoints: offline',
      'explorer-summarize.eval.yaml > large > rate-limits: offline',
    ]);
    assert.deepEqual(tagsOf('explorer-inbox.eval.yaml'), ['explorer-inbox.eval.yaml: live', 'explorer-inbox.eval.yaml > default: live', 'explorer-inbox.eval.yaml > default > inbox: live']);
    assert.equal(replayProfile.label, 'Run (replay)');
    assert.equal(replayProfile.tag?.id, 'offline');
    assert.equal(replayProfile.supportsContinuousRun, true);
  });

  it("a failed tool step's message: its stack trace is the tool, the step and the pipeline at their lines; Open Run opens the case's run", async () => {
    const uri = uriOf('explorer-greet.eval.yaml');
    await vscode.commands.executeCommand('orchestrator.runEval', uri);
    const o = api.evalOutcome(uri.toString())!;
    assert.deepEqual(o.results.map((r) => `${r.case} ${r.variant} ${r.status}`), ['ada hello pass', 'ada hi pass', 'grace hello pass', 'grace hi fail']);
    const item = caseItem('explorer-greet.eval.yaml', 'hi', 'grace');
    const [m] = api.evalTesting().messages(item.id);
    assert.equal(api.evalTesting().messages(item.id).length, 1);
    // the equals of grace's own assert: (`      - output: message`, line 9 of the file)
    assert.equal(m.location?.range.start.line, 8);
    assert.deepEqual(frames(m), ['tool filesystem.read greet.pipeline.yaml:19', 'step read greet.pipeline.yaml:18', 'pipeline greet greet.pipeline.yaml:1']);
    const lines = fs.readFileSync(file('greet.pipeline.yaml'), 'utf8').split('\n');
    assert.deepEqual([lines[19], lines[18], lines[1]], ['    tool: filesystem', '  - id: read', 'id: greet']);
    assert.equal(m.contextValue, 'orcEvalRunAccept');
    // Open Run, as the message's menu calls it: the graph panel of greet shows that case's run
    const runId = o.results.find((r) => r.case === 'grace' && r.variant === 'hi')!.runId;
    assert.equal(await vscode.commands.executeCommand('orchestrator.evalOpenRun', { test: item, message: m }), true);
    const shown = await until('the run in the graph panel', () => ((p) => (p?.runId === runId && p.statuses.read === 'completed' ? p : undefined))(api.panelRendered(uriOf('greet.pipeline.yaml').toString())));
    assert.deepEqual(shown.statuses, { write: 'completed', read: 'completed' });
  });

  it('Accept Actual as Expected is one edit of the eval file: the expected value becomes the actual', async () => {
    const item = caseItem('explorer-greet.eval.yaml', 'hi', 'grace');
    const [m] = api.evalTesting().messages(item.id);
    const r = (await vscode.commands.executeCommand('orchestrator.evalAcceptActual', { test: item, message: m })) as { accepted: boolean };
    assert.deepEqual(r, { accepted: true, text: greetText.replace('        equals: "Hello, Grace!"\n', '        equals: "Hi, Grace!"\n') });
    assert.equal(fs.readFileSync(file('explorer-greet.eval.yaml'), 'utf8'), greetText.replace('        equals: "Hello, Grace!"\n', '        equals: "Hi, Grace!"\n'));
  });

  it("an agent's failed call: the stack trace is the denied call at its entry of tools:, the agent step, the pipeline", async () => {
    const uri = uriOf('explorer-inbox.eval.yaml');
    await vscode.commands.executeCommand('orchestrator.runEval', uri);
    assert.deepEqual(api.evalOutcome(uri.toString())!.results.map((r) => `${r.case} ${r.status}`), ['inbox fail']);
    const [m] = api.evalTesting().messages(caseItem('explorer-inbox.eval.yaml', 'default', 'inbox').id);
    assert.deepEqual(frames(m), ['tool filesystem.write inbox-reader.pipeline.yaml:19', 'step reader inbox-reader.pipeline.yaml:14', 'pipeline inbox-reader inbox-reader.pipeline.yaml:3']);
    const lines = fs.readFileSync(file('inbox-reader.pipeline.yaml'), 'utf8').split('\n');
    assert.deepEqual([lines[19], lines[14], lines[3]], ['      - {filesystem.write: {approve: true}}', '  - id: reader', 'id: inbox-reader']);
    // a trajectory is not a value to accept: Open Run only
    assert.equal(m.contextValue, 'orcEvalRun');
  });

  it('continuous run on the replay profile: a saved case re-runs that case, a saved pipeline every case of the eval, and no provider is called', async () => {
    const uri = uriOf('explorer-summarize.eval.yaml');
    const { controller, replayProfile, continuous: state } = api.evalTesting();
    const fileItem = (continuous = controller.items.get(uri.toString())!);
    const calls = provider.requests.length;
    const other = api.evalOutcome(uriOf('summarize.eval.yaml').toString())?.evalId;
    await vscode.commands.executeCommand('vscode.startContinuousTestRun', replayProfile, [fileItem]);
    const n = state().runs.length;
    await until('the continuous run on', () => state().active === 1);
    const given = () => api.evalTestMessages(uri.toString()).map((g) => `${g.case} ${g.variant}: ${g.messages.length} messages`).sort();
    // one case gains an assertion of its own: only that case re-runs, in both variants
    const doc = await vscode.workspace.openTextDocument(uri);
    const at = doc.getText().indexOf('    audience: executives\n') + '    audience: executives\n'.length;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, doc.positionAt(at), '    assert:\n      - output: summary\n        min_length: 10\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await doc.save();
    await until('a run after the eval file was saved', () => state().runs[n]?.done);
    assert.deepEqual(state().runs[n].items.sort(), ['explorer-summarize.eval.yaml > large > rate-limits', 'explorer-summarize.eval.yaml > mini > rate-limits']);
    // each passed (a passed case has no message); the other case was not run
    assert.deepEqual(given(), ['rate-limits large: 0 messages', 'rate-limits mini: 0 messages']);
    // the pipeline saved: every case of the eval re-runs
    const pipeline = await vscode.workspace.openTextDocument(uriOf('summarize.pipeline.yaml'));
    const touch = new vscode.WorkspaceEdit();
    touch.insert(pipeline.uri, pipeline.positionAt(pipeline.getText().length), '# saved while a continuous run was on\n');
    assert.ok(await vscode.workspace.applyEdit(touch));
    await pipeline.save();
    await until('a run after the pipeline was saved', () => state().runs[n + 1]?.done);
    assert.equal(state().runs.length, n + 2);
    assert.deepEqual(state().runs[n + 1].items.sort(), ['explorer-summarize.eval.yaml > large > checkpoints', 'explorer-summarize.eval.yaml > large > rate-limits', 'explorer-summarize.eval.yaml > mini > checkpoints', 'explorer-summarize.eval.yaml > mini > rate-limits']);
    assert.deepEqual(given(), ['checkpoints large: 0 messages', 'checkpoints mini: 0 messages', 'rate-limits large: 0 messages', 'rate-limits mini: 0 messages']);
    assert.deepEqual(api.evalOutcome(uri.toString())!.results.map((r) => r.status), ['pass', 'pass']);
    assert.equal(provider.requests.length, calls, 'a replay sends no request to the model');
    // the other evals of the pipeline were not in the continuous run
    assert.equal(api.evalOutcome(uriOf('summarize.eval.yaml').toString())?.evalId, other);
    await vscode.commands.executeCommand('vscode.stopContinuousTestRun', [fileItem]);
    await until('the continuous run off', () => state().active === 0);
  });
});
