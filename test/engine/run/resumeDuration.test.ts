// A resumed run reports its own duration: the record keeps when the run first started, and the
// result says when this session resumed it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { loadCheckpoint } from '../../../engine/run/checkpointStore';
import { runPipeline } from '../../../engine/run/runPipeline';

const PIPELINE = `id: two
steps:
  - id: first
    tool: filesystem
    action: write
    parameters: { path: "first.txt", content: "1" }
  - id: second
    tool: filesystem
    action: write
    dependencies: [first]
    parameters: { path: "second.txt", content: "2" }
`;

describe('resume: the run reports its own duration', () => {
  it('counts from the resume, keeps the first start, and says when it resumed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-resume-'));
    try {
      const file = path.join(dir, 'two.pipeline.yaml');
      fs.writeFileSync(file, PIPELINE);
      const a = analyze(PIPELINE);
      const ctl = new AbortController();
      // the first session is cancelled as soon as `first` ends
      const first = await runPipeline(a, {
        cwd: dir,
        pipelineFile: file,
        signal: ctl.signal,
        listeners: [(e) => e.type === 'step-ended' && e.stepId === 'first' && ctl.abort(Object.assign(new Error('cancelled'), { name: 'CancelledError' }))],
      });
      assert.equal(first.status, 'cancelled');
      // pretend the first session started two hours ago
      const cp = loadCheckpoint(dir, first.execution_id);
      const longAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
      const resumed = await runPipeline(a, { cwd: dir, pipelineFile: file, resume: { ...cp, started_at: longAgo } });
      assert.equal(resumed.status, 'completed');
      assert.equal(resumed.started_at, longAgo);
      assert.ok(resumed.resumed_at, 'resumed_at is set');
      assert.ok(Date.parse(resumed.resumed_at!) > Date.parse(longAgo) + 3600_000);
      // a bound on meaning, not speed: a minute against the two hours since the first start
      assert.ok(resumed.duration_ms < 60_000, `its own duration, not two hours: ${resumed.duration_ms} ms`);
      assert.equal(resumed.duration_ms, Date.parse(resumed.ended_at) - Date.parse(resumed.resumed_at!));
      assert.equal(first.resumed_at, undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
