// Plain YAML values: what is at a path, which step a path is in, and whether a value has a type.
import type { ParamType, ValuePath } from './types';

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: unknown, path: ValuePath): unknown {
  let cur = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/** The id of the innermost step a path is inside (`steps[2].steps[0]...`), or null. */
export function stepIdAt(root: unknown, path: ValuePath): string | null {
  let cur: unknown = root;
  let id: string | null = null;
  for (let i = 0; i < path.length; i++) {
    if (cur === null || typeof cur !== 'object') break;
    cur = (cur as Record<string | number, unknown>)[path[i]];
    if (path[i - 1] === 'steps' && typeof path[i] === 'number' && cur && typeof cur === 'object' && !Array.isArray(cur)) {
      const sid = (cur as Record<string, unknown>).id;
      if (typeof sid === 'string') id = sid;
    }
  }
  return id;
}

/** Whether a value has one of the JSON types a parameter declares. */
export function hasType(value: unknown, type: ParamType): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

/** How messages name a JSON type: 'an integer', 'a list'. */
export const TYPE_WORDS: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a mapping', null: 'nothing',
};
