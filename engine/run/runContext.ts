// What every part of one run shares: the pipeline, limits, listeners, stores, cancellation.
import type { ModelRunner } from '../models/modelRunner';
import type { Pipeline, Plan } from '../spec/types';
import type { NestedRunResult, ToolDefinition } from '../tools/runtime';
import type { CheckpointStore } from './checkpointStore';
import type { RunEmitter, StepResult } from './events';
import type { StepCache } from './stepCache';

/** A counting semaphore; waiters are served in the order they asked. */
export class Semaphore {
  private waiters: (() => void)[] = [];
  private head = 0;
  constructor(private available: number) {}

  /** Resolves with true when a unit is held, or false if the signal aborted first. */
  acquire(signal: AbortSignal): Promise<boolean> | boolean {
    if (signal.aborted) return false;
    if (this.available > 0 && this.head === this.waiters.length) {
      this.available--;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      let done = false;
      const grant = () => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = () => {
        if (done) return;
        done = true;
        // hand the slot on if it was granted meanwhile: `grant` is now a no-op
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(() => {
        if (done) this.release();
        else grant();
      });
    });
  }

  release(): void {
    if (this.head < this.waiters.length) {
      const next = this.waiters[this.head];
      this.waiters[this.head++] = () => undefined;
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters = this.waiters.slice(this.head);
        this.head = 0;
      }
      next();
    } else this.available++;
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
