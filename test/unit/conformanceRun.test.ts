// The run contract's pipelines (test/fixtures/behaviour, or ORC_CONFORMANCE_DIR), run as a user
// would (`node dist/cli.js run FILE --json` in a fresh directory), checked against cases.json: exit code, every file written and its contents
// (nothing else outside .orchestrator/), outputs, step outcomes, levels and the listed fields.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFORMANCE, orc } from '../helpers/cli';
import { conformanceCases, filesUnder, type ConformanceCase as Case } from '../helpers/conformance';

const cases: Case[] = conformanceCases();

describe(`contract: ${path.basename(CONFORMANCE)} pipelines (run)`, function () {
  this.timeout(60_000);
  for (const c of cases) {
    it(`${c.example} (${c.variant})`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-conf-'));
      try {
        const args = ['run', path.join(CONFORMANCE, c.example), '--json'];
        for (const [k, v] of Object.entries(c.inputs)) args.push('-i', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
        const r = orc(args, { cwd: dir });
        assert.equal(r.code, c.exit_code, r.stderr);
        const doc = JSON.parse(r.stdout);

        assert.deepEqual(filesUnder(dir), Object.keys(c.artifacts).sort());
        for (const [file, content] of Object.entries(c.artifacts)) assert.equal(fs.readFileSync(path.join(dir, file), 'utf8'), content, file);

        assert.deepEqual(doc.outputs, c.outputs);
        assert.deepEqual(doc.execution_levels, c.levels);
        const with_ = (pred: (s: { status: string; success: boolean | null }) => boolean) =>
          Object.entries(doc.steps as Record<string, { status: string; success: boolean | null }>).filter(([, s]) => pred(s)).map(([id]) => id).sort();
        assert.deepEqual(with_((s) => s.status === 'completed' && s.success === true), [...c.completed].sort(), 'completed');
        assert.deepEqual(with_((s) => s.status === 'skipped'), [...c.skipped].sort(), 'skipped');
        assert.deepEqual(with_((s) => s.status === 'failed'), [...c.failed].sort(), 'failed');
        assert.deepEqual(with_((s) => s.status === 'completed' && s.success === false), [...c.reported_failure].sort(), 'reported failure');
        assert.deepEqual([...doc.failed_steps].sort(), [...c.failed].sort());
        assert.deepEqual([...doc.skipped_steps].sort(), [...c.skipped].sort());
        assert.equal(doc.success, c.exit_code === 0);
        assert.equal(doc.status, c.exit_code === 0 ? 'completed' : 'failed');
        for (const [step, fields] of Object.entries(c.step_fields ?? {})) {
          for (const [k, v] of Object.entries(fields)) assert.deepEqual(doc.steps[step][k], v, `${step}.${k}`);
        }
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
