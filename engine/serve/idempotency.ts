// `Idempotency-Key` on POST /pipelines/{id}/runs: the same key with the same pipeline and the same
// body (byte for byte) gives the run the first request started; another pipeline or body is 409.
// Keys are kept for a day, at most MAX_KEYS of them (the oldest let go first).
import { createHash } from 'node:crypto';

export const MAX_KEYS = 10_000;
export const KEY_TTL_MS = 24 * 3600 * 1000;
/** The longest key taken. */
export const MAX_KEY_LENGTH = 255;

interface Entry {
  digest: string;
  /** The run started, or the start still going on (two requests at once wait for the same). */
  run: Promise<string>;
  at: number;
}

export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The run of this key: the one started before when the pipeline and body are the same ('conflict'
   * when they differ), or the one `start` starts now. A start that fails forgets the key.
   */
  runOf(key: string, pipeline: string, body: string, start: () => Promise<string>): Promise<string> | 'conflict' {
    const digest = createHash('sha256').update(pipeline).update('\0').update(body).digest('hex');
    const now = this.now();
    const had = this.entries.get(key);
    if (had && now - had.at < KEY_TTL_MS) return had.digest === digest ? had.run : 'conflict';
    if (had) this.entries.delete(key);
    const run = start();
    const entry = { digest, run, at: now };
    this.entries.set(key, entry);
    run.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value!);
    return run;
  }
}
