// The debug adapter's vocabulary: what it tells a client it can do (its capabilities and exception
// filters), the modes a session is in, and the running steps it shows as threads. Imports no `vscode`.
import { type Source, StackFrame } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { PausePoint, Resumption, StepEdit, StepResult, StepScope } from '../engine/api/index';

export const FAILURE_FILTER = 'failure';
export const HANDOFF_FILTER = 'handoff';
/** The thread shown while no step is ready (DAP wants at least one). */
export const RUN_THREAD = 1;

export type Mode = 'running' | 'paused' | 'stepping' | 'pausing';

export interface StepThread {
  id: number;
  key: string;
  point: PausePoint;
  /** held: waiting for the debugger before it runs; failed: held after failing; running: on its way. */
  state: 'held' | 'failed' | 'running';
  release?: (r: Resumption | void) => void;
  /** The inputs it runs with: rendered, then changed by setVariable while it is held. */
  inputs: Record<string, unknown> | null;
  edits: StepEdit[];
  /** Whether its arrival matched a breakpoint (counted once). */
  breakpointHit: boolean;
  failure?: StepResult;
}

export function keyOf(step: string, scope: StepScope[]): string {
  return scope.map((s) => `${s.loop}[${s.index}]/`).join('') + step;
}

export const CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsSetVariable: true,
  supportsTerminateRequest: true,
  supportsEvaluateForHovers: false,
  // Restart Frame forks the run at the frame's step (debugFork.ts)
  supportsRestartFrame: true,
  exceptionBreakpointFilters: [
    { filter: FAILURE_FILTER, label: 'Stop on failure', description: 'Stop when a step fails, before the run reacts to it', default: false },
    { filter: HANDOFF_FILTER, label: 'Agent handoffs', description: "Stop when an agent hands the conversation to another, before the new agent's first turn", default: false },
  ],
};

/** A step thread's own frames: the step, then the loop iterations around it, innermost first. Each may
 * be restarted: Restart Frame forks the run at its step (or loop). `makeId(level)`: 0 the step's. */
export function stepFrames(t: StepThread, makeId: (level: number) => number, source: Source, lineOf: (step: string) => number): StackFrame[] {
  const scope = t.point.scopePath;
  const frames = [new StackFrame(makeId(0), t.point.step.id, source, lineOf(t.point.step.id), 1)];
  for (let i = scope.length - 1; i >= 0; i--) frames.push(new StackFrame(makeId(scope.length - i), `${scope[i].loop} [iteration ${scope[i].index}]`, source, lineOf(scope[i].loop), 1));
  for (const f of frames as DebugProtocol.StackFrame[]) f.canRestart = true;
  return frames;
}
