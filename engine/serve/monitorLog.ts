// A monitor's check log: `.orchestrator/monitors/NAME.jsonl`, one JSON line per check, appended
// (docs/monitors.md). On startup only its tail is read (enough lines for the window), never the whole
// file. A file that is not a regular file (a symlink, a pipe) or holds a line that is not a check is
// refused: renamed aside (`NAME.jsonl.refused-<time>`) and a fresh one started, so a server never
// follows a link out of the root nor reads an unbounded file. Past MAX_LOG_BYTES the file is rotated
// to `NAME.jsonl.1` (the one before that goes), so it never grows without bound.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import * as path from 'node:path';

export type CheckStatus = 'pass' | 'fail' | 'error';

/** One check: a line of the monitor's file (and what GET /monitors and the editor read). */
export interface MonitorCheck {
  run_id: string;
  pipeline: string;
  monitor: string;
  status: CheckStatus;
  passed: boolean;
  /** The lowest score of its scored assertions (llm_rubric, similar); null when none was scored. */
  score: number | null;
  /** Why it failed (or erred): one reason per assertion that did not pass. */
  reasons: string[];
  at: string;
}

/** A monitor's file is rotated past this size. */
export const MAX_LOG_BYTES = 16 * 1024 * 1024;
/** The most bytes of the tail read on startup (a line is a few hundred bytes; a window of 1,000 fits). */
export const MAX_TAIL_BYTES = 1024 * 1024;

/** A monitor name safe as a file name (the analyzer refuses the others; so does the server). */
export const MONITOR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export const monitorsDir = (root: string) => path.join(root, '.orchestrator', 'monitors');
export const monitorFile = (root: string, name: string) => path.join(monitorsDir(root), `${name}.jsonl`);

/** Whether a parsed line is a check. */
function isCheck(v: unknown): v is MonitorCheck {
  const c = v as Partial<MonitorCheck> | null;
  return (
    !!c &&
    typeof c === 'object' &&
    typeof c.run_id === 'string' &&
    typeof c.pipeline === 'string' &&
    typeof c.monitor === 'string' &&
    (c.status === 'pass' || c.status === 'fail' || c.status === 'error') &&
    typeof c.passed === 'boolean' &&
    (c.score === null || typeof c.score === 'number') &&
    Array.isArray(c.reasons) &&
    typeof c.at === 'string'
  );
}

export class MonitorLog {
  readonly file: string;
  /** The file's size as far as this log knows (rotation). */
  private size = -1;

  constructor(
    readonly root: string,
    readonly name: string,
    private readonly log: (line: string) => void,
  ) {
    if (!MONITOR_NAME.test(name)) throw new Error(`'${name}' cannot name a monitor's file (letters, digits, '_', '.', '-')`);
    this.file = monitorFile(root, name);
  }

  /** Moves the file aside and says why; the next append starts a fresh one. */
  private refuse(why: string): void {
    const aside = `${this.file}.refused-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      renameSync(this.file, aside);
      this.log(`orc serve: ${this.file} ${why}: moved aside to ${path.basename(aside)}; a fresh one is started`);
    } catch (e) {
      this.log(`orc serve: ${this.file} ${why}, and could not be moved aside: ${(e as Error).message}`);
    }
    this.size = 0;
  }

  /**
   * The last checks of the file (at most `max`, oldest first), read from its tail only. A file that
   * is not a regular file or holds a line that is not a check is refused (moved aside): [].
   */
  tail(max: number): MonitorCheck[] {
    let fd: number;
    try {
      if (!lstatSync(this.file).isFile()) {
        this.refuse('is not a regular file (a link, a pipe or a device)');
        return [];
      }
      fd = openSync(this.file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.size = 0;
        return [];
      }
      this.refuse(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return [];
    }
    let text: string;
    let cut: boolean;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) {
        closeSync(fd);
        this.refuse('is not a regular file');
        return [];
      }
      this.size = st.size;
      const take = Math.min(st.size, MAX_TAIL_BYTES);
      const buf = Buffer.alloc(take);
      let n = 0;
      for (let got = 1; got > 0 && n < take; n += got) got = readSync(fd, buf, n, take - n, st.size - take + n);
      text = buf.subarray(0, n).toString('utf8');
      cut = take < st.size;
    } finally {
      try {
        closeSync(fd);
      } catch {
        // closed above
      }
    }
    const lines = text.split('\n');
    // the tail's first line is cut when the file is longer than the tail: it is not judged
    if (cut) lines.shift();
    const out: MonitorCheck[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        this.refuse('holds a line that is not JSON (not a check file, or damaged)');
        return [];
      }
      if (!isCheck(v)) {
        this.refuse('holds a line that is not a check');
        return [];
      }
      out.push(v);
    }
    return out.slice(-max);
  }

  /** Appends a check (never through a link: one put in the file's place is refused and moved aside). */
  append(check: MonitorCheck): void {
    const line = `${JSON.stringify(check)}\n`;
    mkdirSync(path.dirname(this.file), { recursive: true });
    if (this.size < 0) {
      try {
        const st = lstatSync(this.file);
        if (!st.isFile()) this.refuse('is not a regular file (a link, a pipe or a device)');
        else this.size = st.size;
      } catch {
        this.size = 0;
      }
    }
    if (this.size + line.length > MAX_LOG_BYTES) {
      try {
        renameSync(this.file, `${this.file}.1`);
      } catch {
        // gone already: a fresh one is started all the same
      }
      this.size = 0;
    }
    let fd: number;
    try {
      fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ELOOP' && code !== 'ENXIO' && code !== 'EISDIR') throw e;
      this.refuse('is not a regular file (a link, a pipe or a device)');
      fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
    }
    try {
      if (!fstatSync(fd).isFile()) throw new Error(`${this.file} is not a regular file`);
      const bytes = Buffer.from(line);
      writeSync(fd, bytes);
      this.size += bytes.length;
    } finally {
      closeSync(fd);
    }
  }
}
