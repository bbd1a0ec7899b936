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

/**
 * A kept list of items that are not lists themselves: the shared empty list when it is empty, the
 * item itself when it holds one, else the list. Most lists a long document keeps for each step hold
 * one item (its dependency, its plan edge, its template's step reference), and a list of one is 56
 * bytes: at 5,000 steps five of them a step were 1.3 MiB.
 */
export type Few<T extends object> = T | readonly T[];

/** The part of `list` from `start`, kept as a few. */
export function fewFrom<T extends object>(list: T[], start: number): Few<T> {
  const n = list.length - start;
  return n <= 0 ? NONE : n === 1 ? list[start] : list.slice(start);
}

/** Adds the items of `few` to the end of `to`. */
export function appendFew<T extends object>(to: T[], few: Few<T>): void {
  if (!Array.isArray(few)) return void to.push(few as T);
  for (let i = 0; i < few.length; i++) to.push((few as readonly T[])[i]);
}

/** The items of `few`, each made anew by `f`, kept as a few. */
export function mapFew<T extends object, U extends object>(few: Few<T>, f: (x: T) => U): Few<U> {
  if (!Array.isArray(few)) return f(few as T);
  return few.length ? (few as readonly T[]).map(f) : NONE;
}

/** Whether every item of `few` passes `p`. */
export function everyFew<T extends object>(few: Few<T>, p: (x: T) => boolean): boolean {
  return Array.isArray(few) ? (few as readonly T[]).every(p) : p(few as T);
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
