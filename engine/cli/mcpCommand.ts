// `orc mcp [--root DIR]`: the pipelines under DIR served as MCP tools on stdio (engine/api/mcpServe.ts).
// stdout carries the protocol: everything said goes to stderr.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { UsageError } from './input';
import { version } from './usage';

export async function mcpCommand(root: string | undefined, err: (s: string) => void): Promise<number> {
  const dir = path.resolve(root ?? process.cwd());
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // said below
  }
  if (!isDir) throw new UsageError(`--root ${root ?? dir}: not a folder`);
  // stdout is the protocol: anything that would print there goes to stderr instead
  const toStderr = (...args: unknown[]) => err(format(...args));
  console.log = console.info = console.debug = toStderr;
  // the MCP server (and its SDK) loads only for `orc mcp`: no other command pays for it
  const { serveMcp } = await import('../api/mcpServe.js');
  await serveMcp({ root: dir, version: version(), log: err });
  return 0;
}
