// A run killed with SIGKILL at 20 points, then resumed: each finishes; a marker every step appends
// proves no step the checkpoint had recorded as completed ran again; every checkpoint parses.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, orc } from '../../helpers/cli';
import { loadCheckpoint } from '../../../engine/run/checkpointStore';

const step = (id: string, deps: string[], extra = '') =>
  `  - id: ${id}\n    tool: terminal\n    action: execute\n${deps.length ? `    dependencies: [${deps.join(', ')}]\n` : ''}    parameters:\n      command: "sleep 0.1; echo ${id} >> markers.txt"\n${extra}`;

const PIPELINE = [
  'id: crashy',
  'steps:',
  step('a', []),
  step('b', ['a']),
  step('c', ['a']),
  step('d', ['a']),
  step('e', ['b', 'c']),
  '  - id: loop\n    dependencies: [d]\n    for_each: [1, 2, 3]\n    steps:\n      - id: w\n        tool: terminal\n        action: execute\n        parameters:\n          command: "sleep 0.08; echo w{{ item }} >> markers.txt"\n',
  step('f', ['e', 'loop']),
  step('g', ['f']),
  step('h', ['f']),
  step('z', ['g', 'h']),
].join('\n');

/** Marker written by each checkpoint key. */
function markerOf(key: string): string {
  const m = /^loop\[(\d)\]\/w$/.exec(key);
  return m ? `w${Number(m[1]) + 1}` : key;
}
const ALL_MARKERS = ['a', 'b', 'c', 'd', 'e', 'w1', 'w2', 'w3', 'f', 'g', 'h', 'z'];

/** True once `pred()` holds; once the run has exited, whether it holds then (nothing changes after).
 * No deadline of its own: however slow the machine, the run gets there or ends. */
function waitFor(pred: () => boolean, exited: () => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const tick = () => (pred() ? resolve(true) : exited() ? resolve(pred()) : setTimeout(tick, 5));
    tick();
  });
}

describe('crash and resume', function () {
  this.timeout(180_000);
  // point n: kill once n*12/20 markers are written (0 to 11 of 12), right away or 40 ms later
  const points = Array.from({ length: 20 }, (_, n) => ({ markers: Math.floor((n * 12) / 20), extra: (n % 2) * 40 }));
  let killedMidRun = 0;

  for (const [n, point] of points.entries()) {
    it(`killed after ${point.markers} of 12 steps${point.extra ? ` and ${point.extra} ms` : ''} (point ${n + 1} of 20), then resumed`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-crash-'));
      try {
        fs.writeFileSync(path.join(dir, 'crashy.pipeline.yaml'), PIPELINE);
        const child = spawn(process.execPath, [CLI, 'run', 'crashy.pipeline.yaml'], { cwd: dir, stdio: 'ignore' });
        let gone = false;
        const exited = new Promise((r) => child.once('exit', r)).then(() => (gone = true));
        const runs = path.join(dir, '.orchestrator', 'runs');
        const checkpointFile = () => {
          if (!fs.existsSync(runs)) return null;
          const ids = fs.readdirSync(runs);
          const f = ids.length ? path.join(runs, ids[0], 'checkpoint.json') : null;
          return f && fs.existsSync(f) ? f : null;
        };
        assert.ok(await waitFor(() => checkpointFile() !== null, () => gone), 'the run wrote no checkpoint');
        const markersFile = path.join(dir, 'markers.txt');
        const written = () => (fs.existsSync(markersFile) ? fs.readFileSync(markersFile, 'utf8').split('\n').filter(Boolean).length : 0);
        assert.ok(await waitFor(() => written() >= point.markers, () => gone), `never reached ${point.markers} markers`);
        if (point.extra) await new Promise((r) => setTimeout(r, point.extra));
        child.kill('SIGKILL');
        await exited;

        const file = checkpointFile()!;
        JSON.parse(fs.readFileSync(file, 'utf8')); // parses: never half-written
        // with the step ends appended since it was written whole (a torn last line does not count)
        const checkpoint = loadCheckpoint(dir, path.basename(path.dirname(file)));
        const done = Object.entries(checkpoint.steps as Record<string, { status: string }>).filter(([, s]) => s.status === 'completed').map(([k]) => k);
        const doneMarkers = new Set(done.filter((k) => k !== 'loop').map(markerOf));

        if (checkpoint.status === 'running') killedMidRun++;
        const r = orc(['resume', checkpoint.execution_id, '--json'], { cwd: dir });
        if (checkpoint.status === 'completed') {
          assert.equal(r.code, 0);
        } else {
          assert.equal(r.code, 0, r.stderr);
          const doc = JSON.parse(r.stdout);
          assert.equal(doc.status, 'completed');
          assert.deepEqual(Object.values(doc.steps).map((s) => (s as { status: string }).status), Array(10).fill('completed'));
        }
        const markers = fs.readFileSync(path.join(dir, 'markers.txt'), 'utf8').trim().split('\n');
        const count = (m: string) => markers.filter((x) => x === m).length;
        for (const m of ALL_MARKERS) {
          assert.ok(count(m) >= 1, `${m} never ran`);
          if (doneMarkers.has(m)) assert.equal(count(m), 1, `${m} was completed in the checkpoint, yet ran again`);
          else assert.ok(count(m) <= 2, `${m} ran ${count(m)} times`);
        }
        for (const f of fs.readdirSync(path.dirname(file))) assert.ok(!f.endsWith('.tmp'), `left ${f}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('most kill points fell while the run was still going', () => {
    assert.ok(killedMidRun >= 18, `only ${killedMidRun} of 20 kills interrupted the run`);
  });
});
