// Run state in .orchestrator/runs/<execution_id>/: the checkpoint, and the final result document.
// checkpoint.json is written whole and atomically (temp file, fsync, rename, fsync of the folder):
// before the first step, at each change of the run's status, and whenever the results recorded
// since the last whole write have grown past its size. In between, each step end appends the step's
// result to recent-<generation>.jsonl (fsynced), the file the checkpoint names: durable at every
// step end without rewriting every result each time (which cost a long run the square of its
// length). Writes are coalesced so that at most one is in flight and the next carries the newest state.
// A long loop's iterations do not all go into checkpoint.json (rewriting it whole after each step
// would cost the square of the run, and one JSON string of a million results does not fit in
// memory): past the first INLINE_BODY_LIMIT, body steps' results are appended to journal.jsonl, one
// line each, fsynced before the checkpoint that follows them. A torn last line (a crash mid-append)
// is ignored when the run is read back.
import { promises as fsp, readdirSync, openSync, fsyncSync, fstatSync, closeSync, writeSync, mkdirSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { ResultDocument, RunStatus, StepResult } from './events';
import { appendSynced, atomicWrite, atomicWriteSync, syncWritten } from './durableWrite';
import { type CompactedIterations, FILE_HEADER_FORMAT, fileHeader, JOURNAL_FILE, recentFile, runDir, type Checkpoint } from './runFiles';
import { rewriteJournal } from './journalCompaction';
import { makeStateDir } from '../toolkit/stateDir';

export { STATE_DIR, CHECKPOINT_FORMAT, type CompactedIterations, FILE_HEADER_FORMAT, fileHeader, JOURNAL_FILE, recentFile, recordId, RecordIdError, runsDir, runDir, sha256, type Checkpoint } from './runFiles';
export { atomicWriteSync } from './durableWrite';
export { CheckpointError, loadCheckpoint, listRuns, type RunSummary } from './checkpointReader';

/** Loop-body results kept in checkpoint.json; later ones go to the journal. */
export const INLINE_BODY_LIMIT = 1000;
/** Results appended since the last whole checkpoint may grow to this or the checkpoint's size, whichever is larger, before it is written whole again (bytes). */
export const RECENT_MIN_BYTES = 256 * 1024;
/** Journal lines appended since its last rewrite before a long loop's dropped iterations are taken
 * out of it again (at least; or as many as the rewrite kept, so rewrites cost the run linear time). */
export const COMPACT_MIN_LINES = 1000;
/** How often an append looks that the recent file it holds open is still in its folder (ms). */
const RECENT_CHECK_MS = 100;

const isBodyKey = (key: string) => key.includes('/');

export class CheckpointStore {
  readonly dir: string;
  readonly file: string;
  readonly journal: string;
  /** The line the journal and recent files start with, naming the run. */
  private readonly header: string;
  /** The journal has been appended to by this store: later appends need not look at its size. */
  private journalStarted = false;
  /** Long loops' iterations to take out of the journal, by loop key, and how far the journal on disk has. */
  private readonly compacted: Record<string, CompactedIterations> = {};
  private readonly compactedOnDisk = new Map<string, number>();
  /** Journal lines appended since its last rewrite, and how many that rewrite kept. */
  private linesSinceRewrite = 0;
  private linesAtRewrite = 0;
  private writing: Promise<void> | null = null;
  private dirty = false;
  private writes = 0;
  /** Each inline step's JSON, kept: a write joins them instead of serializing every result again. */
  private readonly stepJson = new Map<string, string>();
  /** Journal lines not yet appended. */
  private pending: string[] = [];
  private inlineBody = 0;
  private journaled = 0;
  private completed = 0;
  private readonly completedKeys = new Set<string>();
  /** Lines for the recent file not yet appended, and the bytes appended since the last whole write. */
  private recent: string[] = [];
  private recentBytes = 0;
  private wholeBytes = 0;
  /** The next write must be whole (the first, or the run's status changed). */
  private wholeDue = true;
  /** The first checkpoint is in the file but may not be on the disk yet (flushStart): the next write syncs it first. */
  private unsynced = false;

  constructor(
    cwd: string,
    private readonly state: Checkpoint,
    private readonly onWritten: (path: string, completed: number) => void = () => undefined,
    /** A write failed (the disk, or a step that removed the folder): reported, the run goes on. */
    private readonly onError: (e: Error) => void = () => undefined,
  ) {
    this.dir = runDir(cwd, state.execution_id);
    this.file = path.join(this.dir, 'checkpoint.json');
    this.journal = path.join(this.dir, JOURNAL_FILE);
    this.header = fileHeader(state.execution_id);
    // a run written before headers gets them now: its journal is rewritten below, its next recent file is new
    this.state.file_header = FILE_HEADER_FORMAT;
    makeStateDir(this.dir);
    // a process killed mid-write leaves its temp file; checkpoint.json itself is always whole
    for (const f of readdirSync(this.dir)) if (f.endsWith('.tmp')) rmSync(path.join(this.dir, f), { force: true });
    // a resumed run's journal is rewritten from what was read (which dropped a torn last line)
    rmSync(this.journal, { force: true });
    const restored = state.steps;
    this.state.steps = {};
    for (const [k, r] of Object.entries(restored)) this.remember(k, r);
    // the iterations a journal had taken out stay out: their line goes into the new journal
    for (const range of Object.values(state.compacted ?? {})) {
      this.compacted[range.compacted] = range;
      this.compactedOnDisk.set(range.compacted, range.to);
      this.pending.push(`${JSON.stringify(range)}\n`);
    }
    delete this.state.compacted;
    this.recent = []; // the first write is whole
    this.appendPendingSync();
  }

  /** Appends the journal lines waiting to be written, durably (fsync), and forgets them. */
  private appendPendingSync(): void {
    if (!this.pending.length) return;
    mkdirSync(this.dir, { recursive: true });
    const fd = openSync(this.journal, 'a');
    try {
      writeSync(fd, (fstatSync(fd).size === 0 ? this.header : '') + this.pending.join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.pending = [];
  }

  private remember(key: string, r: StepResult): void {
    if (isBodyKey(key) && !this.stepJson.has(key) && this.inlineBody >= INLINE_BODY_LIMIT) {
      // past the bound: one line in the journal, nothing kept in memory (not even its key: a
      // million-iteration loop's keys were a heap of their own)
      if (r.status === 'completed') this.completed++;
      this.pending.push(`${JSON.stringify([key, r])}\n`);
      this.journaled++;
      return;
    }
    if (r.status === 'completed') {
      if (!this.completedKeys.has(key)) this.completed++;
      this.completedKeys.add(key);
    } else if (this.completedKeys.delete(key)) this.completed--;
    if (isBodyKey(key) && !this.stepJson.has(key)) this.inlineBody++;
    const k = JSON.stringify(key);
    const json = JSON.stringify(r);
    this.stepJson.set(key, `${k}:${json}`);
    this.recent.push(`[${k},${json}]\n`);
    this.state.steps[key] = r;
  }

  /** The header and the inline steps (journaled ones are on disk only). */
  get checkpoint(): Checkpoint {
    return this.state;
  }

  get writeCount(): number {
    return this.writes;
  }

  /** Results appended to the journal so far. */
  get journalCount(): number {
    return this.journaled;
  }

  record(key: string, result: StepResult): void {
    this.remember(key, result);
    this.schedule();
  }

  /**
   * Iterations `from`..`to` of a `while` loop are done and out of its result document: their
   * journal lines are taken out at the next rewrite, which a line standing for them replaces.
   */
  compactLoop(range: CompactedIterations): void {
    this.compacted[range.compacted] = range;
    if (this.compactionDue(Object.values(this.compacted))) this.schedule();
  }

  private compactionDue(ranges: CompactedIterations[]): boolean {
    if (!this.journalStarted || this.linesSinceRewrite < Math.max(COMPACT_MIN_LINES, this.linesAtRewrite)) return false;
    return ranges.some((r) => r.to > (this.compactedOnDisk.get(r.compacted) ?? -1));
  }

  setStatus(status: RunStatus): void {
    this.state.status = status;
    this.wholeDue = true;
    this.schedule();
  }

  private serialize(): string {
    this.state.updated_at = new Date().toISOString();
    const { steps: _steps, compacted: _compacted, ...head } = this.state;
    const text = JSON.stringify(head);
    return `${text.slice(0, -1)},"steps":{${[...this.stepJson.values()].join(',')}}}`;
  }

  /** Writes soon; a write already in flight is followed by one more with the newest state. */
  schedule(): void {
    this.dirty = true;
    if (this.writing) return;
    this.writing = (async () => {
      while (this.dirty) {
        this.dirty = false;
        try {
          if (this.unsynced) {
            this.unsynced = false;
            await syncWritten(this.file);
          }
          let wrote = false;
          // the ranges of dropped iterations as they are now: every line one covers was recorded
          // before it, so it is on disk once the pending lines are (later lines are not covered)
          const ranges = Object.values(this.compacted).map((r) => ({ ...r }));
          if (this.pending.length) {
            const lines = this.pending;
            this.pending = [];
            // the journal first: the checkpoint written next never names results not on disk
            await appendSynced(this.journal, lines.join(''), this.header, this.journalStarted);
            this.journalStarted = true;
            this.linesSinceRewrite += lines.length;
            wrote = true;
          }
          if (this.compactionDue(ranges)) {
            this.linesAtRewrite = await rewriteJournal(this.journal, this.header, ranges);
            this.linesSinceRewrite = 0;
            for (const r of ranges) this.compactedOnDisk.set(r.compacted, r.to);
          }
          if (this.wholeDue || this.recentBytes >= Math.max(RECENT_MIN_BYTES, this.wholeBytes)) {
            await this.writeWhole();
            wrote = true;
          } else if (this.recent.length) {
            const text = this.recent.join('');
            this.recent = [];
            let appended: boolean;
            try {
              appended = await this.appendRecent(text);
            } catch (e) {
              this.wholeDue = true; // the lines are in memory still: the next write carries them whole
              throw e;
            }
            if (appended) this.recentBytes += text.length;
            else await this.writeWhole(); // the file was removed under the run: everything, whole
            wrote = true;
          }
          if (wrote) {
            this.writes++;
            this.onWritten(this.file, this.completed);
          }
        } catch (e) {
          this.onError(e as Error);
        }
      }
    })().finally(() => {
      this.writing = null;
    });
  }

  /** Waits until everything recorded so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.dirty) {
      this.schedule();
      await this.writing;
    }
  }

  /**
   * checkpoint.json whole, under the next generation (so the recent file it replaces no longer
   * counts, whether or not its removal gets done); results recorded from here on go to the new one.
   */
  private async writeWhole(): Promise<void> {
    const text = this.beginWhole();
    try {
      await atomicWrite(this.file, text);
    } catch (e) {
      this.wholeDue = true;
      throw e;
    }
    this.endWhole(text);
  }

  /** The recent file, open for appends, and when it was last seen still in its folder. */
  private recentHandle: { generation: number; fh: FileHandle; seen: number } | null = null;

  /**
   * Appends to the recent file of the current generation, kept open (an open and a close per step
   * end cost more than the write). Every RECENT_CHECK_MS it looks that the file is still there (a
   * step may remove .orchestrator): false when it is gone, and nothing was appended.
   */
  private async appendRecent(text: string): Promise<boolean> {
    const generation = this.state.generation ?? 0;
    let h = this.recentHandle;
    if (h && h.generation !== generation) {
      this.closeRecent();
      h = null;
    }
    if (h && Date.now() - h.seen > RECENT_CHECK_MS) {
      if ((await h.fh.stat()).nlink === 0) {
        this.closeRecent();
        return false;
      }
      h.seen = Date.now();
    }
    if (!h) {
      const file = recentFile(this.dir, generation);
      let fh: FileHandle;
      try {
        fh = await fsp.open(file, 'a');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        return false;
      }
      this.recentHandle = h = { generation, fh, seen: Date.now() };
      try {
        if ((await fh.stat()).size === 0) text = this.header + text;
      } catch (e) {
        this.closeRecent();
        throw e;
      }
    }
    try {
      await h.fh.write(text);
      await h.fh.datasync();
    } catch (e) {
      this.closeRecent();
      throw e;
    }
    return true;
  }

  /** Lets go of the recent file a run that ends without its final write still holds open (a whole write lets go of it too). */
  close(): void {
    this.closeRecent();
  }

  private closeRecent(): void {
    const h = this.recentHandle;
    this.recentHandle = null;
    h?.fh.close().catch(() => {});
  }

  private beginWhole(): string {
    this.closeRecent();
    this.state.generation = (this.state.generation ?? 0) + 1;
    this.recent = [];
    this.wholeDue = false;
    return this.serialize();
  }

  /** Forgets the recent files of earlier generations (best effort: they no longer count). */
  private endWhole(text: string): void {
    this.wholeBytes = text.length;
    this.recentBytes = 0;
    const current = path.basename(recentFile(this.dir, this.state.generation!));
    try {
      for (const f of readdirSync(this.dir)) if (/^recent-\d+\.jsonl$/.test(f) && f !== current) rmSync(path.join(this.dir, f), { force: true });
    } catch {
      // the folder is gone: the next write makes it again
    }
  }

  /** Writes now, synchronously (an interrupted process on its way out). */
  flushSync(): void {
    this.writeNowSync(true);
  }

  /**
   * The first checkpoint, before any step starts: in the file at once, so a process killed right
   * after leaves a run that can be resumed (the kernel has the file), and on the disk soon after,
   * off the event loop: its fsyncs (the file and its folder) come first in the writes that follow,
   * so nothing written later is durable before it. Made durable before the steps started, its two
   * fsyncs held the whole process for about 3 ms a run on this machine's disk, every run of an eval
   * or a server waiting; what a power cut in those milliseconds can lose is a run with nothing done.
   */
  flushStart(): void {
    this.writeNowSync(false);
    this.unsynced = true;
    this.schedule();
  }

  /** checkpoint.json whole, now (`synced`: and on the disk before this returns). */
  private writeNowSync(synced: boolean): void {
    this.appendPendingSync();
    const text = this.beginWhole();
    try {
      atomicWriteSync(this.file, text, synced);
    } catch (e) {
      this.wholeDue = true;
      throw e;
    }
    this.endWhole(text);
    this.writes++;
  }

  async writeResult(doc: ResultDocument): Promise<void> {
    try {
      await atomicWrite(path.join(this.dir, 'result.json'), JSON.stringify(doc, null, 2));
    } catch (e) {
      this.onError(e as Error);
    }
  }
}
