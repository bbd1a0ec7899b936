// Reading a pipeline file (or standard input) for a command, with a clear error when it can't be read.
import { readFileSync } from 'node:fs';

export class UsageError extends Error {}

/** A UTF-8 byte order mark is not part of the text (editors hide it too): without this, every column on line 1 is one off. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function readSource(file: string): string {
  try {
    return withoutBom(file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}

export function displayName(file: string): string {
  return file === '-' ? '<stdin>' : file;
}
