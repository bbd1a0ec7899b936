// Hardening, round two (issue 24, item 16): a step id `constructor` or `__proto__` validated and
// then failed at run time (templates cannot read those names; `__proto__` even vanished from the
// result document). They are now refused by the analyzer; ids like `toString` and
// `hasOwnProperty`, which are ordinary names, run and read back like any other.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { runPipeline } from '../../../engine/run/runPipeline';
import { orc } from '../../helpers/cli';

const pipelineWith = (id: string) => `id: p
steps:
  - id: ${id}
    tool: data
    action: aggregate
    parameters: {data: [1, 2, 3], operations: [count]}
  - id: b
    depends_on: [${id}]
    tool: data
    action: aggregate
    parameters: {data: ["{{ steps['${id}'].result.result.count }}", "{{ ${id}.result.result.count }}"], operations: [count]}
outputs:
  o: "{{ steps['${id}'].result.result.count }}"
`;

describe('hardening 2: step ids that name parts of every object', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-ids-')))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const id of ['constructor', '__proto__', 'prototype']) {
    it(`'${id}' is refused by orc validate and orc run (exit 2), nothing run`, () => {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), pipelineWith(id));
      const v = orc(['validate', 'p.pipeline.yaml'], { cwd: dir });
      assert.equal(v.code, 2);
      assert.ok((v.stdout + v.stderr).includes(`p.pipeline.yaml:3:9: error step.reserved-id Step id '${id}' names a part of every object, which templates cannot read: choose another id.`), v.stdout + v.stderr);
      const r = orc(['run', 'p.pipeline.yaml'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(fs.existsSync(path.join(dir, '.orchestrator', 'runs')), false);
    });
  }

  for (const id of ['toString', 'hasOwnProperty', 'valueOf']) {
    it(`'${id}' validates and runs: later steps and outputs read its result`, async () => {
      const a = analyze(pipelineWith(id));
      assert.deepEqual(a.findings, []);
      const doc = await runPipeline(a, { cwd: dir, checkpoint: false });
      assert.equal(doc.status, 'completed');
      assert.deepEqual(Object.keys(doc.steps), [id, 'b']);
      assert.deepEqual(doc.steps[id].result, { result: { count: 3 } });
      assert.deepEqual(doc.steps.b.result, { result: { count: 2 } });
      assert.deepEqual(doc.outputs, { o: 3 });
    });
  }
});
