// The workspace's state folder, `.orchestrator/`: run records, eval records and caches (inputs,
// outputs, model answers). When a write makes it, a `.gitignore` inside it ignores everything, so a
// `git add .` does not commit them. Cassettes live beside the pipelines, not here, and stay
// committable. An existing `.orchestrator/` is left as its owner keeps it.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const STATE_DIR_NAME = '.orchestrator';

const GITIGNORE = `# Orchestrator's run records, eval records and caches (inputs, outputs, model answers):
# local state, not for the repository. Delete this file to commit them anyway.
*
`;

/** The `.orchestrator` folder `dir` is in (or is), or null. */
function stateRootOf(dir: string): string | null {
  const parts = path.resolve(dir).split(path.sep);
  const i = parts.lastIndexOf(STATE_DIR_NAME);
  return i < 0 ? null : parts.slice(0, i + 1).join(path.sep) || path.sep;
}

/** Makes `dir` (a folder in `.orchestrator/`, or that folder), writing the `.gitignore` when `.orchestrator/` itself is made now. */
export function makeStateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  const root = stateRootOf(dir);
  if (!first || !root) return;
  // mkdirSync names the first folder it made: .orchestrator/ was made now when that is it or above it
  const madeRoot = path.resolve(first).length <= root.length;
  if (madeRoot) writeFileSync(path.join(root, '.gitignore'), GITIGNORE, { flag: 'wx' });
}
