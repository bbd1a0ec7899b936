// One empty list for every list an analysis keeps with nothing in it. A 2,000-step pipeline kept
// about 17,000 empty arrays of its own (no findings in a step, no tests or calls in a template, no
// vars), 32 bytes each; they are all this one. It is frozen: code that adds to a kept list throws
// instead of adding to every other.
export const NONE = Object.freeze([]) as unknown as never[];

/** `list`, or the shared empty list when `list` is empty. */
export function kept<T>(list: T[]): T[] {
  return list.length ? list : NONE;
}

/** The part of `list` from `start`, as `list.slice(start)`, sharing the empty list. */
export function keptFrom<T>(list: T[], start: number): T[] {
  return start >= list.length ? NONE : list.slice(start);
}

/** Adds `from`'s items to the end of `to`, by index: an edit copies thousands of kept lists into
 * the analysis this way, and a for-of turn or a spread allocates where V8 has not optimized it. */
export function appendAll<T>(to: T[], from: readonly T[]): void {
  for (let i = 0; i < from.length; i++) to.push(from[i]);
}

/** Whether an object has an own enumerable key (without the array `Object.keys` makes). */
export function hasOwnKeys(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}
