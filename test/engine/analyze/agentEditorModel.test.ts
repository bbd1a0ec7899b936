// An agent on the editor's own language models (`vscode:`): the analyzer takes it as a model that can
// call tools (the registry does not list the editor's models, and says nothing of them), wherever
// the model is chosen: the step, its fallbacks, an expert, the pipeline, a named agent.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/api/index';

describe("agents on the editor's language models", () => {
  it('no finding says a vscode: model cannot call tools', () => {
    const text = [
      'id: x',
      'model: vscode:*',
      'experts:',
      '  editor: vscode:copilot',
      'agents:',
      '  helper: {model: "vscode:fake/echo", tools: [filesystem.read]}',
      '  by_expert: {expert: editor, tools: [filesystem.read]}',
      'steps:',
      '  - {id: own, action: agent, model: vscode:copilot/gpt-4o, tools: [filesystem.read, agent: helper, agent: by_expert], parameters: {prompt: hi}}',
      '  - {id: chain, action: agent, model: [vscode:copilot/gpt-4o, "vscode:*"], tools: [filesystem.read], parameters: {prompt: hi}}',
      '  - {id: by_expert_step, action: agent, expert: editor, tools: [filesystem.read], parameters: {prompt: hi}}',
      '  - {id: by_pipeline, action: agent, tools: [filesystem.read], parameters: {prompt: hi}}',
      '  - {id: by_parameter, action: agent, tools: [filesystem.read], parameters: {prompt: hi, model: "vscode:fake/echo"}}',
      '',
    ].join('\n');
    assert.deepEqual(analyze(text).findings.map((f) => `${f.code}: ${f.message}`), []);
  });
});
