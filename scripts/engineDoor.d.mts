/** The names of the values engine/api/index.ts exports (see engineDoor.mjs). */
export function engineValueExports(source?: string): string[];
