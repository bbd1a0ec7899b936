// A pipeline a run analyzes again and again (a nested pipeline run once an item, an agent's
// `pipeline:` tool once a call) is analyzed once per content: the same text, tools and passed inputs
// give the same analysis; any of them changed, a new one. And a nested pipeline run many times
// gives the same results as before.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzedOnce } from '../../../engine/analyze/analyzedOnce';
import { analyze, runPipeline } from '../../../engine/api/index';

const CHILD = 'id: child\nparameters:\n  n:\n    type: number\n    default: 1\nsteps:\n  - id: a\n    tool: filesystem\n    action: write\n    parameters:\n      path: "out{{ n }}.txt"\n      content: "n={{ n }}"\noutputs:\n  said: "n={{ n }}"\n';
const INLINE = 'id: x\nsteps:\n  - id: a\n    tool: filesystem\n    action: write\n    parameters:\n      path: rows.txt\n      content: "{{ rows }}"\n';
const noTools = () => undefined;

describe('analyzedOnce: a pipeline analyzed once per content', () => {
  it('the same text, tools and passed inputs: the same analysis, and what analyze gives', () => {
    const a = analyzedOnce(CHILD, undefined, noTools);
    assert.equal(analyzedOnce(CHILD, undefined, noTools), a);
    assert.deepEqual(a.findings, analyze(CHILD).findings);
    assert.deepEqual(a.pipeline, analyze(CHILD).pipeline);
  });

  it('another text, other tools or other passed inputs: analyzed anew', () => {
    const a = analyzedOnce(CHILD, undefined, noTools);
    const edited = CHILD.replace('said: "n=', 'said: "n is ');
    assert.notEqual(analyzedOnce(edited, undefined, noTools), a);
    const owner = {};
    const withTools = analyzedOnce(CHILD, owner, () => ({}));
    assert.notEqual(withTools, a);
    assert.equal(analyzedOnce(CHILD, owner, () => ({})), withTools);
    assert.notEqual(analyzedOnce(CHILD, {}, () => ({})), withTools);
    // an inline pipeline takes the inputs it is passed: they change what it declares
    const passed = analyzedOnce(INLINE, undefined, noTools, ['rows']);
    assert.deepEqual(passed.findings.filter((f) => f.severity === 'error'), []);
    const none = analyzedOnce(INLINE, undefined, noTools, []);
    assert.deepEqual(none.findings.filter((f) => f.severity === 'error').map((f) => f.code), ['template.unknown-name']);
  });

  it('keeps a bounded number: the oldest analysis goes first', () => {
    const first = analyzedOnce(`${CHILD}# 0\n`, undefined, noTools);
    for (let i = 1; i <= 40; i++) analyzedOnce(`${CHILD}# ${i}\n`, undefined, noTools);
    assert.notEqual(analyzedOnce(`${CHILD}# 0\n`, undefined, noTools), first);
    assert.equal(analyzedOnce(`${CHILD}# 40\n`, undefined, noTools), analyzedOnce(`${CHILD}# 40\n`, undefined, noTools));
  });

  it('a nested pipeline run once an item: every run gives its own result, the file read each time', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-analyzed-once-'));
    try {
      fs.writeFileSync(path.join(dir, 'child.pipeline.yaml'), CHILD);
      const parent = 'id: parent\nsteps:\n  - id: each\n    for_each: [1, 2, 3]\n    steps:\n      - id: run_child\n        tool: pipeline-executor\n        action: execute\n        parameters:\n          pipeline: child.pipeline.yaml\n          inputs: {n: "{{ item }}"}\noutputs:\n  all: "{{ each.result }}"\n';
      fs.writeFileSync(path.join(dir, 'parent.pipeline.yaml'), parent);
      const a = analyze(parent);
      assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
      const doc = await runPipeline(a, { cwd: dir, checkpoint: false, pipelineFile: path.join(dir, 'parent.pipeline.yaml') });
      assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
      assert.match(JSON.stringify(doc.outputs), /n=1.*n=2.*n=3/);
      // the file changed between runs: the next run reads and analyzes the new text
      fs.writeFileSync(path.join(dir, 'child.pipeline.yaml'), CHILD.replace('said: "n=', 'said: "got '));
      const again = await runPipeline(a, { cwd: dir, checkpoint: false, pipelineFile: path.join(dir, 'parent.pipeline.yaml') });
      assert.match(JSON.stringify(again.outputs), /got 1.*got 2.*got 3/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
