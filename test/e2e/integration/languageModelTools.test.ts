// Pipelines in agent mode, inside a real extension host: the tools package.json contributes are in
// vscode.lm.tools with their schemas; the list tool gives the exposed pipelines (as the setting
// says, `none` taking the tools back) with their input schemas; the run tool, invoked as an agent
// would with vscode.lm.invokeTool, runs the pipeline in the run panel, records it in
// .orchestrator/runs, and returns its outputs; the validate tool gives a text's or a file's findings
// as `orc validate --json` does; results are JSON data parts (this VS Code has them); and the chat
// has the prompt files /new-pipeline and /add-eval and the skill the extension contributes. (In an extension-tests host VS Code confirms every
// tool call without showing its dialog: the confirmation as a person sees it is in
// test/e2e/languageModelTools.test.ts, its text in test/client/agentTools.test.ts.)
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { OrchestratorApi } from '../../../client/api';

const EXTENSION_ID = 'orchestrator.orchestrator-pipelines';

/** A data part as this VS Code has it (1.10x; the types of 1.101 do not). */
interface DataPart {
  mimeType: string;
  data: Uint8Array;
}
const DataPartClass = (vscode as unknown as { LanguageModelDataPart?: new (...a: unknown[]) => DataPart }).LanguageModelDataPart;

/** A result's text: its text parts, or its JSON data parts' text. */
function textOf(r: vscode.LanguageModelToolResult): string {
  return r.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : DataPartClass && p instanceof DataPartClass ? Buffer.from(p.data).toString('utf8') : '')).join('');
}

/** The one part of a tool result, which must be JSON data: its value. */
function jsonOf(r: vscode.LanguageModelToolResult): unknown {
  assert.equal(r.content.length, 1);
  const p = r.content[0];
  assert.ok(DataPartClass && p instanceof DataPartClass, `a LanguageModelDataPart, not ${JSON.stringify(p)}`);
  assert.equal(p.mimeType, 'text/x-json');
  return JSON.parse(Buffer.from(p.data).toString('utf8'));
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

  it('the three tools are in vscode.lm.tools with their input schemas', async () => {
    const tools = await until('the tools in vscode.lm.tools', () => (ours().length === 3 ? ours() : undefined));
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
        {
          name: 'orchestrator_validatePipeline',
          inputSchema: {
            type: 'object',
            properties: {
              text: { type: 'string', description: 'The YAML of a pipeline or an eval file.' },
              file: { type: 'string', description: 'A path in the workspace (relative to a workspace folder, or absolute): the file to check, or where `text` would be saved.' },
            },
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
    assert.deepEqual(jsonOf(r), { greeting: 'Hello, Grace!' });
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

  it('validates a file as the editor holds it, and a text, as orc validate --json does', async () => {
    const broken = {
      file: 'broken.pipeline.yaml',
      valid: false,
      findings: [
        {
          code: 'step.unknown-dependency',
          severity: 'error',
          message: "Unknown step 'fecth' in the dependencies of 'summarize'. Did you mean 'fetch'?",
          range: { start: { line: 14, character: 19 }, end: { line: 14, character: 24 } },
          step: 'summarize',
          path: 'steps[1].dependencies[0]',
          suggestions: ['fetch'],
        },
      ],
    };
    const validate = async (input: object) => jsonOf(await vscode.lm.invokeTool('orchestrator_validatePipeline', { input, toolInvocationToken: undefined }));
    assert.deepEqual(await validate({ file: 'broken.pipeline.yaml' }), broken);
    // the text alone: the same findings, named <text>
    const text = fs.readFileSync(path.join(workspace(), 'broken.pipeline.yaml'), 'utf8');
    assert.deepEqual(await validate({ text }), { ...broken, file: '<text>' });
    // an open document's unsaved edit is what is checked (a copy of it, closed and removed after)
    const copy = path.join(workspace(), 'agent-validate.pipeline.yaml');
    fs.writeFileSync(copy, text);
    try {
      const doc = await vscode.workspace.openTextDocument(copy);
      await vscode.window.showTextDocument(doc);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(14, 19, 14, 24), 'fetch');
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.equal(doc.isDirty, true);
      assert.deepEqual(await validate({ file: 'agent-validate.pipeline.yaml' }), { file: 'agent-validate.pipeline.yaml', valid: true, findings: [] });
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    } finally {
      fs.rmSync(copy, { force: true });
    }
    // an eval file, against its pipeline beside it
    assert.deepEqual(await validate({ file: 'hello.eval.yaml' }), { file: 'hello.eval.yaml', valid: true, findings: [] });
    await assert.rejects(Promise.resolve(vscode.lm.invokeTool('orchestrator_validatePipeline', { input: { file: '/etc/passwd' }, toolInvocationToken: undefined })), /'\/etc\/passwd' is not under a workspace folder/);
  });

  it('the chat has the prompt files /new-pipeline and /add-eval and the skill orchestrator-pipelines', async () => {
    const listed = await until('the extension\'s prompt files', async () => {
      const all = (await vscode.commands.executeCommand<{ uri: { path: string }; type: string; extensionId: string }[]>('_listExtensionPromptFiles')) ?? [];
      const mine = all.filter((f) => f.extensionId === EXTENSION_ID);
      return mine.length === 3 ? mine : undefined;
    });
    assert.deepEqual(listed.map((f) => `${f.type} ${f.uri.path.replace(/^.*\/dist\/chat\//, '')}`).sort(), ['prompt add-eval.prompt.md', 'prompt new-pipeline.prompt.md', 'skill orchestrator-pipelines/SKILL.md']);
  });
});
