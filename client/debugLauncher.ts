// The debug adapter's launcher outside the editor (tests, and a reference for the extension's): the
// file as it is on disk, run with the engine in this process.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type Analysis, analyze, type Checkpoint, hasErrors, type ResultDocument, type RunDebugger, type RunListener } from '../engine/api/index';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { forkForDebugging, type ForkRequest } from './debugFork';

export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The pipeline file. */
  pipeline: string;
  /** Parameter values; missing ones take their defaults (or are asked for, in the editor). */
  inputs?: Record<string, unknown>;
  /** The models of an eval's variant (`*`: every model step; a step id: that step), as `orc eval` runs it. */
  models?: Record<string, string>;
  /** Model steps whose provider has no key here: ask (the default), run them on the editor's language model, or let them fail. */
  missingKeys?: 'ask' | 'editor' | 'fail';
  /** Stop before the first step. */
  stopOnEntry?: boolean;
  maxParallel?: number;
  /** Restart Frame: run a fork of this past run at this top-level step instead (client/debugFork.ts). */
  fork?: ForkRequest;
}

/** Starts the run a session debugs; `refused` says why it did not start. */
export type Launcher = (args: LaunchArguments, hooks: RunDebugger, signal: AbortSignal, listener: RunListener) => Promise<{ done: Promise<ResultDocument | undefined> } | { refused: string }>;

/** `root`: the folder whose runs a fork reads (`args.fork`); the fork's record is given to `run` as `resume`. */
export function engineLauncher(run: (analysis: Analysis, args: LaunchArguments, hooks: RunDebugger, signal: AbortSignal, listener: RunListener, resume?: Checkpoint) => Promise<ResultDocument>, root?: string): Launcher {
  return async (args, hooks, signal, listener) => {
    if (args.fork) {
      if (!root) return { refused: 'This debugger cannot fork a run' };
      try {
        const made = forkForDebugging(root, args.fork);
        return { done: run(made.analysis, { ...args, pipeline: made.file }, hooks, signal, listener, made.record) };
      } catch (e) {
        return { refused: `Run ${args.fork.run} cannot be forked at '${args.fork.at}': ${(e as Error).message}` };
      }
    }
    let text: string;
    try {
      text = readFileSync(args.pipeline, 'utf8');
    } catch (e) {
      return { refused: `Cannot read ${args.pipeline}: ${(e as Error).message}` };
    }
    const analysis = analyze(text);
    if (!analysis.pipeline || !analysis.plan || hasErrors(analysis.findings)) return { refused: `${path.basename(args.pipeline)} does not compile: nothing ran` };
    return { done: run(analysis, args, hooks, signal, listener) };
  };
}
