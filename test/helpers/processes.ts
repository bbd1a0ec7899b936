// Whether a process still runs, for tests that check a command and what it started were killed,
// and a wait without a deadline of its own for what such a test waits on.
import * as fs from 'node:fs';

/** A process is gone when /proc has no entry for it, or only a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Whether a process of group `pgid` still runs (a zombie waiting to be reaped does not). */
export function groupAlive(pgid: number): boolean {
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && Number(pgrp) === pgid) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

/** Waits until `done()` holds, with no deadline of its own: what never comes fails the test at its
 * timeout, however slow the machine. The timer is unref'd, so a test that timed out leaves nothing
 * keeping mocha alive. */
export async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 20).unref());
}
