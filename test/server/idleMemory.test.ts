// The language server's collection when the editor goes quiet (server/idleMemory.ts): it compacts
// the old generation, so pages left half full by replaced analyses go back to the system, and V8's
// own collections during a burst of edits keep their default afterwards. Measured in a process of
// its own: the test runner's heap holds what every other test left, which moves the slack.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { collectAndCompact } from '../../server/idleMemory';
import { ROOT } from '../helpers/cli';
// @ts-expect-error: a plain ES module of the build, without types
import { installNode24 } from '../../scripts/installE2ETools.mjs';
// @ts-expect-error: a plain ES module of the build, without types
import { installNode22 } from '../../scripts/installNode22.mjs';

const MiB = 1024 * 1024;

/** What the server's process sees: ~25 MiB of small objects moved to the old generation, then
 * every other one dropped (each page left about half full, which V8's default full collection does
 * not move objects off); the slack after a plain collection, after the idle one, and after a
 * plain one again. */
const MEASURE = `
const { getHeapSpaceStatistics } = require('node:v8');
const { collectAndCompact, exposedGc } = require('./server/idleMemory.ts');
const gc = exposedGc();
const slack = () => { const o = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space'); return { used: o.space_used_size, mapped: o.physical_space_size }; };
function halfEmptyPages() {
  const all = [];
  for (let r = 0; r < 30; r++) { const list = []; for (let i = 0; i < 20000; i++) list.push({ i, text: 'item ' + i, r }); all.push(list); }
  gc(); gc();
  return all.map((list) => list.filter((_, i) => i % 2 === 0));
}
let kept = halfEmptyPages(); gc();
const plain = slack();
const compactedOk = collectAndCompact(gc);
const compacted = slack();
const keptCounts = [kept.length, kept[29].length];
kept = halfEmptyPages(); gc();
const after = slack();
process.stdout.write(JSON.stringify({ hasGc: Boolean(gc), plain, compactedOk, compacted, after, keptCounts, keptAgain: kept[0].length }));
`;

describe('the language server collecting when idle', function () {
  this.timeout(30_000);

  it('hands back the pages that a plain full collection leaves half empty, and leaves plain collections as they were', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', MEASURE], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout) as { hasGc: boolean; plain: { used: number; mapped: number }; compactedOk: boolean; compacted: { used: number; mapped: number }; after: { used: number; mapped: number }; keptCounts: number[]; keptAgain: number };
    assert.ok(m.hasGc, 'this Node gives the server a gc function');
    // what V8 does by default: the pages stay mapped (the case the idle collection is for)
    assert.ok(m.plain.mapped - m.plain.used > 10 * MiB, `a plain collection left ${((m.plain.mapped - m.plain.used) / MiB).toFixed(1)} MiB of old-generation pages unused`);
    assert.equal(m.compactedOk, true);
    assert.ok(m.compacted.mapped - m.compacted.used < 3 * MiB, `after the idle collection ${((m.compacted.mapped - m.compacted.used) / MiB).toFixed(1)} MiB of old-generation pages are unused`);
    assert.ok(m.compacted.used > 10 * MiB, 'the objects still referenced are all still there');
    assert.deepEqual(m.keptCounts, [30, 10_000]);
    // compaction was for that collection only: the next plain one leaves half-empty pages again
    assert.ok(m.after.mapped - m.after.used > 10 * MiB, `a plain collection after it left ${((m.after.mapped - m.after.used) / MiB).toFixed(1)} MiB unused: compaction stayed switched on`);
    assert.equal(m.keptAgain, 10_000);
  });

  /** 40 lists of 20,000 objects made and dropped twice under `node`: RSS after plain collections, then after the idle one. */
  function pooledPages(node: string): { ok: boolean; v8: string; plain: number; idle: number } {
    const script = `
const { collectAndCompact, exposedGc } = require('./server/idleMemory.ts');
const gc = exposedGc();
function garbage() { let all = []; for (let r = 0; r < 40; r++) { const list = []; for (let i = 0; i < 20000; i++) list.push({ i, text: 'item ' + i, r }); all.push(list); } gc(); gc(); all = null; }
garbage(); gc(); garbage(); gc();
const plain = process.memoryUsage().rss;
const ok = collectAndCompact(gc);
process.stdout.write(JSON.stringify({ ok, v8: process.versions.v8, plain, idle: process.memoryUsage().rss }));
`;
    const r = spawnSync(node, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { ok: boolean; v8: string; plain: number; idle: number };
  }

  // each Node installed on first use (`npm test` installs them before the suites run)
  for (const [name, install, v8, measured] of [
    ["Node 24 (code-server's; V8 13 pools the pages a collection empties)", installNode24, /^13\./, '207-215 MiB after the plain collections, 81 after the idle one (with a plain call it stayed at 215)'],
    ["Node 22 (the project's floor, and VS Code's extension host since 1.101; V8 12.4 pools them too)", installNode22, /^12\./, '151-162 MiB after the plain collections, 73 after the idle one (with the plain call it stayed at 152-154)'],
  ] as const) {
    it(`on ${name} hands those pages back, where a plain collection keeps them mapped`, function () {
      this.timeout(300_000);
      const m = pooledPages(install() as string);
      assert.equal(m.ok, true);
      assert.match(m.v8, v8);
      assert.ok(m.plain - m.idle > 40 * MiB, `RSS ${(m.plain / MiB).toFixed(0)} MiB after plain collections, ${(m.idle / MiB).toFixed(0)} after the idle one (measured: ${measured})`);
    });
  }

  it('does nothing, and says so, where the runtime gives no gc function', () => {
    assert.equal(collectAndCompact(null), false);
  });
});
