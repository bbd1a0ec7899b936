// Lookup tables keyed by text from a pipeline must not inherit from Object.prototype: with a plain
// object literal, `table['constructor']` or `table['toString']` would find a host function.

/** A copy of `entries` with no prototype, so only its own keys are ever found. */
export function table<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}
