// Jinja2's tests (`x is defined`, `n is even`, ...), over plain data.
import { equals, compare, isPlainObject, iterate, Undefined } from './values';
import { table } from '../util/table';

export interface TestSpec {
  minArgs: number;
  maxArgs: number;
  doc: string;
  apply(value: unknown, args: unknown[]): boolean;
}

const num = (v: unknown) => typeof v === 'number';

export const TESTS: Record<string, TestSpec> = table<TestSpec>({
  defined: { minArgs: 0, maxArgs: 0, doc: 'The value exists.', apply: (v) => !(v instanceof Undefined) },
  undefined: { minArgs: 0, maxArgs: 0, doc: 'The value does not exist.', apply: (v) => v instanceof Undefined },
  none: { minArgs: 0, maxArgs: 0, doc: 'The value is none (null).', apply: (v) => v === null },
  boolean: { minArgs: 0, maxArgs: 0, doc: 'The value is true or false.', apply: (v) => typeof v === 'boolean' },
  true: { minArgs: 0, maxArgs: 0, doc: 'The value is true.', apply: (v) => v === true },
  false: { minArgs: 0, maxArgs: 0, doc: 'The value is false.', apply: (v) => v === false },
  number: { minArgs: 0, maxArgs: 0, doc: 'The value is a number.', apply: num },
  integer: { minArgs: 0, maxArgs: 0, doc: 'The value is a whole number.', apply: (v) => num(v) && Number.isInteger(v) },
  float: { minArgs: 0, maxArgs: 0, doc: 'The value is a number with a fraction.', apply: (v) => num(v) && !Number.isInteger(v) },
  string: { minArgs: 0, maxArgs: 0, doc: 'The value is a string.', apply: (v) => typeof v === 'string' },
  mapping: { minArgs: 0, maxArgs: 0, doc: 'The value is a mapping (object).', apply: (v) => isPlainObject(v) },
  sequence: { minArgs: 0, maxArgs: 0, doc: 'The value is a list or a string.', apply: (v) => Array.isArray(v) || typeof v === 'string' },
  iterable: { minArgs: 0, maxArgs: 0, doc: 'The value can be looped over.', apply: (v) => iterate(v) !== null },
  callable: { minArgs: 0, maxArgs: 0, doc: 'Always false: templates see plain data only.', apply: () => false },
  even: { minArgs: 0, maxArgs: 0, doc: 'The number is even.', apply: (v) => num(v) && (v as number) % 2 === 0 },
  odd: { minArgs: 0, maxArgs: 0, doc: 'The number is odd.', apply: (v) => num(v) && Math.abs((v as number) % 2) === 1 },
  divisibleby: { minArgs: 1, maxArgs: 1, doc: 'The number is divisible by the argument.', apply: (v, [d]) => num(v) && num(d) && d !== 0 && (v as number) % (d as number) === 0 },
  lower: { minArgs: 0, maxArgs: 0, doc: 'The string is lower case.', apply: (v) => typeof v === 'string' && v === v.toLowerCase() },
  upper: { minArgs: 0, maxArgs: 0, doc: 'The string is upper case.', apply: (v) => typeof v === 'string' && v === v.toUpperCase() },
  in: { minArgs: 1, maxArgs: 1, doc: 'The value is in the argument (list, string or mapping).', apply: (v, [c]) => contains(c, v) },
  sameas: { minArgs: 1, maxArgs: 1, doc: 'The value is the very same as the argument.', apply: (v, [o]) => v === o },
  eq: { minArgs: 1, maxArgs: 1, doc: 'Equal to the argument (also `==`, `equalto`).', apply: (v, [o]) => equals(v, o) },
  ne: { minArgs: 1, maxArgs: 1, doc: 'Not equal to the argument (also `!=`).', apply: (v, [o]) => !equals(v, o) },
  lt: { minArgs: 1, maxArgs: 1, doc: 'Less than the argument.', apply: (v, [o]) => compare(v, o) < 0 },
  le: { minArgs: 1, maxArgs: 1, doc: 'Less than or equal to the argument.', apply: (v, [o]) => compare(v, o) <= 0 },
  gt: { minArgs: 1, maxArgs: 1, doc: 'Greater than the argument.', apply: (v, [o]) => compare(v, o) > 0 },
  ge: { minArgs: 1, maxArgs: 1, doc: 'Greater than or equal to the argument.', apply: (v, [o]) => compare(v, o) >= 0 },
});
for (const [alias, target] of Object.entries({ '==': 'eq', equalto: 'eq', '!=': 'ne', '<': 'lt', lessthan: 'lt', '<=': 'le', '>': 'gt', greaterthan: 'gt', '>=': 'ge' })) {
  TESTS[alias] = TESTS[target];
}

export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (Array.isArray(container)) return container.some((x) => equals(x, item));
  if (isPlainObject(container)) return (typeof item === 'string' || typeof item === 'number') && Object.prototype.hasOwnProperty.call(container, String(item));
  throw new TypeError(`'in' needs a string, list or mapping on its right`);
}
