// The rule for every file the engine reads back from `.orchestrator/` (its own records, which a
// user, a tool or another process can replace): read only when it is a regular file (not a link,
// say to /dev/zero, nor a pipe that never ends), and never more than a bound. `orc stats` got it
// for result documents last round (engine/run/runRecords.ts reads through here).
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';

/**
 * A file's text, read only when it is a regular file of at most `maxBytes` (not a link, nor a
 * pipe or a device), and never more than that: 'missing' when there is none, 'unreadable' otherwise.
 */
export function readBoundedText(file: string, maxBytes: number): string | 'missing' | 'unreadable' {
  let fd: number;
  try {
    if (!lstatSync(file).isFile()) return 'unreadable';
    // O_NOFOLLOW: a link put in its place since the check is not followed; O_NONBLOCK: a pipe does not hold the open
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return 'unreadable';
    // one byte more than it says it holds: a file that grew since is seen to be over
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, n);
    return n > maxBytes ? 'unreadable' : buf.subarray(0, n).toString('utf8');
  } catch {
    return 'unreadable';
  } finally {
    closeSync(fd);
  }
}

/** The bound of a run's own large records: its checkpoint, its journals, a durable run's event log and large results. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/**
 * A regular file opened for reading (not a link, nor a pipe or a device), with its size then, for
 * readers that go through it in pieces (a journal): they read at most `size` bytes. The caller closes `fd`.
 */
export function openRegularFile(file: string, maxBytes: number): { fd: number; size: number } | 'missing' | 'unreadable' {
  let fd: number;
  try {
    if (!lstatSync(file).isFile()) return 'unreadable';
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size <= maxBytes) return { fd, size: st.size };
  } catch {
    // unreadable
  }
  closeSync(fd);
  return 'unreadable';
}

/** Thrown when a state file is missing (`code` ENOENT), not a regular file, or over its bound. */
export class StateFileError extends Error {
  constructor(
    message: string,
    readonly code: 'ENOENT' | 'EUNREADABLE',
  ) {
    super(message);
  }
}

/** readBoundedText for the readers that expect `readFileSync`'s throw: the text, else a StateFileError. */
export function readStateFile(file: string, maxBytes: number): string {
  const text = readBoundedText(file, maxBytes);
  if (text === 'missing') throw new StateFileError(`${file} does not exist`, 'ENOENT');
  if (text === 'unreadable') throw new StateFileError(`${file} is not a regular file of at most ${maxBytes} bytes: not read`, 'EUNREADABLE');
  return text;
}
