// What every part of one run shares: the pipeline, limits, listeners, stores, cancellation.
import type { ModelRunner } from '../models/modelRunner';
import type { Pipeline, Plan } from '../spec/types';
import type { NestedRunResult, ToolDefinition } from '../tools/runtime';
import type { CheckpointStore } from './checkpointStore';
import type { RunEmitter, StepResult } from './events';
import type { StepCache } from './stepCache';

interface Waiter {
  priority: number;
  seq: number;
  wake: () => void;
}

/**
 * A counting semaphore. Waiters with a higher priority go first (the scheduler passes a step's
 * longest remaining path, so the critical path is never starved); equal priorities go in order.
 */
export class Semaphore {
  private readonly heap: Waiter[] = [];
  private seq = 0;
  constructor(private available: number) {}

  /** Resolves with true when a unit is held, or false if the signal aborted first. */
  acquire(signal: AbortSignal, priority = 0): Promise<boolean> | boolean {
    if (signal.aborted) return false;
    if (this.available > 0 && this.heap.length === 0) {
      this.available--;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      let done = false;
      const onAbort = () => {
        if (done) return;
        done = true;
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.push({
        priority,
        seq: this.seq++,
        wake: () => {
          // a waiter that gave up hands the unit on
          if (done) return this.release();
          done = true;
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        },
      });
    });
  }

  release(): void {
    const next = this.pop();
    if (next) next.wake();
    else this.available++;
  }

  private before(a: Waiter, b: Waiter): boolean {
    return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
  }

  private push(w: Waiter): void {
    const h = this.heap;
    h.push(w);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Waiter | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l], h[m])) m = l;
        if (r < h.length && this.before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

export interface RunContext {
  pipeline: Pipeline;
  bodyPlans: Record<string, Plan>;
  executionId: string;
  emitter: RunEmitter;
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
  pipelineFile: string | null;
  /** Aborted by cancellation (Ctrl-C). */
  signal: AbortSignal;
  /** Attempts with their own signal (a timeout) register here; cancellation aborts them all. */
  inflight: Set<AbortController>;
  slots: Semaphore;
  toolSlots: Map<string, Semaphore>;
  tools: Record<string, ToolDefinition>;
  models: ModelRunner;
  checkpoint: CheckpointStore | null;
  /** Results restored from a checkpoint (resume), by checkpoint key. */
  restored: Record<string, StepResult>;
  cache: StepCache;
  random: () => number;
  runNested(file: string, inputs: Record<string, unknown>): Promise<NestedRunResult>;
}

/** Waits `ms`, or less if the signal aborts; resolves false when aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
