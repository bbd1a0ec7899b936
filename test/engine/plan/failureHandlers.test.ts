// Steps that run only on failure (issue 9, item 5): an `on_failure` target that no step depends on
// and no other jump names is a handler: it runs when a step fails into it, and is skipped when
// nothing failed. A target with dependents still runs on the normal path, and validate says so.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import type { ResultDocument } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';

let dir: string;
const cmd = (id: string, command: string, extra = '') => `  - id: ${id}\n    tool: terminal\n    action: execute\n${extra}    parameters:\n      command: ${JSON.stringify(command)}\n`;

async function run(text: string): Promise<ResultDocument> {
  const a = analyze(text);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
  return runPipeline(a, { cwd: dir, checkpoint: false });
}

const handlerPipeline = (work: string) =>
  ['id: h', 'steps:', cmd('work', work, '    on_failure: handler\n'), cmd('next', 'echo next', '    dependencies: [work]\n'), cmd('handler', 'echo handled > handled.txt')].join('\n');

describe('failure handlers', function () {
  this.timeout(20_000);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-handler-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a clean run skips the handler, with the reason, and succeeds', async () => {
    const doc = await run(handlerPipeline('echo ok'));
    assert.equal(doc.status, 'completed');
    assert.deepEqual([doc.steps.work.status, doc.steps.next.status, doc.steps.handler.status], ['completed', 'completed', 'skipped']);
    assert.equal(doc.steps.handler.skip_reason, "not run: it handles the failure of 'work', and it did not fail");
    assert.equal(fs.existsSync(path.join(dir, 'handled.txt')), false, 'the handler ran on the normal path');
  });

  it('a failure runs the handler; the run still fails', async () => {
    const doc = await run(handlerPipeline('exit 4'));
    assert.equal(doc.status, 'failed');
    // 'next' comes after the handler in the execution order, so the jump does not pass over it
    assert.deepEqual([doc.steps.work.status, doc.steps.work.success, doc.steps.next.status, doc.steps.handler.status], ['completed', false, 'completed', 'completed']);
    assert.equal(fs.readFileSync(path.join(dir, 'handled.txt'), 'utf8'), 'handled\n');
  });

  it('a handler named by two steps runs once if either fails, and is skipped when neither does', async () => {
    const two = (a: string, b: string) => ['id: two', 'steps:', cmd('a', a, '    on_failure: handler\n'), cmd('b', b, '    on_failure: handler\n'), cmd('handler', 'echo x >> handled.txt')].join('\n');
    const clean = await run(two('true', 'true'));
    assert.equal(clean.steps.handler.skip_reason, "not run: it handles the failure of 'a' or 'b', and none failed");
    const bad = await run(two('true', 'false'));
    assert.equal(bad.steps.handler.status, 'completed');
    assert.equal(fs.readFileSync(path.join(dir, 'handled.txt'), 'utf8'), 'x\n');
  });

  it('a target another step depends on still runs on the normal path, and validate says so (info)', async () => {
    const text = ['id: shared', 'steps:', cmd('work', 'echo ok', '    on_failure: cleanup\n'), cmd('cleanup', 'echo cleaned'), cmd('report', 'echo report', '    dependencies: [cleanup]\n')].join('\n');
    const doc = await run(text);
    assert.deepEqual([doc.steps.cleanup.status, doc.status], ['completed', 'completed']);
    const infos = analyze(text).findings.filter((f) => f.code === 'jump.failure-target-runs-anyway');
    assert.deepEqual(
      infos.map((f) => [f.severity, f.message, `${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character}`]),
      [['info', "'cleanup' runs even when 'work' does not fail: 'report' depends on it. A step only an on_failure names, that nothing depends on, runs only on failure.", '5:16-5:23']],
    );
    // a pure handler gets no such finding
    assert.deepEqual(analyze(handlerPipeline('echo ok')).findings.filter((f) => f.code === 'jump.failure-target-runs-anyway'), []);
  });
});
