// The Runs view's shape, pure (no vscode): a fork is a child of the run it was forked from (a fork
// of a fork nests), and the runs of one session that are not forks of a listed run are grouped
// into one thread, its runs oldest first: the turns of the conversation in the order they were
// taken. The roots stay newest first; a thread stands where its newest run would.
import type { RunSummary } from '../engine/api/index';

/** A run of a folder's `.orchestrator/runs/` (summary null: unreadable). */
export interface RunLike {
  folder: string;
  runId: string;
  summary: RunSummary | null;
}

/** A session's runs in one node. */
export interface ThreadNode<R extends RunLike = RunLike> {
  kind: 'thread';
  folder: string;
  session: string;
  /** Oldest first. */
  runs: R[];
}

export interface RunTree<R extends RunLike> {
  /** Runs and threads at the top, newest first. */
  roots: (R | ThreadNode<R>)[];
  /** The forks of a run (by folder and id), oldest first. */
  forks: Map<string, R[]>;
}

const keyOf = (folder: string, runId: string) => `${folder}\n${runId}`;

/** The run a listed run was forked from, when that run is listed too. */
function parentOf<R extends RunLike>(r: R, listed: Set<string>): string | undefined {
  const p = r.summary?.trigger?.kind === 'fork' ? r.summary.trigger.parent : undefined;
  return p && p !== r.runId && listed.has(keyOf(r.folder, p)) ? keyOf(r.folder, p) : undefined;
}

/** `runs` newest first, as listRuns gives them. */
export function runTree<R extends RunLike>(runs: R[]): RunTree<R> {
  const byKey = new Map(runs.map((r) => [keyOf(r.folder, r.runId), r]));
  const listed = new Set(byKey.keys());
  const forks = new Map<string, R[]>();
  const roots: (R | ThreadNode<R>)[] = [];
  const threads = new Map<string, ThreadNode<R>>();
  // a cycle of parents (records edited by hand) would hide its runs: each run hangs under a parent only once its chain reaches a root
  const rooted = (r: R): boolean => {
    const seen = new Set<string>();
    for (let at: R | undefined = r; at; ) {
      const k = keyOf(at.folder, at.runId);
      if (seen.has(k)) return false;
      seen.add(k);
      const p: string | undefined = parentOf(at, listed);
      at = p ? byKey.get(p) : undefined;
    }
    return true;
  };
  for (const r of runs) {
    const parent = parentOf(r, listed);
    if (parent && rooted(r)) {
      const list = forks.get(parent) ?? [];
      list.unshift(r); // newest first in, oldest first out
      forks.set(parent, list);
      continue;
    }
    const session = r.summary?.session;
    if (!session) {
      roots.push(r);
      continue;
    }
    const k = keyOf(r.folder, session);
    const t = threads.get(k);
    if (t) t.runs.unshift(r);
    else {
      const made: ThreadNode<R> = { kind: 'thread', folder: r.folder, session, runs: [r] };
      threads.set(k, made);
      roots.push(made);
    }
  }
  return { roots, forks };
}

/** The forks listed under a run. */
export function forksOf<R extends RunLike>(tree: RunTree<R>, r: RunLike): R[] {
  return tree.forks.get(keyOf(r.folder, r.runId)) ?? [];
}

/** A thread's label: `session support-42 · 3 turns`. */
export function threadLabel(t: ThreadNode): string {
  return `session ${t.session} · ${t.runs.length} turn${t.runs.length === 1 ? '' : 's'}`;
}

/** A fork's label: where it was forked (`fork at draft`; `fork at answer.2` for a turn). */
export function forkLabel(s: RunSummary): string | null {
  return s.trigger?.kind === 'fork' ? `fork at ${s.trigger.at ?? s.trigger.name.slice(s.trigger.name.lastIndexOf('@') + 1)}` : null;
}
