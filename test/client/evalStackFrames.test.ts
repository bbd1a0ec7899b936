// The stack trace of a failed eval case (client/evalStackFrames.ts): tool call, step, pipeline,
// each at its line of the pipeline file, for a plain tool step and for an agent's call.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { failureFrames } from '../../client/evalStackFrames';
import { analyze, type ResultDocument } from '../../engine/api/index';

const FIXTURES = path.join(__dirname, '..', 'e2e', 'fixtures');
const pipelineOf = (f: string) => analyze(fs.readFileSync(path.join(FIXTURES, f), 'utf8'));
const lines = (f: string) => fs.readFileSync(path.join(FIXTURES, f), 'utf8').split('\n');
const doc = (d: Partial<ResultDocument>) => ({ outputs: {}, steps: {}, execution_order: [], failed_steps: [], ...d }) as unknown as ResultDocument;

describe('eval stack frames', () => {
  it("an output's failure: the tool step it is made from, that step, the pipeline", () => {
    const frames = failureFrames(pipelineOf('greet.pipeline.yaml'), doc({ execution_order: ['write', 'read'] }), { kind: 'equals', target: 'output message', expected: 'x' });
    assert.deepEqual(frames, [
      { label: 'tool filesystem.read', at: { line: 19, character: 4 } },
      { label: 'step read', at: { line: 18, character: 4 } },
      { label: 'pipeline greet', at: { line: 1, character: 0 } },
    ]);
    const l = lines('greet.pipeline.yaml');
    assert.deepEqual([l[19], l[18], l[1]], ['    tool: filesystem', '  - id: read', 'id: greet']);
  });

  it("an agent's failure: its last call that did not succeed, at the entry of its tools: that allowed it", () => {
    const result = { tool_calls: [{ tool: 'filesystem.list', status: 'ok' }, { tool: 'filesystem.write', status: 'denied' }, { tool: 'filesystem.read', status: 'ok' }] };
    const d = doc({ execution_order: ['reader'], steps: { reader: { result } } as unknown as ResultDocument['steps'] });
    const frames = failureFrames(pipelineOf('inbox-reader.pipeline.yaml'), d, { kind: 'tool_sequence', target: 'step reader', expected: [] });
    assert.deepEqual(frames.map((f) => `${f.label} ${f.at?.line}`), ['tool filesystem.write 19', 'step reader 14', 'pipeline inbox-reader 3']);
    const l = lines('inbox-reader.pipeline.yaml');
    assert.deepEqual([l[19].trim(), l[14].trim(), l[3]], ['- {filesystem.write: {approve: true}}', '- id: reader', 'id: inbox-reader']);
    // tool_called names its tool: the frame is that tool's call
    assert.equal(failureFrames(pipelineOf('inbox-reader.pipeline.yaml'), d, { kind: 'tool_called', target: 'step reader', expected: 'filesystem.list' })[0].label, 'tool filesystem.list');
  });

  it('a run that failed is placed at its failed step; a run-level assertion of a completed run at the pipeline alone', () => {
    const p = pipelineOf('greet.pipeline.yaml');
    assert.deepEqual(failureFrames(p, doc({ failed_steps: ['write'] }), null).map((f) => f.label), ['tool filesystem.write', 'step write', 'pipeline greet']);
    assert.deepEqual(failureFrames(p, doc({}), { kind: 'max_cost_usd', target: 'run', expected: '<= 0' }).map((f) => f.label), ['pipeline greet']);
  });
});
