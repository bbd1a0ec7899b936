// The Runs view in a real extension host: a run started from the command line (`orc`, in the
// workspace folder) is listed with its status and tokens; Compare Runs of two runs of the same
// pipeline finds exactly the step whose result changed; Open replays a record in the graph panel.
// (Delete asks in a modal dialog, which the extension host cannot answer: it is not driven here.)
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { OrchestratorApi } from '../../../client/api';



const PIPELINE = `id: compare_me
parameters:
  who:
    type: string
    default: A
steps:
  - id: fixed
    tool: filesystem
    action: write
    parameters:
      path: output/fixed.txt
      content: same every time
  - id: varies
    tool: filesystem
    action: write
    dependencies: [fixed]
    parameters:
      path: output/varies.txt
      content: "hello {{ who }}"
`;

describe('the Runs view', () => {
  let api: OrchestratorApi;
  let cli: string;
  const orc = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: workspace(), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
    assert.equal(r.status, 0, `orc ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as { execution_id: string };
  };

  before(() => {
    const ext = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!;
    api = ext.exports;
    cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    fs.writeFileSync(path.join(workspace(), 'compare.pipeline.yaml'), PIPELINE);
  });

  it('lists a run started from the command line; Compare finds the step whose result changed', async () => {
    const first = orc('run', 'compare.pipeline.yaml', '-i', 'who=A', '--json');
    const listed = await until('the CLI run in the view', () => api.listedRuns().find((r) => r.runId === first.execution_id));
    assert.deepEqual(listed, { runId: first.execution_id, pipelineId: 'compare_me', status: 'completed', tokens: 0 });
    const second = orc('run', 'compare.pipeline.yaml', '-i', 'who=Bee', '--json');
    await until('the second run in the view, newest first', () => api.listedRuns()[0]?.runId === second.execution_id);

    const folder = api.runStateFolder(vscode.Uri.file(path.join(workspace(), 'compare.pipeline.yaml')).toString());
    const a = { folder, runId: first.execution_id, summary: null };
    const b = { folder, runId: second.execution_id, summary: null };
    const rows = await vscode.commands.executeCommand<{ step: string; changed: boolean; a: { result: unknown } | null; b: { result: unknown } | null }[]>('orchestrator.runs.compare', a, [a, b]);
    assert.deepEqual(rows?.map((r) => [r.step, r.changed]), [
      ['fixed', false],
      ['varies', true],
    ]);
    assert.deepEqual([rows![1].a?.result, rows![1].b?.result], [{ path: 'output/varies.txt', size: 7 }, { path: 'output/varies.txt', size: 9 }]);
  });

  it("Open replays a record in its pipeline's panel, with its timeline", async () => {
    const run = orc('run', 'compare.pipeline.yaml', '--json');
    const file = path.join(workspace(), 'compare.pipeline.yaml');
    const folder = api.runStateFolder(vscode.Uri.file(file).toString());
    const item = await until('the run in the view', () => api.listedRuns().find((r) => r.runId === run.execution_id));
    assert.equal(item.status, 'completed');
    const summary = JSON.parse(fs.readFileSync(path.join(folder, '.orchestrator', 'runs', run.execution_id, 'checkpoint.json'), 'utf8')) as Record<string, unknown>;
    const opened = await vscode.commands.executeCommand<boolean>('orchestrator.runs.open', { folder, runId: run.execution_id, summary: { ...summary, pipeline_file: file } });
    assert.equal(opened, true);
    const drawn = await until('the panel to draw the record', () => {
      const r = api.panelRendered(vscode.Uri.file(file).toString());
      return r && r.runId === run.execution_id && r.statuses.varies === 'completed' ? r : undefined;
    });
    assert.deepEqual(drawn.statuses, { fixed: 'completed', varies: 'completed' });
    assert.deepEqual(drawn.critical, ['fixed', 'varies']);
  });
});
