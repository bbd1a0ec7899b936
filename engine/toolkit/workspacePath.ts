// The workspace boundary, in one place: every path a pipeline or an eval names (files a tool reads or
// writes, datasets, SQLite databases and their exports, object-storage folders) resolves here. Its
// symbolic links are followed (the real path is what is checked), a link to a missing file is
// refused (writing through it would create a file wherever it points), and the run's own state,
// `.orchestrator/`, may be read but never changed. One error, PermissionError, says which rule.
import { lstatSync, realpathSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { ToolError } from './runtime';
import { STATE_DIR_NAME } from './stateDir';

/** What a path is checked against: where relative paths start, the workspace, and whether leaving it is allowed. */
export interface Confinement {
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
}

/** What is done to a path: `modify` writes into it, `remove` deletes or moves it away. */
export type PathAccess = 'read' | 'modify' | 'remove';

/** Which rule refused a path: it leads out of the workspace, into `.orchestrator/`, would remove the workspace, or is a link to nothing. */
export type WorkspaceRule = 'outside' | 'state' | 'holds-workspace' | 'dangling-link';

/** A path refused by the workspace boundary. */
export class WorkspacePathError extends ToolError {
  constructor(
    message: string,
    readonly rule: WorkspaceRule,
  ) {
    super(message, 'PermissionError');
  }
}

/**
 * The real path a (possibly not yet existing) path would have: every existing part resolved. A
 * symbolic link whose target does not exist is refused.
 */
export function realTarget(abs: string, given: string): string {
  try {
    return realpathSync(abs);
  } catch {
    // absent, or a link that leads nowhere
  }
  let st: Stats | null = null;
  try {
    st = lstatSync(abs);
  } catch {
    st = null;
  }
  if (st?.isSymbolicLink()) throw new WorkspacePathError(`Path is a symbolic link to a missing file: ${given}`, 'dangling-link');
  const parent = path.dirname(abs);
  if (parent === abs) return abs;
  return path.join(realTarget(parent, given), path.basename(abs));
}

/** Whether `p` is `root` or inside it. */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || !(rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel));
}

/**
 * Resolves a path a pipeline or an eval names and refuses one whose real path leaves the workspace.
 * Returns the path as given (resolved) and its real path. `.orchestrator/` may be read but not
 * changed, and neither it nor the workspace may be removed. `what` names the path in the message.
 */
export function confinedPath(given: string, c: Confinement, access: PathAccess = 'read', what = 'Path'): { abs: string; real: string } {
  const abs = path.resolve(c.cwd, given);
  const real = realTarget(abs, given);
  const root = realTarget(path.resolve(c.workspace), c.workspace);
  if (!c.allowOutsideWorkspace && !isInside(root, real)) throw new WorkspacePathError(`${what} escapes the workspace: ${given}`, 'outside');
  if (access !== 'read') {
    const states = new Set([path.join(realTarget(path.resolve(c.cwd), c.cwd), STATE_DIR_NAME), path.join(root, STATE_DIR_NAME)]);
    for (const state of states) {
      if (isInside(state, real)) throw new WorkspacePathError(`${what} is inside the run's own state (${STATE_DIR_NAME}/), which steps may not change: ${given}`, 'state');
      if (access === 'remove' && (isInside(real, root) || isInside(real, state))) throw new WorkspacePathError(`Refusing to delete or move the workspace or a folder that holds it: ${given}`, 'holds-workspace');
    }
  }
  return { abs, real };
}
