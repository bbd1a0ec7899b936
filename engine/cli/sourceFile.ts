// Reading a pipeline file with its limits checked before the read: a file larger than any pipeline
// the analyzer accepts is refused from its size alone (a 3 GB file is not read whole first), and
// bytes that are not UTF-8 are reported with their offset instead of silently becoming U+FFFD.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_DOCUMENT_CHARS } from '../api/index';

/** Bytes above which a file cannot hold a document the analyzer accepts (a character is at most 4 bytes). */
export const MAX_SOURCE_BYTES = MAX_DOCUMENT_CHARS * 4;

export class SourceTooLarge extends Error {}

/** The file's bytes, refused before reading when the file is larger than MAX_SOURCE_BYTES. */
export function readBounded(file: string | number, label: string): Buffer {
  const fd = typeof file === 'number' ? file : openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size > MAX_SOURCE_BYTES) throw new SourceTooLarge(`${label} has ${st.size} bytes; pipelines over ${MAX_DOCUMENT_CHARS} characters are not analyzed, so it was not read`);
    // a pipe (standard input) is read up to the same bound
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(1 << 16);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_SOURCE_BYTES) throw new SourceTooLarge(`${label} has more than ${MAX_SOURCE_BYTES} bytes; pipelines over ${MAX_DOCUMENT_CHARS} characters are not analyzed`);
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks, total);
  } finally {
    if (typeof file !== 'number') closeSync(fd);
  }
}

/** The offset of the first byte that does not belong to well-formed UTF-8, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= n; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return i;
    i += n + 1;
  }
  return -1;
}

/** The text of the bytes, and a warning naming where the first invalid UTF-8 byte is (line and byte offset). */
export function decodeSource(b: Buffer, label: string): { text: string; warning: string | null } {
  const bad = firstInvalidUtf8(b);
  const text = b.toString('utf8');
  if (bad < 0) return { text, warning: null };
  let line = 1;
  for (let i = 0; i < bad; i++) if (b[i] === 0x0a) line++;
  return { text, warning: `${label}: warning: the file is not valid UTF-8: byte offset ${bad} (line ${line}) is 0x${b[bad].toString(16).padStart(2, '0')}; invalid bytes read as U+FFFD` };
}
