// Whether a process still runs, for tests that check a command and what it started were killed.
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
