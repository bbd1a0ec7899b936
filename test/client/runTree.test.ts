// The Runs view's shape: forks under the run they were forked from (a fork of a fork nests), a
// session's runs in one thread, oldest first, standing where its newest run would.
import { strict as assert } from 'node:assert';
import type { RunSummary } from '../../engine/api/index';
import { forkLabel, forksOf, runTree, threadLabel, type RunLike, type ThreadNode } from '../../client/runTree';

function run(id: string, started: string, extra: Partial<RunSummary> = {}): RunLike {
  const summary: RunSummary = { execution_id: id, pipeline_id: 'p', pipeline_file: '/w/p.pipeline.yaml', status: 'completed', started_at: started, updated_at: started, duration_ms: 0, steps_completed: 1, steps_total: 1, tokens: 0, cost_usd: 0, ...extra };
  return { folder: '/w', runId: id, summary };
}
const fork = (parent: string, at: string) => ({ trigger: { kind: 'fork' as const, name: `${parent}@${at}`, parent, at } });
const ids = (xs: (RunLike | ThreadNode)[]) => xs.map((x) => ('kind' in x ? `thread:${x.session}` : x.runId));

describe('the Runs view as a tree', () => {
  it('puts forks under their parents, a fork of a fork under its fork, oldest first', () => {
    // newest first, as listRuns gives them
    const runs = [run('f3', '2026-01-01T00:05:00Z', fork('f1', 'review')), run('f2', '2026-01-01T00:04:00Z', fork('root', 'review')), run('other', '2026-01-01T00:03:00Z'), run('f1', '2026-01-01T00:02:00Z', fork('root', 'draft')), run('root', '2026-01-01T00:01:00Z')];
    const tree = runTree(runs);
    assert.deepEqual(ids(tree.roots), ['other', 'root']);
    assert.deepEqual(ids(forksOf(tree, runs[4])), ['f1', 'f2']);
    assert.deepEqual(ids(forksOf(tree, runs[3])), ['f3']);
    assert.equal(forkLabel(runs[3].summary!), 'fork at draft');
  });

  it('keeps a fork whose parent is gone at the top, and a cycle of parents does not hide its runs', () => {
    const tree = runTree([run('a', '2026-01-01T00:02:00Z', fork('b', 's')), run('b', '2026-01-01T00:01:00Z', fork('a', 's')), run('c', '2026-01-01T00:00:00Z', fork('gone', 's'))]);
    assert.deepEqual(ids(tree.roots), ['a', 'b', 'c']);
  });

  it("groups a session's runs into one thread, oldest first, where its newest run stands", () => {
    const runs = [run('s2', '2026-01-01T00:04:00Z', { session: 'support-42' }), run('x', '2026-01-01T00:03:00Z'), run('t1', '2026-01-01T00:02:00Z', { session: 'other' }), run('s1', '2026-01-01T00:01:00Z', { session: 'support-42' })];
    const tree = runTree(runs);
    assert.deepEqual(ids(tree.roots), ['thread:support-42', 'x', 'thread:other']);
    const t = tree.roots[0] as ThreadNode;
    assert.deepEqual(ids(t.runs), ['s1', 's2']);
    assert.equal(threadLabel(t), 'session support-42 · 2 turns');
    assert.equal(threadLabel(tree.roots[2] as ThreadNode), 'session other · 1 turn');
  });
});
