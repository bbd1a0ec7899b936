// How deeply a value nests, counted without recursion: JSON.parse takes a 100,000-deep `[[[...]]]`
// from a tool or a model, but every later reader (JSON.stringify, canonical keys, the redactor,
// templates) walks it with the call stack. Readers check the depth here first and refuse what is
// too deep with a clear error, instead of a RangeError from the stack.

/** The nesting depth of a value (0 for a scalar), stopping once past `limit`. */
export function depthOf(value: unknown, limit: number): number {
  if (!value || typeof value !== 'object') return 0; // most values: a scalar or null, nothing to walk
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
