// The debug adapter's launcher outside the editor (tests, and a reference for the extension's): the
// file as it is on disk, run with the engine in this process.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type Analysis, analyze, hasErrors, type ResultDocument, type RunDebugger, type RunListener } from '../engine/api/index';
import type { DebugProtocol } from '@vscode/debugprotocol';

export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The pipeline file. */
  pipeline: string;
  /** Parameter values; missing ones take their defaults (or are asked for, in the editor). */
  inputs?: Record<string, unknown>;
  /** The models of an eval's variant (`*`: every model step; a step id: that step), as `orc eval` runs it. */
  models?: Record<string, string>;
  /** Stop before the first step. */
  stopOnEntry?: boolean;
  maxParallel?: number;
}

/** Starts the run a session debugs; `refused` says why it did not start. */
export type Launcher = (args: LaunchArguments, hooks: RunDebugger, signal: AbortSignal, listener: RunListener) => Promise<{ done: Promise<ResultDocument | undefined> } | { refused: string }>;

export function engineLauncher(run: (analysis: Analysis, args: LaunchArguments, hooks: RunDebugger, signal: AbortSignal, listener: RunListener) => Promise<ResultDocument>): Launcher {
  return async (args, hooks, signal, listener) => {
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
