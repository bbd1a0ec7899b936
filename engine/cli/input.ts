// Reading a pipeline file (or standard input) for a command, with a clear error when it can't be read.
import { readFileSync } from 'node:fs';
import { withoutBom } from '../api/index';

export class UsageError extends Error {}

export { withoutBom };

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
