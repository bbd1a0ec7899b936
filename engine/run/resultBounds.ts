// What a step's result may be: plain data no deeper than MAX_RESULT_DEPTH. A tool can return
// anything JSON can parse (a 100,000-deep `[[[...]]]` parses), but every later reader — the
// checkpoint's JSON.stringify, templates, the redactor, the result document — walks it with the
// call stack, so a deeper one is refused where the result is produced instead of crashing the run.

import { depthOf as depthOfValue } from '../util/depth';

export const MAX_RESULT_DEPTH = 1000;

/** The nesting depth of a value, counted without recursion, stopping once past `limit` (engine/util/depth.ts). */
export function depthOf(value: unknown, limit = MAX_RESULT_DEPTH): number {
  return depthOfValue(value, limit);
}

/** Why a result cannot be kept, or null when it can. */
export function resultProblem(value: unknown): string | null {
  return depthOf(value) > MAX_RESULT_DEPTH ? `The step's result is nested deeper than ${MAX_RESULT_DEPTH} levels, which the run cannot record` : null;
}
