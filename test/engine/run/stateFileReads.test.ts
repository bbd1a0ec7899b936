// #63 leftovers of item 5: every file the engine reads back from `.orchestrator/` is read bounded and
// only when it is a regular file. A run's checkpoint and its journals (engine/run/checkpointReader.ts)
// and a durable run's event log, result and large outputs (engine/durable/runLog.ts) were read whole
// with readFileSync or to their end: a link to /dev/zero in their place read without end.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, runPipeline } from '../../../engine/api/index';
import { CheckpointError, loadCheckpoint } from '../../../engine/run/checkpointReader';
import { JOURNAL_FILE, recentFile } from '../../../engine/run/runFiles';
import { EVENTS_FILE, OUTPUTS_DIR, RunLog } from '../../../engine/durable/runLog';
import { tempDir } from '../../helpers/agentRun';

const SOURCE = 'id: p\nsteps:\n' + [1, 2, 3].map((i) => `  - id: s${i}\n    tool: data\n    action: convert\n    parameters: {data: ${i}, format: json}\n`).join('');
const zero = (file: string) => {
  fs.rmSync(file, { force: true });
  fs.symlinkSync('/dev/zero', file);
};

describe('hardening #63: run records read back are bounded and regular files only', function () {
  this.timeout(20_000);
  let dir: string;
  let runId: string;
  let rd: string;
  beforeEach(async () => {
    dir = tempDir('orc-state-reads-');
    const doc = await runPipeline(analyze(SOURCE), { cwd: dir, source: SOURCE });
    assert.equal(doc.status, 'completed');
    runId = doc.execution_id;
    rd = path.join(dir, '.orchestrator', 'runs', runId);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const refused = (pattern: RegExp) => {
    assert.throws(
      () => loadCheckpoint(dir, runId),
      (e: unknown) => e instanceof CheckpointError && pattern.test(e.message),
    );
  };

  it('a checkpoint.json that is a link to /dev/zero is refused with a clear error', () => {
    assert.equal(Object.keys(loadCheckpoint(dir, runId).steps).length, 3);
    zero(path.join(rd, 'checkpoint.json'));
    refused(/^The checkpoint of run '.+' cannot be read: .+checkpoint\.json is not a regular file of at most 268435456 bytes: not read$/);
  });

  it('its recent results or its journal as a link to /dev/zero are refused, not read without end', () => {
    const generation = (JSON.parse(fs.readFileSync(path.join(rd, 'checkpoint.json'), 'utf8')) as { generation: number }).generation;
    zero(recentFile(rd, generation));
    refused(/^The recent results of run '.+' cannot be read: .+ is not a regular file of at most 268435456 bytes: not read$/);
    fs.rmSync(recentFile(rd, generation));
    zero(path.join(rd, JOURNAL_FILE));
    assert.throws(() => loadCheckpoint(dir, runId), /is not a regular file of at most 268435456 bytes: not read/);
  });

  it("a durable run's event log, result and large output as links to /dev/zero: nothing read, an output refused", () => {
    const log = new RunLog(dir, runId);
    zero(path.join(rd, EVENTS_FILE));
    zero(path.join(rd, 'result.json'));
    assert.deepEqual(log.page(0), { events: [], next: 0, result: null });
    fs.mkdirSync(path.join(rd, OUTPUTS_DIR));
    zero(path.join(rd, OUTPUTS_DIR, 'big.json'));
    assert.throws(() => log.readOutput(`${OUTPUTS_DIR}/big.json`), /big\.json is not a regular file of at most 268435456 bytes: not read/);
  });
});
