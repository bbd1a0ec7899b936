// `orc edit FILE OPERATION ...`: the graph editor's operations from a shell, as minimal text edits of
// the file. A refused edit (a cycle, a broken reference, a pipeline that does not compile) exits 2
// and leaves the file as it was.
import { chmodSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type EditOperation, editPipeline } from '../api/index';
import { formatFinding, type Style } from './findingFormat';
import { UsageError } from './input';

export const EDIT_OPERATIONS = ['connect', 'disconnect', 'add-step', 'remove-step', 'duplicate', 'rename', 'move-into', 'move-out', 'reorder'];

export interface EditArgs {
  file: string;
  operation: string;
  args: string[];
  tool?: string;
  action?: string;
  after?: string;
  before?: string;
  params: string[];
  dryRun: boolean;
  json: boolean;
}

function operationOf(e: EditArgs): EditOperation {
  const want = (n: number, usage: string) => {
    if (e.args.length !== n) throw new UsageError(`orc edit FILE ${e.operation} ${usage}`);
  };
  switch (e.operation) {
    case 'connect':
    case 'disconnect':
      want(2, 'FROM TO');
      return { op: e.operation, from: e.args[0], to: e.args[1] };
    case 'rename':
      want(2, 'OLD NEW');
      return { op: 'rename', from: e.args[0], to: e.args[1] };
    case 'remove-step':
      want(1, 'ID');
      return { op: 'remove-step', id: e.args[0] };
    case 'duplicate':
      want(1, 'ID');
      return { op: 'duplicate-step', id: e.args[0] };
    case 'move-into':
      want(2, 'LOOP STEP');
      return { op: 'move-into', loop: e.args[0], id: e.args[1] };
    case 'move-out':
      want(1, 'STEP');
      return { op: 'move-out', id: e.args[0] };
    case 'reorder':
      want(1, 'STEP --before X');
      if (!e.before) throw new UsageError('orc edit FILE reorder STEP needs --before X (the step it moves in front of)');
      return { op: 'reorder', id: e.args[0], before: e.before };
    case 'add-step': {
      want(1, 'ID --action ACTION [--tool TOOL] [--after STEP] [--param NAME=VALUE]...');
      if (!e.action) throw new UsageError('orc edit FILE add-step ID needs --action ACTION (and --tool TOOL for a tool\'s action)');
      const parameters: Record<string, string> = {};
      for (const p of e.params) {
        const i = p.indexOf('=');
        if (i < 1) throw new UsageError(`--param takes NAME=VALUE, got '${p}'`);
        parameters[p.slice(0, i)] = p.slice(i + 1);
      }
      return { op: 'add-step', id: e.args[0], tool: e.tool ?? null, action: e.action, after: e.after ?? null, parameters };
    }
    default:
      throw new UsageError(`orc edit: unknown operation '${e.operation}' (one of ${EDIT_OPERATIONS.join(', ')})`);
  }
}

/** Replaces the file's content in one rename beside it (through a symlink, the file it points to),
 * keeping its permissions (a 0600 pipeline stays 0600: the new file is made that way before it is written). */
function writeInPlace(file: string, text: string): void {
  const real = realpathSync(file);
  const mode = statSync(real).mode & 0o7777;
  const tmp = path.join(path.dirname(real), `.${path.basename(real)}.orc-edit-${process.pid}`);
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, mode);
  renameSync(tmp, real);
}

export function editCommand(e: EditArgs, style: Style, out: (s: string) => void, err: (s: string) => void): number {
  const op = operationOf(e);
  let raw: string;
  try {
    raw = readFileSync(e.file, 'utf8');
  } catch (x) {
    throw new UsageError(`cannot read ${e.file}: ${(x as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (x as Error).message}`);
  }
  const bom = raw.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const text = raw.slice(bom.length);
  const r = editPipeline(text, op);
  if (!r.ok) {
    for (const f of r.findings) err(formatFinding(e.file, text, f, style));
    if (e.json) out(JSON.stringify({ file: e.file, ok: false, reason: r.reason, findings: r.findings }, null, 2));
    err(`orc: ${e.file}: ${r.reason}; the file is unchanged`);
    return 2;
  }
  if (e.json) out(JSON.stringify({ file: e.file, ok: true, summary: r.summary, written: !e.dryRun, edits: r.edits }, null, 2));
  // the edited text as it would be written (out() ends it with the line break it already has)
  else if (e.dryRun) out((bom + r.text).replace(/\r?\n$/, ''));
  if (!e.dryRun) writeInPlace(e.file, bom + r.text);
  err(`${e.file}: ${r.summary}${e.dryRun ? ' (dry run: not written)' : ''}`);
  return 0;
}
