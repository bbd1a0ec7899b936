// Pipelines in agent mode, inside a real extension host: the tools package.json contributes are in
// vscode.lm.tools with their schemas; the list tool gives the exposed pipelines (as the setting
// says, `none` taking the tools back) with their input schemas; the run tool, invoked as an agent
// would with vscode.lm.invokeTool, runs the pipeline in the run panel, records it in
// .orchestrator/runs, and returns its outputs. (In an extension-tests host VS Code confirms every
// tool call without showing its dialog: the confirmation as a person sees it is in
// test/e2e/languageModelTools.test.ts, its text in test/client/agentTools.test.ts.)
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { OrchestratorApi } from '../../../client/api';

const EXTENSION_ID = 'orchestrator.orchestrator-pipelines';

function textOf(r: vscode.LanguageModelToolResult): string {
  return r.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
}

function ours(): vscode.LanguageModelToolInformation[] {
  return vscode.lm.tools.filter((t) => t.name.startsWith('orchestrator_')).sort((a, b) => (a.name < b.name ? -1 : 1));
}

async function listed(): Promise<{ name: string; title?: string; file: string; description: string; inputSchema: unknown; outputs: string[] }[]> {
  const r = await vscode.lm.invokeTool('orchestrator_listPipelines', { input: {}, toolInvocationToken: undefined });
  return (JSON.parse(textOf(r)) as { pipelines: { name: string; title?: string; file: string; description: string; inputSchema: unknown; outputs: string[] }[] }).pipelines;
}

async function expose(value: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('orchestrator').update('agentTools.expose', value, vscode.ConfigurationTarget.Workspace);
}

describe('pipelines in agent mode (language-model tools)', () => {
  let api: OrchestratorApi;
  before(async () => {
    const ext = vscode.extensions.getExtension<OrchestratorApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await until('activation', async () => (ext.isActive ? ext.exports : await ext.activate()));
  });
  after(async () => {
    await expose(undefined);
  });

  it('the two tools are in vscode.lm.tools with their input schemas', async () => {
    const tools = await until('the tools in vscode.lm.tools', () => (ours().length === 2 ? ours() : undefined));
    assert.deepEqual(
      tools.map((t) => ({ name: t.name, inputSchema: t.inputSchema })),
      [
        { name: 'orchestrator_listPipelines', inputSchema: { type: 'object', properties: {} } },
        {
          name: 'orchestrator_runPipeline',
          inputSchema: {
            type: 'object',
            properties: {
              pipeline: { type: 'string', description: 'The pipeline\'s name as orchestrator_listPipelines gives it.' },
              inputs: { type: 'object', description: "The pipeline's inputs by parameter name, as its inputSchema describes them. Left out: every parameter takes its default." },
            },
            required: ['pipeline'],
          },
        },
      ],
    );
  });

  it('lists the described pipelines with their input schemas; the setting widens or withdraws them', async () => {
    const described = await listed();
    const hello = described.find((p) => p.name === 'hello');
    assert.deepEqual(hello, {
      name: 'hello',
      title: 'Hello',
      file: 'hello.pipeline.yaml',
      description: 'Writes a greeting to a file, reads it back and declares it as an output.',
      inputSchema: { type: 'object', properties: { name: { type: 'string', description: 'Who to greet.', default: 'world' }, out_dir: { type: 'string', default: './output' } }, additionalProperties: false },
      outputs: ['greeting'],
    });
    // slow.pipeline.yaml has no description: offered only under "all"; broken.pipeline.yaml never (it does not compile)
    const names = described.map((p) => p.name);
    assert.ok(!names.includes('slow') && !names.includes('broken'), names.join(', '));
    await expose('all');
    const all = await until('slow listed under "all"', async () => ((await listed()).some((p) => p.name === 'slow') ? listed() : undefined));
    assert.ok(!all.some((p) => p.name === 'broken'));
    assert.deepEqual(described.filter((d) => !all.some((p) => p.name === d.name)), [], 'every described pipeline stays listed');
    // "none": the tools' implementations are taken back (vscode.lm.tools still lists every contributed
    // tool; their `when` clause keeps them out of the chat's tool picker)
    await expose('none');
    try {
      const refusal = await until('the tools withdrawn under "none"', async () => {
        try {
          await listed();
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      });
      assert.equal(refusal, 'Tool orchestrator_listPipelines does not have an implementation registered.');
    } finally {
      await expose(undefined);
    }
    await until('the tools back', async () => (await listed().catch(() => [])).some((p) => p.name === 'hello'));
  });

  it('follows the pipeline files: a new one is listed, a deleted one is gone', async () => {
    const file = path.join(workspace(), 'agent-new.pipeline.yaml');
    fs.writeFileSync(file, 'id: agent_new\ndescription: Added while the editor runs.\nsteps:\n  - id: a\n    tool: filesystem\n    action: read\n    parameters:\n      path: hello.pipeline.yaml\n');
    try {
      const added = await until('the new pipeline listed', async () => (await listed()).find((p) => p.name === 'agent_new'));
      assert.deepEqual(added, { name: 'agent_new', file: 'agent-new.pipeline.yaml', description: 'Added while the editor runs.', inputSchema: { type: 'object', properties: {}, additionalProperties: false }, outputs: [] });
    } finally {
      fs.rmSync(file, { force: true });
    }
    await until('the deleted pipeline gone', async () => !(await listed()).some((p) => p.name === 'agent_new'));
  });

  it('an agent runs a pipeline: run in the run panel, recorded, its outputs returned', async () => {
    const file = path.join(workspace(), 'hello.pipeline.yaml');
    const uri = vscode.Uri.file(file).toString();
    const r = await vscode.lm.invokeTool('orchestrator_runPipeline', { input: { pipeline: 'hello', inputs: { name: 'Grace' } }, toolInvocationToken: undefined });
    assert.equal(textOf(r), '{\n  "greeting": "Hello, Grace!"\n}');
    const run = api.lastResult(uri);
    assert.ok(run, 'the run is the pipeline\'s latest run in this window');
    assert.deepEqual(run.outputs, { greeting: 'Hello, Grace!' });
    // recorded as any run: orc runs and the Runs view see it
    const record = path.join(api.runStateFolder(uri), '.orchestrator', 'runs', run.execution_id, 'result.json');
    assert.deepEqual((JSON.parse(fs.readFileSync(record, 'utf8')) as { outputs: unknown }).outputs, { greeting: 'Hello, Grace!' });
    // and drawn in the run panel
    const shown = await until('the panel to show the run', () => {
      const p = api.panelRendered(uri);
      // (every status completed, and both there: an empty map would pass `every` before the panel drew a step)
      return p && p.runId === run.execution_id && p.statuses.write_greeting === 'completed' && p.statuses.read_greeting === 'completed' ? p : undefined;
    });
    assert.deepEqual(shown.statuses, { write_greeting: 'completed', read_greeting: 'completed' });
  });

  it('a pipeline that is not exposed is refused with the names that are', async () => {
    await assert.rejects(
      Promise.resolve(vscode.lm.invokeTool('orchestrator_runPipeline', { input: { pipeline: 'slow' }, toolInvocationToken: undefined })),
      (e: Error) => {
        assert.match(e.message, /No pipeline 'slow' is exposed to agents here\. Exposed: .*\bhello\b.*\. Call orchestrator_listPipelines for their inputs\./);
        return true;
      },
    );
  });
});
