// The debug adapter's launcher outside the editor (tests, and a reference for the extension's): the
// file as it is on disk, run with the engine in this process.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, hasErrors, type Analysis } from '../engine/analyze/index';
import type { RunDebugger } from '../engine/run/debugHooks';
import type { ResultDocument, RunListener } from '../engine/run/events';
import type { LaunchArguments, Launcher } from './debugAdapter';

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
