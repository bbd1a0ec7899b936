// The filesystem tool: read, write, append, copy, move, delete, list, exists. Relative paths start
// at the working directory; a path that leaves the workspace (symlinks resolved) is refused.
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type ToolContext, type ToolDefinition, type ToolOutcome, ToolError } from '../toolkit/runtime';
import { TOOL_SPECS } from '../toolkit/toolSpecs';
import { confinedPath, type PathAccess } from '../toolkit/workspacePath';
import { globRegExp, type LinearRegExp } from '../template/linearRegex';

/** Writes never follow a link in the last part of the path (it was resolved and checked already). */
const WRITE_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | (fsc.O_NOFOLLOW ?? 0);
const APPEND_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_APPEND | (fsc.O_NOFOLLOW ?? 0);

function str(v: unknown, name: string): string {
  if (typeof v !== 'string' || !v) throw new ToolError(`'${name}' must be a non-empty string`, 'ValueError');
  return v;
}

/**
 * Resolves a path from the pipeline and refuses one that leaves the workspace (engine/toolkit/workspacePath.ts).
 * Returns the path as given (resolved) and its real path.
 */
export function resolvePath(given: string, ctx: ToolContext, access: PathAccess = 'read'): { abs: string; real: string } {
  return confinedPath(given, ctx, access);
}

/** Resolves a path from the pipeline and refuses one that leaves the workspace. */
export function resolveInWorkspace(given: string, ctx: ToolContext): string {
  return resolvePath(given, ctx).abs;
}

function asText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return JSON.stringify(content, null, 2);
}

async function exists(p: string): Promise<'file' | 'directory' | null> {
  try {
    const s = await fs.stat(p);
    return s.isDirectory() ? 'directory' : 'file';
  } catch {
    return null;
  }
}

/** A glob on RE2: many `*` cannot make the match backtrack (see linearRegex.ts). */
function globToRegExp(glob: string): LinearRegExp {
  try {
    return globRegExp(glob);
  } catch (e) {
    throw new ToolError(`'pattern' is not a valid glob: ${(e as Error).message}`, 'ValueError');
  }
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  switch (action) {
    case 'read': {
      const given = str(p.path, 'path');
      const abs = resolveInWorkspace(given, ctx);
      let content: string;
      try {
        content = await fs.readFile(abs, { encoding: (typeof p.encoding === 'string' ? p.encoding : 'utf8') as BufferEncoding });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return { success: false, result: null, error: `File not found: ${given}` };
        if (code === 'EISDIR') return { success: false, result: null, error: `Is a folder, not a file: ${given}` };
        throw e;
      }
      return { success: true, result: { content, size: Buffer.byteLength(content), path: given } };
    }
    case 'write':
    case 'append': {
      const given = str(p.path, 'path');
      // the real path: a link inside the workspace to a file inside it is written through, once checked
      const { real } = resolvePath(given, ctx, 'modify');
      const text = asText(p.content);
      await fs.mkdir(path.dirname(real), { recursive: true });
      await fs.writeFile(real, text, { flag: action === 'write' ? WRITE_FLAGS : APPEND_FLAGS });
      const size = action === 'write' ? Buffer.byteLength(text) : (await fs.stat(real)).size;
      return { success: true, result: { path: given, size } };
    }
    case 'copy':
    case 'move': {
      // ContextLab's copy names its source `path`
      const source = str(p.source ?? (action === 'copy' ? p.path : undefined), 'source');
      const destination = str(p.destination, 'destination');
      const from = resolvePath(source, ctx, action === 'move' ? 'remove' : 'read').abs;
      const to = resolvePath(destination, ctx, 'modify').abs;
      if (!(await exists(from))) return { success: false, result: null, error: `File not found: ${source}` };
      if (p.overwrite !== true && (await exists(to))) return { success: false, result: null, error: `Destination exists: ${destination} (set overwrite: true to replace it)` };
      await fs.mkdir(path.dirname(to), { recursive: true });
      if (action === 'copy') await fs.cp(from, to, { recursive: true, force: true });
      else await fs.rename(from, to);
      return { success: true, result: { source, destination } };
    }
    case 'delete': {
      const given = str(p.path, 'path');
      const abs = resolvePath(given, ctx, 'remove').abs;
      const kind = await exists(abs);
      if (!kind) return { success: true, result: { path: given, deleted: false } };
      if (kind === 'directory' && p.recursive !== true) return { success: false, result: null, error: `Is a folder: ${given} (set recursive: true to delete it)` };
      await fs.rm(abs, { recursive: p.recursive === true, force: true });
      return { success: true, result: { path: given, deleted: true } };
    }
    case 'list': {
      const given = typeof p.path === 'string' && p.path ? p.path : '.';
      const abs = resolveInWorkspace(given, ctx);
      if ((await exists(abs)) !== 'directory') return { success: false, result: null, error: `Folder not found: ${given}` };
      const match = typeof p.pattern === 'string' ? globToRegExp(p.pattern) : null;
      const entries: { name: string; path: string; type: string; size: number }[] = [];
      const walk = async (dir: string, rel: string) => {
        const items = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
        for (const it of items) {
          const r = rel ? `${rel}/${it.name}` : it.name;
          const full = path.join(dir, it.name);
          const type = it.isDirectory() ? 'directory' : 'file';
          if (!match || match.test(it.name)) entries.push({ name: it.name, path: path.posix.join(given, r), type, size: type === 'file' ? (await fs.stat(full)).size : 0 });
          if (it.isDirectory() && p.recursive === true) await walk(full, r);
        }
      };
      await walk(abs, '');
      return { success: true, result: { path: given, entries, count: entries.length } };
    }
    case 'exists': {
      const given = str(p.path, 'path');
      const kind = await exists(resolveInWorkspace(given, ctx));
      return { success: true, result: { path: given, exists: kind !== null, type: kind } };
    }
  }
  throw new ToolError(`filesystem has no action '${action}'`, 'ValueError');
}

export const filesystemTool: ToolDefinition = { spec: TOOL_SPECS.filesystem, run };
