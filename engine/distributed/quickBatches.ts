// Quick steps share jobs: a step whose tool ran under QUICK_MS on the workers (on average) waits for
// the run's other quick steps that become ready in the same turn of the event loop, and they go in
// one job, up to BATCH_MAX of them or BATCH_WORK_MS of their average work. Other steps go alone.
import type { Step } from '../spec/types';
import type { RunContext } from '../run/runContext';

/** A step whose tool took less than this on the workers (ms, moving average) shares its job with other quick steps. */
const QUICK_MS = 2;
/** The most attempts one job carries. */
const BATCH_MAX = 32;
/** The most work one job carries, by its steps' average times (ms): quick steps spread over workers too. */
const BATCH_WORK_MS = 5;

/** Attempts of one run that became ready in this turn of the event loop, waiting to share a job. */
interface Forming {
  items: string[];
  /** Their steps' average times on the workers (ms), summed. */
  work: number;
  added: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

/** What the workers' timings are kept by: the tool and action (a model action by its name). */
function durationKey(step: Step): string {
  return step.tool ? `${step.tool}.${step.action ?? ''}` : `action:${step.action ?? ''}`;
}

export class QuickBatches {
  /** Moving average of how long each tool action ran on the workers (ms). */
  private readonly durations = new Map<string, number>();
  private readonly forming = new Map<RunContext, Forming>();
  private flushing = false;

  /** addJob adds one job carrying the attempts of those ids. */
  constructor(private readonly addJob: (run: RunContext, ids: string[]) => Promise<void>) {}

  /** A worker ran the step's tool in ms: its moving average moves. */
  timed(step: Step, ms: number): void {
    const key = durationKey(step);
    const before = this.durations.get(key);
    this.durations.set(key, before === undefined ? ms : before * 0.8 + ms * 0.2);
  }

  /** How long a step's tool has taken on the workers, on average, when that is quick enough for its attempts to share a job (ms); else null. */
  private quick(step: Step): number | null {
    const ms = this.durations.get(durationKey(step));
    return ms !== undefined && ms < QUICK_MS ? ms : null;
  }

  /** Adds the attempt's job: a job of its own, or, for a quick step, one it shares with the run's other quick steps of this turn. */
  enqueue(id: string, step: Step, run: RunContext): Promise<void> {
    const ms = this.quick(step);
    if (ms === null) return this.addJob(run, [id]);
    let f = this.forming.get(run);
    if (!f) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const added = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.forming.set(run, (f = { items: [], work: 0, added, resolve, reject }));
    }
    f.items.push(id);
    f.work += ms;
    const added = f.added;
    if (f.items.length >= BATCH_MAX || f.work >= BATCH_WORK_MS) this.flushForming(run, f);
    else if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => {
        this.flushing = false;
        for (const [r, g] of this.forming) this.flushForming(r, g);
      });
    }
    return added;
  }

  private flushForming(run: RunContext, f: Forming): void {
    this.forming.delete(run);
    this.addJob(run, f.items).then(f.resolve, f.reject);
  }
}
