// The run contract's pipelines (test/fixtures/behaviour, or ORC_CONFORMANCE_DIR), run as a user
// would (`node dist/cli.js run FILE --json` in a fresh directory), checked against cases.json: exit code, every file written and its contents
// (nothing else outside .orchestrator/), outputs, step outcomes, levels and the listed fields.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFORMANCE, orc } from '../../helpers/cli';
import { assertCaseOutcome, caseArgs, conformanceCases, type ConformanceCase as Case } from '../../helpers/conformance';

const cases: Case[] = conformanceCases();

describe(`contract: ${path.basename(CONFORMANCE)} pipelines (run)`, function () {
  this.timeout(60_000);
  for (const c of cases) {
    it(`${c.example} (${c.variant})`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-conf-'));
      try {
        const r = orc(caseArgs(c), { cwd: dir });
        assert.equal(r.code, c.exit_code, r.stderr);
        const doc = JSON.parse(r.stdout);

        assertCaseOutcome(c, dir, doc);
        // the run's own state is where SPEC says, and its checkpoint parses
        const runs = fs.readdirSync(path.join(dir, '.orchestrator', 'runs'));
        assert.deepEqual(runs, [doc.execution_id]);
        const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'checkpoint.json'), 'utf8'));
        assert.equal(checkpoint.status, doc.status);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
