// Execution ids: the time of the run's start to the second, and six random hex digits
// (`20260412-093015-a3f2c1`): sortable by time, and distinct among the runs of one second.
import { randomFillSync } from 'node:crypto';

/** Random bytes for execution ids, drawn a page at a time (a call to the system's random source costs more than a short run's id is worth). */
const idBytes = Buffer.alloc(3 * 1024);
let idNext = idBytes.length;

/** The time part of the last id made, by its second: the runs of the same second share it. */
let idSecond = NaN;
let idTime = '';

/** Each byte's two hex digits: an id's random part is made without a call into the Buffer's C++ side. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function newExecutionId(now?: Date): string {
  const ms = now ? now.getTime() : Date.now();
  const second = Math.floor(ms / 1000);
  if (second !== idSecond) {
    idTime = (now ?? new Date(ms)).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    idSecond = second;
  }
  const t = idTime;
  if (idNext >= idBytes.length) {
    randomFillSync(idBytes);
    idNext = 0;
  }
  const i = idNext;
  idNext += 3;
  return `${t}-${HEX[idBytes[i]]}${HEX[idBytes[i + 1]]}${HEX[idBytes[i + 2]]}`;
}
