// client/agentTools.ts: what the editor's agent mode is offered of a workspace's pipelines — which
// pipelines each setting exposes, the list the agent reads, the confirmation a person answers, the
// tool result and the MCP server entry — from real pipelines compiled by the engine.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, pipelineToolDescription, predict, registryOrShipped, type ResultDocument } from '../../engine/api/index';
import { confirmationOf, costText, usd, exposedPipelines, exposureOf, findPipeline, type OfferedPipeline, pipelineListText, runFailureText, serverDefinitions, toolResultText, unknownPipelineText } from '../../client/agentTools';

const ROOT = path.join(__dirname, '..', '..');

function offered(file: string, source = fs.readFileSync(path.join(ROOT, file), 'utf8')): OfferedPipeline {
  const a = analyze(source);
  assert.ok(a.pipeline, file);
  return { tool: pipelineToolDescription(a.pipeline), file, described: Boolean(a.pipeline.description?.trim()), parameters: a.pipeline.parameters };
}

function prediction(file: string) {
  const a = analyze(fs.readFileSync(path.join(ROOT, file), 'utf8'));
  return predict(a.pipeline!, a.plan!, { maxParallel: 4, inputs: {}, registry: registryOrShipped(undefined), history: [] });
}

const hello = offered('examples/hello.pipeline.yaml');
const summarize = offered('examples/summarize.pipeline.yaml');
const slow = offered('test/e2e/fixtures/slow.pipeline.yaml');

describe('agent tools (client/agentTools.ts)', () => {
  it('exposes the described pipelines by default, every one under "all", none under "none"', () => {
    const all = [hello, slow, summarize];
    assert.equal(exposureOf(undefined), 'described');
    assert.equal(exposureOf('everything'), 'described');
    assert.deepEqual(exposedPipelines(all, exposureOf(undefined)).map((p) => p.tool.name), ['hello', 'summarize']);
    assert.deepEqual(exposedPipelines(all, 'all').map((p) => p.tool.name), ['hello', 'slow', 'summarize']);
    assert.deepEqual(exposedPipelines(all, 'none'), []);
  });

  it('finds a pipeline by tool name or file, and says which exist when it does not', () => {
    assert.equal(findPipeline([hello, summarize], 'summarize'), summarize);
    assert.equal(findPipeline([hello, summarize], 'examples/hello.pipeline.yaml'), hello);
    assert.equal(findPipeline([hello], 'slow'), undefined);
    assert.equal(unknownPipelineText('slow', [hello, summarize]), "No pipeline 'slow' is exposed to agents here. Exposed: hello, summarize. Call orchestrator_listPipelines for their inputs.");
    assert.equal(unknownPipelineText('x', []), "No pipeline 'x' is exposed to agents here. None is exposed (see the setting orchestrator.agentTools.expose). Call orchestrator_listPipelines for their inputs.");
  });

  it('lists each exposed pipeline with its input schema, as orc mcp describes it', () => {
    assert.deepEqual(JSON.parse(pipelineListText([hello])), {
      pipelines: [
        {
          name: 'hello',
          title: 'Hello',
          file: 'examples/hello.pipeline.yaml',
          description: 'Writes a greeting to a file, reads it back and declares it as an output.',
          inputSchema: { type: 'object', properties: { name: { type: 'string', description: 'Who to greet.', default: 'world' }, out_dir: { type: 'string', default: './output' } }, additionalProperties: false },
          outputs: ['greeting'],
        },
      ],
    });
  });

  it('the confirmation names the pipeline, its inputs (defaults said, secrets hidden) and its predicted cost', () => {
    assert.deepEqual(confirmationOf(hello, { name: 'Ada' }, prediction('examples/hello.pipeline.yaml')), {
      title: 'Run pipeline Hello?',
      message: ["The agent asks to run the pipeline 'hello' (examples/hello.pipeline.yaml) in the run panel.", '', 'Inputs:', '- name: "Ada"', '- out_dir: "./output" (default)', '', 'Predicted cost: $0.00 (no step calls a model)'].join('\n'),
    });
    const secret = offered('s.pipeline.yaml', 'id: s\nparameters:\n  token:\n    type: string\n    secret: true\n  n:\n    type: integer\nsteps:\n  - id: a\n    tool: filesystem\n    action: read\n    parameters:\n      path: x\n');
    assert.equal(confirmationOf(secret, { token: 'sk-very-secret', extra: 1 }, null).message, ["The agent asks to run the pipeline 's' (s.pipeline.yaml) in the run panel.", '', 'Inputs:', '- token: (secret, hidden)', '- n: (not given)', '- extra: 1 (not a parameter of this pipeline)', '', 'Predicted cost: unknown (the pipeline could not be predicted)'].join('\n'));
  });

  it('a model step\'s cost is a range from the registry\'s prices', () => {
    const p = prediction('examples/summarize.pipeline.yaml');
    const c = p.cost_usd;
    assert.ok(c.high > 0, 'gpt-4o-mini has a price in the registry');
    // 17 tokens in, up to 200 out at gpt-4o-mini's registry prices
    assert.deepEqual(c, { expected: 0.00012255, low: 0.00000255, high: 0.00012255 });
    assert.equal(costText(p), '$0.00012 ($0.0000026 to $0.00012)');
    assert.equal(usd(0), '$0.00');
    assert.equal(usd(1.5), '$1.50');
    assert.equal(usd(0.0000001), 'under $0.000001');
  });

  it('the tool result is the outputs as JSON; a failed run says which step failed', () => {
    const doc = { pipeline_id: 'hello', execution_id: 'r1', status: 'completed', success: true, outputs: { greeting: 'Hello, Ada!' }, failed_steps: [], steps: {} } as unknown as ResultDocument;
    assert.equal(toolResultText(doc), '{\n  "greeting": "Hello, Ada!"\n}');
    const failed = { ...doc, status: 'failed', success: false, failed_steps: ['read_greeting'], steps: { read_greeting: { status: 'failed', error_type: 'FileNotFound', error: 'no such file' } } } as unknown as ResultDocument;
    assert.equal(runFailureText('hello', failed), "Pipeline 'hello' failed (run r1): read_greeting: FileNotFound: no such file.");
    assert.equal(runFailureText('hello', { ...doc, status: 'cancelled', success: false } as ResultDocument), "Pipeline 'hello' was cancelled (run r1).");
  });

  it('the MCP server entry runs the shipped CLI as orc mcp --root for each folder', () => {
    const defs = serverDefinitions([{ name: 'app', fsPath: '/w/app' }], '/ext', '/usr/bin/node', '1.2.3');
    assert.deepEqual(defs, [{ label: 'Orchestrator pipelines', command: '/usr/bin/node', args: [path.join('/ext', 'dist', 'cli.js'), 'mcp', '--root', '/w/app'], env: { ELECTRON_RUN_AS_NODE: '1' }, cwd: '/w/app', version: '1.2.3' }]);
    assert.deepEqual(serverDefinitions([{ name: 'a', fsPath: '/a' }, { name: 'b', fsPath: '/b' }], '/ext', 'node', '1').map((d) => d.label), ['Orchestrator pipelines (a)', 'Orchestrator pipelines (b)']);
  });
});
