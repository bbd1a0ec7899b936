// An eval's record in `.orchestrator/evals/<id>/`: `eval.json` (what ran, its status and, at the
// end, its summary) and `results.jsonl` (one line per case × variant × repeat as it finished,
// each naming the run record of its case in `.orchestrator/runs/<run_id>/`). Results are appended
// as they come, so an interrupted eval keeps every finished case and `--resume` runs the rest.
import { existsSync, promises as fsp, readdirSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { atomicWriteSync, recordId, STATE_DIR } from '../run/checkpointStore';
import type { AssertionResult } from './assertions';
import type { Interval } from './stats';
import type { MockedCall, TrialsReport } from './caseReport';
import { makeStateDir } from '../toolkit/stateDir';
import { DatasetError } from './dataset';
import { boundedLines, LineTooLongError } from './lineReader';
import { readStateFile } from '../util/boundedRead';

/** The most of an eval.json read back: a regular file only (engine/util/boundedRead.ts). */
const MAX_EVAL_META_BYTES = 16 * 1024 * 1024;

/** The longest line of results.jsonl read (a case's outputs are in it): past it, the file is refused, not held. */
const MAX_RESULT_LINE_BYTES = 256 * 1024 * 1024;
const STATUSES: readonly unknown[] = ['pass', 'fail', 'error', 'skipped'];

/** A line of results.jsonl as it must be to be counted (what resume, the baseline and the reports read of it). */
function isCaseResult(v: unknown): v is CaseResult {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return typeof r.case === 'string' && typeof r.variant === 'string' && Number.isInteger(r.repeat) && STATUSES.includes(r.status) && typeof r.score === 'number' && Array.isArray(r.assertions);
}

export type CaseStatus = 'pass' | 'fail' | 'error' | 'skipped';

/** One case of one variant (one repeat): a line of results.jsonl. */
export interface CaseResult {
  case: string;
  variant: string;
  /** 0-based repeat (`repeat: N` runs each case N times). */
  repeat: number;
  status: CaseStatus;
  pass: boolean;
  /** Mean of the assertions' scores (0–1). */
  score: number;
  /** The case's run: `.orchestrator/runs/<run_id>/` (null when it did not run: skipped, bad inputs). */
  run_id: string | null;
  run_status: 'completed' | 'failed' | 'cancelled' | null;
  cost_usd: number;
  judge_cost_usd: number;
  tokens_in: number;
  tokens_out: number;
  latency_ms: number;
  /** Why the case could not be judged (the run could not start), or why it was skipped. */
  error?: string;
  assertions: AssertionResult[];
  /** Its trials disagreed: some passed, some did not (`trials:`). */
  flaky?: boolean;
  /** A flaky case under `--quarantine`: reported, out of the pass rate. */
  quarantined?: boolean;
  /** `trials:`: each trial, the rate with its interval, pass@k and pass^k (its run_id and assertions are its first failed trial's, else its last's). */
  trials?: TrialsReport;
  /** What answered instead of a tool (`mocks:`), and the step a step case ran. */
  mocked?: MockedCall[];
}

export interface VariantSummary {
  variant: string;
  /** Case runs that were judged (skipped ones are not counted). */
  total: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  pass_rate: number;
  /** 95 % Wilson interval of the pass rate. */
  interval: Interval;
  mean_score: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  judge_cost_usd: number;
  mean_latency_ms: number;
  /** Cases run in trials: how many, the share that passed at least once (pass@k) and every time (pass^k), the flaky ones, the quarantined ones (out of the pass rate). */
  trials?: { cases: number; pass_at_k: number; pass_hat_k: number; flaky: number; quarantined: number };
}

export interface EvalSummary {
  total: number;
  passed: number;
  pass_rate: number;
  threshold: number;
  /** passed: the pass rate is at least the threshold. */
  verdict: 'passed' | 'failed';
  variants: VariantSummary[];
  cost_usd: number;
  judge_cost_usd: number;
}

export type EvalStatus = 'running' | 'completed' | 'cancelled';

/** eval.json */
export interface EvalMeta {
  format: 1;
  eval_id: string;
  /** The eval file, relative to the folder holding `.orchestrator/`. */
  eval_file: string;
  eval_sha256: string;
  pipeline_file: string;
  pipeline_id: string;
  status: EvalStatus;
  started_at: string;
  updated_at: string;
  ended_at: string | null;
  /** The variants and cases this eval was asked to run (--variant, --case); empty: all. */
  only_variants: string[];
  only_cases: string[];
  variants: string[];
  repeat: number;
  threshold: number;
  /** Case runs to do (known after the dataset's first read). */
  planned: number;
  summary: EvalSummary | null;
}

export function evalsDir(root: string): string {
  return path.join(root, STATE_DIR, 'evals');
}

/** Results appended within this many milliseconds are written together. At 5 ms an eval of 1,000
 * cases × 2 variants made 345 writes, each an open, a write and a close handed to the thread pool
 * and back (`npm run bench eval`). A result waits for its run's record (a batch of its own), so a
 * killed eval loses the results of about twice this long; those cases run again on resume. */
const APPEND_BATCH_MS = 25;

export class EvalRecord {
  readonly dir: string;
  constructor(
    readonly root: string,
    public meta: EvalMeta,
  ) {
    this.dir = path.join(evalsDir(root), recordId(meta.eval_id, 'eval'));
  }

  static create(root: string, meta: EvalMeta): EvalRecord {
    const r = new EvalRecord(root, meta);
    makeStateDir(r.dir);
    // its start: the end's meta is the one written durably
    r.writeMeta(false);
    return r;
  }

  static open(root: string, id: string): EvalRecord {
    const file = path.join(evalsDir(root), recordId(id, 'eval'), 'eval.json');
    if (!existsSync(file)) throw new Error(`No eval '${id}' in ${path.join(STATE_DIR, 'evals')}`);
    return new EvalRecord(root, JSON.parse(readStateFile(file, MAX_EVAL_META_BYTES)) as EvalMeta);
  }

  get resultsFile(): string {
    return path.join(this.dir, 'results.jsonl');
  }

  /** Replaces eval.json; `synced`: waits for the disk (the end's meta), otherwise only atomically
   * (a crash may lose a start's "running", as it loses the results not yet written). */
  writeMeta(synced = true): void {
    this.meta.updated_at = new Date().toISOString();
    atomicWriteSync(path.join(this.dir, 'eval.json'), JSON.stringify(this.meta, null, 2) + '\n', synced);
  }

  /** Lines appended but not yet written, the write in flight, and the first write that failed. */
  private pending: string[] = [];
  private writing: Promise<void> | null = null;
  private failure: Error | null = null;

  /**
   * Appends a result. The lines go to the file together, one write at a time in the background (a
   * synchronous append per case held the event loop on a busy disk); `flush` waits for them. A
   * killed eval loses at most the results of the last write: those cases run again on resume.
   */
  append(r: CaseResult): void {
    this.pending.push(JSON.stringify(r) + '\n');
    // the results of the next few milliseconds go in the same write (one write per case cost the
    // event loop an open, a write and a close each)
    if (!this.writing) this.soon ??= setTimeout(() => this.startWriting(), APPEND_BATCH_MS);
  }

  private soon: NodeJS.Timeout | null = null;

  private startWriting(): void {
    if (this.soon) clearTimeout(this.soon);
    this.soon = null;
    this.writing ??= this.writeLoop();
  }

  /** The results file, opened to append on the first write and kept open until `flush`. */
  private file: fsp.FileHandle | null = null;

  private async writeLoop(): Promise<void> {
    try {
      while (this.pending.length) {
        const text = this.pending.join('');
        this.pending = [];
        try {
          this.file ??= await fsp.open(this.resultsFile, 'a');
          await this.file.appendFile(text);
        } catch (e) {
          this.failure ??= this.unwritten(e as Error);
        }
      }
    } finally {
      this.writing = null;
    }
  }

  private unwritten(e: Error): Error {
    return new Error(`The eval's results could not be written to ${path.relative(this.root, this.resultsFile)}: ${e.message}`);
  }

  /** Waits until every result appended so far is in the file, and closes it (the next append opens
   * it again); throws the first write that failed. */
  async flush(): Promise<void> {
    if (this.soon) this.startWriting();
    while (this.writing) await this.writing;
    const f = this.file;
    this.file = null;
    try {
      await f?.close();
    } catch (e) {
      this.failure ??= this.unwritten(e as Error);
    }
    if (this.failure) throw this.failure;
  }

  /**
   * Every finished result, streamed in the order they were written (a torn last line is left out).
   * A line that is JSON but not a case result (`null`, another document) is a DatasetError naming
   * the file and line: the record was changed by hand, and guessing what it meant could count a case twice.
   */
  async *results(): AsyncGenerator<CaseResult> {
    if (!existsSync(this.resultsFile)) return;
    const shown = path.relative(this.root, this.resultsFile);
    const input = createReadStream(this.resultsFile);
    try {
      for await (const { text, line } of boundedLines(input, MAX_RESULT_LINE_BYTES)) {
        if (!text.trim()) continue;
        let v: unknown;
        try {
          v = JSON.parse(text);
        } catch {
          continue; // a line torn by a crash: that case runs again on resume
        }
        if (!isCaseResult(v)) {
          const what = JSON.stringify(v);
          throw new DatasetError(shown, line, `this line is not a case result (${what.length > 60 ? `${what.slice(0, 60)}…` : what}); remove it, or start a new eval`);
        }
        yield v;
      }
    } catch (e) {
      if (e instanceof LineTooLongError) throw new DatasetError(shown, e.line, `this line is over ${MAX_RESULT_LINE_BYTES / 1024 / 1024} MiB: it is not a case result this eval wrote`);
      throw e;
    } finally {
      input.destroy();
    }
  }
}

export const resultKey = (c: string, variant: string, repeat: number) => `${c}\u0000${variant}\u0000${repeat}`;

/** Every eval record, newest first; unreadable ones are left out. */
export function listEvals(root: string): EvalMeta[] {
  const dir = evalsDir(root);
  if (!existsSync(dir)) return [];
  const out: EvalMeta[] = [];
  for (const id of readdirSync(dir)) {
    try {
      out.push(JSON.parse(readStateFile(path.join(dir, id, 'eval.json'), MAX_EVAL_META_BYTES)) as EvalMeta);
    } catch {
      /* not an eval record */
    }
  }
  return out.sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : a.eval_id < b.eval_id ? 1 : -1));
}
