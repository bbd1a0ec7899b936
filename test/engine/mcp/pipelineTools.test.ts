// A pipeline seen as a tool (engine/mcp/pipelineTools.ts): MCP's tool-name rules, unique names,
// and the JSON Schema of its parameters.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { pipelineToolDescription, toolNameOf, uniqueToolNames } from '../../../engine/mcp/pipelineTools';

describe('pipelineTools', () => {
  it('keeps MCP tool names to 1-128 characters of A-Z a-z 0-9 _ - .', () => {
    assert.equal(toolNameOf('report-builder_v2'), 'report-builder_v2');
    assert.equal(toolNameOf('résumé builder/2'), 'r_sum__builder_2');
    assert.equal(toolNameOf(''), 'pipeline');
    assert.equal(toolNameOf('a'.repeat(200)), 'a'.repeat(128));
  });

  it('gives a name already taken a suffix, the first keeping it', () => {
    assert.deepEqual(uniqueToolNames(['greet', 'greet', 'gr eet', 'greet']), ['greet', 'greet_2', 'gr_eet', 'greet_3']);
    const long = 'x'.repeat(130);
    assert.deepEqual(uniqueToolNames([long, long]), ['x'.repeat(128), `${'x'.repeat(126)}_2`]);
  });

  it('turns parameters into the input schema: types, enums, defaults, required, secrets write-only', () => {
    const a = analyze(
      [
        'id: p',
        'name: P',
        'parameters:',
        '  topic: {type: string, required: true, description: What about.}',
        '  level: {type: string, enum: [low, high], default: low, required: true}',
        '  n: {type: integer}',
        '  ratio: {type: number, default: 0.5}',
        '  token: {type: string, secret: true, required: true}',
        '  anything: {description: Free.}',
        'steps:',
        '  - id: s',
        '    tool: data',
        '    action: convert',
        '    parameters: {data: 1, format: json}',
        'outputs:',
        '  out: "{{ s.result.content }}"',
      ].join('\n'),
    );
    assert.deepEqual(pipelineToolDescription(a.pipeline!), {
      name: 'p',
      title: 'P',
      description: "Runs the pipeline 'P'.",
      inputSchema: {
        type: 'object',
        properties: {
          topic: { type: 'string', description: 'What about.' },
          level: { type: 'string', enum: ['low', 'high'], default: 'low' },
          n: { type: 'integer' },
          ratio: { type: 'number', default: 0.5 },
          token: { type: 'string', writeOnly: true },
          anything: { description: 'Free.' },
        },
        required: ['topic', 'token'],
        additionalProperties: false,
      },
      outputSchema: { type: 'object', properties: { out: {} } },
    });
  });
});
