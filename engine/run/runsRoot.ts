// Where `orc resume` and `orc runs` find `.orchestrator/`: this folder or the nearest parent that
// has one, as git finds `.git`.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The nearest folder from `start` upwards holding `.orchestrator/`; null when none does. */
export function findRunsRoot(start: string): string | null {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, '.orchestrator');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
