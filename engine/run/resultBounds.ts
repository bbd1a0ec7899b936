// What a step's result may be: plain data no deeper than MAX_RESULT_DEPTH. A tool can return
// anything JSON can parse (a 100,000-deep `[[[...]]]` parses), but every later reader — the
// checkpoint's JSON.stringify, templates, the redactor, the result document — walks it with the
// call stack, so a deeper one is refused where the result is produced instead of crashing the run.

export const MAX_RESULT_DEPTH = 1000;

/** The nesting depth of a value, counted without recursion, stopping once past `limit`. */
export function depthOf(value: unknown, limit = MAX_RESULT_DEPTH): number {
  if (!value || typeof value !== 'object') return 0; // most results: a scalar or null, nothing to walk
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x && typeof x === 'object') stack.push([x, depth]);
  }
  return max;
}

/** Why a result cannot be kept, or null when it can. */
export function resultProblem(value: unknown): string | null {
  return depthOf(value) > MAX_RESULT_DEPTH ? `The step's result is nested deeper than ${MAX_RESULT_DEPTH} levels, which the run cannot record` : null;
}
