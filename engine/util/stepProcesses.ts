// The processes a step's command started, found by more than their process group: a command can
// leave its group (`setsid`, Python's `start_new_session=True`) and outlive its step's timeout. Each
// command runs with a token of its own in its environment (ORC_STEP_TOKEN), which every descendant
// inherits whatever its session or parent; at the step's end the processes holding it are killed
// through /proc (Linux; elsewhere only the group is).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export const STEP_TOKEN_VARIABLE = 'ORC_STEP_TOKEN';

/** A fresh token for one command. */
export function newStepToken(): string {
  return randomBytes(12).toString('hex');
}

/** The pids of this user's processes whose environment holds the token (none where /proc is absent). */
export function processesWithToken(token: string): number[] {
  const needle = Buffer.from(`\0${STEP_TOKEN_VARIABLE}=${token}\0`);
  const first = Buffer.from(`${STEP_TOKEN_VARIABLE}=${token}\0`);
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    const c = e.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${e}/environ`);
      if (env.includes(needle) || env.subarray(0, first.length).equals(first)) out.push(pid);
    } catch {
      // gone, or another user's
    }
  }
  return out;
}

/** Kills every process holding the token; returns how many were signalled. */
export function killWithToken(token: string): number {
  let n = 0;
  for (const pid of processesWithToken(token)) {
    try {
      process.kill(pid, 'SIGKILL');
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}
