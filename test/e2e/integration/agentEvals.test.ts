// An agent's eval in a real extension host: test/e2e/fixtures/inbox-reader.eval.yaml runs its agent
// against a loopback server speaking OpenAI's protocol (started here, in the extension host's own
// process, whose environment the extension reads at each run). No one approves the agent's write in
// an eval, so its tool_sequence fails: the Test Explorer is given a diff of the calls expected and
// made, one a line, at the assertion's line; the assertions that pass give nothing.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import type { OrchestratorApi } from '../../../client/api';
import { until, workspace } from './helpers';
import { readRunResult } from '../../../engine/run/runPacks';
import { inboxReaderTurn } from './inboxReaderModel';

describe("an agent's eval in the Test Explorer", () => {
  const provider = new LoopbackProviders();
  const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
  let api: OrchestratorApi;
  let uri: vscode.Uri;
  before(async () => {
    await provider.start();
    provider.responder = inboxReaderTurn;
    process.env.OPENAI_BASE_URL = `${provider.origin}/v1`;
    process.env.OPENAI_API_KEY = 'sk-loopback-in-host';
    api = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!.exports;
    uri = vscode.Uri.file(path.join(workspace(), 'inbox-reader.eval.yaml'));
  });
  after(async () => {
    for (const [name, v] of [['OPENAI_BASE_URL', saved.base], ['OPENAI_API_KEY', saved.key]] as const) {
      if (v === undefined) delete process.env[name];
      else process.env[name] = v;
    }
    await provider.stop();
  });

  it('a failed tool_sequence is a diff of the calls, one a line, at the assertion; the passing ones give nothing', async () => {
    await until('the eval in the Test Explorer', async () => (await api.evalTestItems()).includes('inbox-reader.eval.yaml > default > inbox'));
    await vscode.commands.executeCommand('orchestrator.runEval', uri);
    const o = api.evalOutcome(uri.toString());
    assert.ok(o, 'an outcome');
    assert.deepEqual(o.results.map((r) => `${r.case} ${r.variant} ${r.status}`), ['inbox default fail']);
    assert.deepEqual(api.evalTestMessages(uri.toString()), [
      {
        case: 'inbox',
        variant: 'default',
        messages: [
          {
            message:
              "tool_sequence on step reader: filesystem.list → filesystem.read ran in that order (up to call 2), but no filesystem.write ran after them: it was asked for but did not run: denied (The call was denied: it needs a person's approval and no one could be asked (answer it ahead with -i STEP_ID=approve, pa…); the calls: filesystem.list, filesystem.read, filesystem.write (denied)",
            expected: 'filesystem.list\nfilesystem.read\nfilesystem.write',
            actual: 'filesystem.list\nfilesystem.read\nfilesystem.write (denied)',
            // `  - step: reader` of the tool_sequence assertion (line 13 of the file)
            line: 12,
          },
        ],
      },
    ]);
    assert.equal(fs.readFileSync(uri.fsPath, 'utf8').split('\n')[12], '  - step: reader');
    assert.equal(fs.readFileSync(uri.fsPath, 'utf8').split('\n')[13], '    tool_sequence: [filesystem.list, filesystem.read, filesystem.write]');
    // the agent asked four times (list, read, write, the answer) and its denied write wrote nothing
    assert.equal(provider.requests.filter((r) => r.path === '/v1/chat/completions').length, 4);
    assert.equal(fs.existsSync(path.join(workspace(), 'output', 'inbox-note.md')), false);
    // the case's run is recorded with the agent's calls, for the eval panel's cell to open
    const doc = readRunResult(workspace(), o.results[0].runId!) as unknown as { steps: Record<string, { result: { tool_calls: { tool: string; status: string }[] } }> };
    assert.deepEqual(doc.steps.reader.result.tool_calls.map((c) => `${c.tool} ${c.status}`), ['filesystem.list ok', 'filesystem.read ok', 'filesystem.write denied']);
    await until('the eval panel', () => api.evalPanelRendered(uri.toString()));
    assert.deepEqual(api.evalPanelRendered(uri.toString()), { cells: 1, failing: ['inbox [default]'] });
  });
});
