// The run contract's pipelines (test/fixtures/behaviour, or ORC_CONFORMANCE_DIR): each validates
// with no finding and plans exactly the levels its cases.json entry declares — through the built
// CLI, as a user runs it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFORMANCE, orc } from '../../helpers/cli';

interface Case {
  example: string;
  variant: string;
  levels: string[][];
}
const cases: Case[] = JSON.parse(fs.readFileSync(path.join(CONFORMANCE, 'cases.json'), 'utf8')).cases;

describe(`contract: ${path.basename(CONFORMANCE)} pipelines (validate and plan)`, () => {
  const examples = fs.readdirSync(CONFORMANCE).filter((f) => f.endsWith('.yaml'));

  it('the folder has the examples cases.json names', () => {
    assert.deepEqual([...new Set(cases.map((c) => c.example))].sort(), examples.sort());
  });

  for (const example of examples) {
    it(`${example} validates with no finding`, () => {
      const r = orc(['validate', path.join(CONFORMANCE, example), '--json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const report = JSON.parse(r.stdout);
      assert.deepEqual(report, { file: path.join(CONFORMANCE, example), valid: true, findings: [] });
    });
  }

  for (const c of cases) {
    it(`${c.example} (${c.variant}) plans the declared levels`, () => {
      const r = orc(['plan', path.join(CONFORMANCE, c.example), '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).execution_levels, c.levels);
    });
  }
});
