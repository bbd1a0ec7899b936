// Memory back to the system when the editor goes quiet. Each edit's analysis becomes garbage at the
// next; V8 frees it in its own time but keeps the freed pages mapped until a later collection, so a
// busy session's RSS stays at its peak long after. A full collection once the server has been idle
// for a moment (no analysis for IDLE_MS) frees the last garbage and hands the pages freed before it
// back: on a 2,000-step document, RSS after 500 edits went from about +35 % of its size after the
// first edit to within a few percent. A collection takes tens of milliseconds and runs only when
// nothing has happened for IDLE_MS.
//
// That collection also compacts the whole old generation. V8 moves objects only off pages it finds
// mostly empty, so pages half full of the analyses an edit replaced stayed resident: after 500 edits
// on a 2,000-step document the old generation held 18.8 MiB of objects on 22-24 MiB of pages. Moving
// every live object keeps them on 19, and RSS after the session within 2-4 % of its size after the
// first edit instead of 4-7 %, and RSS when idle 2-6 MiB lower (73-76 MiB rather than 75-80 at
// 2,000 steps, 93-94 rather than 98-101 at 5,000). One such collection takes 22-25 ms at 2,000 steps
// and 40-47 at 5,000, what the two plain ones it replaces took. Compacting everything costs more
// than V8's usual choice, so it is switched on for this one collection only; the collections during
// a burst of edits keep V8's default.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const IDLE_MS = 2000;

/** The options of V8's `gc` (its gc extension); `flavor` is read from V8 13 on. */
export interface GcOptions {
  type: 'major' | 'minor';
  execution: 'sync' | 'async';
  flavor?: 'regular' | 'last-resort';
}

/**
 * Whether this V8 keeps emptied pages mapped in a pool (V8 12 and later: Node 22, the project's floor
 * and the Node of VS Code 1.101's extension host, whose Node forks this server; Node 24,
 * code-server's). There, after a session on a 2,000-step document, the plain collection left 341
 * pages of 256 KiB resident for a heap of 28 MiB (RSS 147 MiB on Node 24); the last-resort one leaves
 * 89 (RSS 83). On Node 22 (V8 12.4) the plain call freed nothing either: the server held 52 MiB above
 * a bare node after the first edit and 90 after a session of 500 edits and 200 completions (+40 %);
 * with the last-resort collection, 29 and 32-33 (+4-6 %). A process that made and dropped 40 lists of
 * 20,000 objects twice: 151-152 MiB after the plain call, 73 after this one. Node 20's V8 (11.3)
 * unmaps them itself, and a collection called with options there freed nothing (RSS 98 against
 * 73-76), so it keeps the plain call.
 */
const POOLS_PAGES = Number(process.versions.v8.split('.')[0]) >= 12;

export interface IdleCollector {
  /** An analysis ran: collect once the server has been idle for a while after it. */
  touch(): void;
  dispose(): void;
}

/** The flag `exposedGc` sets. The server sets it as it starts too (server/server.ts), before its
 * features load: V8 accepts a code cache only under the flags it was made with, and the features'
 * cache is made after they have run (server/entry.ts). */
export const EXPOSE_GC_FLAG = '--expose-gc';

/** V8's `gc`, reached without a command-line flag (null when this runtime refuses). */
export function exposedGc(): ((options?: GcOptions) => void) | null {
  try {
    setFlagsFromString(EXPOSE_GC_FLAG);
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as (options?: GcOptions) => void) : null;
  } catch {
    return null;
  }
}

/**
 * A full collection with `gc` (from exposedGc, made once: each call makes a context) that moves every
 * live object of the old generation together, so the pages the garbage was on go back to the
 * system. False when this runtime gives no `gc`.
 */
export function collectAndCompact(gc: ((options?: GcOptions) => void) | null): boolean {
  if (!gc) return false;
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    // one collection: the pages it empties by moving objects off them are unmapped as it ends (two
    // plain collections did that before; two compacting ones take twice the time for the same RSS).
    // V8 13 and later keep the pages a collection empties in a pool for reuse, mapped, and hand
    // them back only after a collection made to reduce memory: its 'last-resort' flavor
    if (POOLS_PAGES) gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    else gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  return true;
}

export function idleCollector(idleMs = IDLE_MS): IdleCollector {
  const gc = exposedGc();
  let timer: NodeJS.Timeout | undefined;
  return {
    touch() {
      if (!gc) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        collectAndCompact(gc);
      }, idleMs);
      timer.unref();
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}
