// Reading a pipeline file (or standard input) for a command, with a clear error when it can't be read.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { withoutBom } from '../api/index';
import { decodeSource, readBounded, SourceTooLarge } from './sourceFile';

export class UsageError extends Error {}

export { withoutBom };

/** The file's text; too large a file is refused from its size, and invalid UTF-8 is warned about on `warn` with its offset. */
export function readSource(file: string, warn: (s: string) => void = (s) => void process.stderr.write(`${s}\n`)): string {
  try {
    const { text, warning } = decodeSource(readBounded(file === '-' ? 0 : file, displayName(file)), displayName(file));
    if (warning) warn(warning);
    return withoutBom(text);
  } catch (e) {
    if (e instanceof SourceTooLarge) throw new UsageError(`cannot read ${file}: ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}

export function displayName(file: string): string {
  return file === '-' ? '<stdin>' : file;
}

/** The analyzer's `pipelineFile` for a file read from disk (standard input has none). */
export function pipelineFileOf(file: string): { pipelineFile?: string } {
  return file === '-' ? {} : { pipelineFile: path.resolve(file) };
}
