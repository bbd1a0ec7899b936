// What a static reading of a template finds: names with their attribute chains, filters, tests and
// calls, each with its offsets. Both readers (the parser's and the fast one for simple templates)
// return this shape.
import type { Span } from './ast';

export interface AttrStep extends Span {
  /** The attribute or literal key (`.result`, `['a-b']`, `[0]`). */
  key: string | number;
}

export interface NameRef extends Span {
  name: string;
  /** The static attributes that follow the name, in order, until a dynamic one. */
  chain: AttrStep[];
  /** Guarded by `| default(...)` or `is defined` / `is undefined`: a missing value is handled. */
  guarded: boolean;
}

export interface CallableRef extends Span {
  name: string;
  argCount: number;
  kwargNames: string[];
}

export interface TemplateReferences {
  names: NameRef[];
  filters: CallableRef[];
  tests: CallableRef[];
  /** Functions called by name: `range(3)`. */
  calls: CallableRef[];
}
