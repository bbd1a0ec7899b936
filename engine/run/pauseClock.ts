// Time a debugger held the run (a breakpoint, a stop after a failure): recorded apart from the
// durations, so a debugged run's pauses are neither timing history nor a bottleneck (issue 24,
// item 17). Each hold counts for the run and for every loop around the held step; holds that
// overlap (two iterations held at once) count once.
import type { StepResult } from './events';

/** A step's duration without the time a debugger held it (null when it did not run). */
export function workingMs(r: Pick<StepResult, 'duration_ms' | 'paused_ms'> | null | undefined): number | null {
  return r?.duration_ms === null || r?.duration_ms === undefined ? null : Math.max(0, r.duration_ms - (r.paused_ms ?? 0));
}


/** Where the loops around a step list stand: `outer[2]/inner[0]/` → the keys `outer` and `outer[2]/inner`. */
export function enclosingLoopKeys(keyPrefix: string): string[] {
  const keys: string[] = [];
  let at = 0;
  for (;;) {
    const slash = keyPrefix.indexOf('/', at);
    if (slash < 0) break;
    const bracket = keyPrefix.lastIndexOf('[', slash);
    if (bracket >= at) keys.push(keyPrefix.slice(0, bracket));
    at = slash + 1;
  }
  return keys;
}

/** The length of the union of intervals. */
function covered(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of sorted) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

export class PauseClock {
  /** Holds by the key of the loop they happened in ('' for the whole run). */
  private readonly holds = new Map<string, [number, number][]>();

  /** A hold from `start` to `end` (ms) of a step in the list at `keyPrefix`. */
  record(keyPrefix: string, start: number, end: number): void {
    if (end <= start) return;
    for (const key of ['', ...enclosingLoopKeys(keyPrefix)]) {
      const list = this.holds.get(key);
      if (list) list.push([start, end]);
      else this.holds.set(key, [[start, end]]);
    }
  }

  /** The time held inside the loop of this key (its checkpoint key), or in the whole run for ''. */
  pausedIn(key: string): number {
    const list = this.holds.get(key);
    return list ? covered(list) : 0;
  }
}
