// Writes that survive a crash: a whole file replaced atomically (async, and sync for the last write
// before the process exits), and appends fsynced before they count.
import { constants as fsConstants, promises as fsp, openSync, fsyncSync, closeSync, writeSync, renameSync, mkdirSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

/** Writes a file whole and atomically: a temp file, fsynced, renamed over it, and the folder fsynced.
 * `content`: the text, or what writes it to the temp file (a file streamed from another). */
export async function atomicWrite(file: string, content: string | ((temp: FileHandle) => Promise<void>)): Promise<void> {
  // the folder again: a step may have deleted it (the run goes on, and so does its record)
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fsp.open(tmp, 'w');
  try {
    if (typeof content === 'string') await fh.writeFile(content);
    else await content(fh);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
  const dir = await fsp.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Waits until `file` (written with atomicWriteSync's `synced: false`) and its folder entry are on
 * the disk. Nothing to do when the file is gone (a later write replaced it, or a step removed the
 * folder: the next write makes it again, durably). */
export async function syncWritten(file: string): Promise<void> {
  for (const target of [file, path.dirname(file)]) {
    let fh: FileHandle;
    try {
      fh = await fsp.open(target, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

/** The same, synchronously: for the last write when the process is about to exit. `synced: false`
 * replaces the file just as atomically (a reader sees the old text or the new, whole) without
 * waiting for the disk: for a state that a crash may lose, such as a record's "running" at its
 * start (its fsyncs held an eval's first case for 146 ms on this machine's disk). */
export function atomicWriteSync(file: string, text: string, synced = true): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    if (synced) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  if (!synced) return;
  const dfd = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Appends to a file and fsyncs it (its folder made again when a step deleted it); `header` goes
 * first when the file is empty. `started`: the caller has appended to this file before, so it is
 * opened without creating it (no size to look up on every append); when it is gone (a step deleted
 * it, or its folder) it is made again, header first. */
export async function appendSynced(file: string, text: string, header = '', started = false): Promise<void> {
  let fh: Awaited<ReturnType<typeof fsp.open>> | null = null;
  if (started) {
    try {
      fh = await fsp.open(file, fsConstants.O_WRONLY | fsConstants.O_APPEND);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const fresh = !fh;
  if (!fh) {
    try {
      fh = await fsp.open(file, 'a');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // the folder again: a step may have deleted it (not looked for before every append)
      await fsp.mkdir(path.dirname(file), { recursive: true });
      fh = await fsp.open(file, 'a');
    }
  }
  try {
    if (header && fresh && (await fh.stat()).size === 0) text = header + text;
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
