// `products`: files written from a step's `vars` inside the run's output folder. Every path is
// checked before anything is written, each file goes to a temporary name first, and a failure
// removes what this step wrote: nothing is left half-written.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ToolError } from '../toolkit/runtime';

/** Names the checkpoint store reads, writes or removes at the top of a run's folder. */
const RUN_STATE = /^(checkpoint\.json|result\.json|journal\.jsonl|recent-[^/\\]*\.jsonl|[^/\\]*\.tmp)$/i;

/** Writes the products; returns the files written (absolute paths). */
export function writeProducts(outDir: string, products: Record<string, string>, vars: Record<string, unknown>): string[] {
  const root = path.resolve(outDir);
  const plan: { file: string; text: string }[] = [];
  for (const [name, rel] of Object.entries(products)) {
    const file = path.resolve(root, rel);
    if (path.isAbsolute(rel) || !file.startsWith(root + path.sep)) throw new ToolError(`Product '${name}' must be a relative path inside the run's output folder, not '${rel}'`, 'PermissionError');
    const relPath = path.relative(root, file);
    if (relPath === 'checkpoint.json' || relPath === 'result.json') throw new ToolError(`Product '${name}' may not overwrite the run's ${relPath}`, 'PermissionError');
    // a model's answer must never be taken for run state: no name the checkpoint store reads or
    // removes, in any case (a case-insensitive disk), and no control character (a new line)
    if (/[\x00-\x1f\x7f]/.test(rel)) throw new ToolError(`Product '${name}' has a control character in its path: ${JSON.stringify(rel)}`, 'PermissionError');
    if (RUN_STATE.test(relPath)) throw new ToolError(`Product '${name}' may not be named like the run's own state (${relPath}): choose another name or a subfolder`, 'PermissionError');
    if (!Object.prototype.hasOwnProperty.call(vars, name) || vars[name] === null || vars[name] === undefined) throw new ToolError(`Product '${rel}' needs var '${name}', which the step did not produce`, 'ValueError');
    const v = vars[name];
    plan.push({ file, text: typeof v === 'string' ? v : JSON.stringify(v, null, 2) + '\n' });
  }
  const written: string[] = [];
  try {
    for (const p of plan) {
      mkdirSync(path.dirname(p.file), { recursive: true });
      const tmp = `${p.file}.${process.pid}.tmp`;
      writeFileSync(tmp, p.text);
      renameSync(tmp, p.file);
      written.push(p.file);
    }
  } catch (e) {
    for (const f of written) rmSync(f, { force: true });
    for (const p of plan) rmSync(`${p.file}.${process.pid}.tmp`, { force: true });
    throw new ToolError(`Could not write the products: ${e instanceof Error ? e.message : String(e)}`, 'IOError');
  }
  return written;
}
