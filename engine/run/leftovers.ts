// Commands a dead run left behind. Each terminal command runs under a shell started as
// `/bin/sh -c <watchdog> orc-command <run pid> <command>`, whose watchdog kills the command's
// process group within a second of the run's process dying. When a run is resumed, any such group
// still alive for the previous process (the watchdog was killed too, or the resume came at once)
// is found through /proc and killed, and the resume says so.
import { readdirSync, readFileSync } from 'node:fs';

/** The marker the terminal tool puts in its shell's arguments. */
export const COMMAND_MARKER = 'orc-command';

/** Process groups of commands started by the process `runPid`, still alive (Linux; elsewhere none are found). */
export function findLeftovers(runPid: number): number[] {
  if (process.platform !== 'linux' || !Number.isInteger(runPid) || runPid <= 0 || runPid === process.pid) return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found = new Set<number>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args[3] !== COMMAND_MARKER || args[4] !== String(runPid)) continue;
    // the shell and its watchdog (a fork of it) share the group: count groups, not processes
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (Number.isInteger(pgrp) && pgrp > 0) found.add(pgrp);
    } catch {
      // gone meanwhile
    }
  }
  return [...found];
}

/** Kills the leftover command groups of a dead run's process; returns how many there were. */
export function killLeftovers(runPid: number | undefined): number {
  if (runPid === undefined) return 0;
  const groups = findLeftovers(runPid);
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return groups.length;
}
