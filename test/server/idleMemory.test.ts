// The language server's collection when the editor goes quiet (server/idleMemory.ts): it compacts
// the old generation, so pages left half full by replaced analyses go back to the system, and V8's
// own collections during a burst of edits keep their default afterwards.
import { strict as assert } from 'node:assert';
import { getHeapSpaceStatistics } from 'node:v8';
import { collectAndCompact, exposedGc } from '../../server/idleMemory';

/** The old generation's mapped pages over the objects on them. */
function oldSpaceSlack(): { used: number; mapped: number } {
  const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!;
  return { used: old.space_used_size, mapped: old.physical_space_size };
}

/** ~25 MiB of small objects moved to the old generation, then every other one dropped: each page
 * is left about half full, which V8's default full collection does not move objects off. */
function halfEmptyPages(gc: () => void): object[][] {
  const all: object[][] = [];
  for (let r = 0; r < 30; r++) {
    const list: object[] = [];
    for (let i = 0; i < 20_000; i++) list.push({ i, text: `item ${i}`, r });
    all.push(list);
  }
  gc();
  gc();
  return all.map((list) => list.filter((_, i) => i % 2 === 0));
}

const MiB = 1024 * 1024;

describe('the language server collecting when idle', function () {
  this.timeout(30_000);
  const gc = exposedGc();

  it('hands back the pages that a plain full collection leaves half empty, and leaves plain collections as they were', () => {
    assert.ok(gc, 'this Node gives the server a gc function');
    let kept = halfEmptyPages(gc);
    gc();
    const plain = oldSpaceSlack();
    // what V8 does by default: the pages stay mapped (the case the idle collection is for)
    assert.ok(plain.mapped - plain.used > 10 * MiB, `a plain collection left ${((plain.mapped - plain.used) / MiB).toFixed(1)} MiB of old-generation pages unused`);

    assert.equal(collectAndCompact(gc), true);
    const compacted = oldSpaceSlack();
    assert.ok(compacted.mapped - compacted.used < 3 * MiB, `after the idle collection ${((compacted.mapped - compacted.used) / MiB).toFixed(1)} MiB of old-generation pages are unused`);
    assert.ok(compacted.used > 10 * MiB, 'the objects still referenced are all still there');
    assert.equal(kept.length, 30);
    assert.equal(kept[29].length, 10_000);

    // compaction was for that collection only: the next plain one leaves half-empty pages again
    kept = halfEmptyPages(gc);
    gc();
    const after = oldSpaceSlack();
    assert.ok(after.mapped - after.used > 10 * MiB, `a plain collection after it left ${((after.mapped - after.used) / MiB).toFixed(1)} MiB unused: compaction stayed switched on`);
    assert.equal(kept[0].length, 10_000);
  });

  it('does nothing, and says so, where the runtime gives no gc function', () => {
    assert.equal(collectAndCompact(null), false);
  });
});
