// The embedded store: objects are files under the working directory (`file://folder/key` is the file
// folder/key), written beside their place and renamed there whole, so a reader never sees half an
// object. Keys use `/` whatever the platform.
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ToolError } from '../../toolkit/runtime';
import { confinedPath, type PathAccess } from '../../toolkit/workspacePath';
import type { Body, ObjectInfo, ObjectStore } from './store';

export class FileStore implements ObjectStore {
  constructor(
    readonly cwd: string,
    readonly workspace: string,
    readonly allowOutsideWorkspace: boolean,
  ) {}

  /** The object's file, inside the workspace with its links followed; a put or delete may not touch `.orchestrator/`. */
  private file(key: string, access: PathAccess = 'read'): string {
    return confinedPath(key, this, access, 'The object file').abs;
  }

  async get(key: string): Promise<Body> {
    const f = this.file(key);
    let size: number;
    try {
      const st = await fsp.stat(f);
      if (!st.isFile()) throw new ToolError(`No object file://${key} (it is a folder)`, 'NotFound');
      size = st.size;
    } catch (e) {
      if (e instanceof ToolError) throw e;
      throw new ToolError(`No object file://${key}`, 'NotFound');
    }
    return { stream: createReadStream(f), size, contentType: null };
  }

  async put(key: string, body: Buffer | Readable, _size: number, _contentType: string, signal: AbortSignal): Promise<void> {
    const f = this.file(key, 'modify');
    await fsp.mkdir(path.dirname(f), { recursive: true });
    const temp = `${f}.partial-${process.pid}-${Date.now()}`;
    try {
      if (Buffer.isBuffer(body)) await fsp.writeFile(temp, body, { signal });
      else await pipeline(body, createWriteStream(temp), { signal });
      await fsp.rename(temp, f);
    } catch (e) {
      await fsp.rm(temp, { force: true });
      throw e;
    }
  }

  async list(prefix: string, max: number): Promise<{ objects: ObjectInfo[]; truncated: boolean }> {
    const slash = prefix.lastIndexOf('/');
    const dir = slash === -1 ? '' : prefix.slice(0, slash);
    const root = this.file(dir || '.');
    const out: ObjectInfo[] = [];
    const walk = async (folder: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await fsp.readdir(folder, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(path.join(folder, e.name), key);
        } else if (e.isFile() && key.startsWith(prefix) && !/\.partial-\d+-\d+$/.test(key)) {
          const st = await fsp.stat(path.join(folder, e.name));
          out.push({ key, size: st.size, last_modified: st.mtime.toISOString() });
        }
      }
    };
    await walk(root, dir);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { objects: out.slice(0, max), truncated: out.length > max };
  }

  async delete(key: string): Promise<void> {
    const f = this.file(key, 'remove');
    try {
      const st = await fsp.stat(f);
      if (!st.isFile()) throw new ToolError(`file://${key} is a folder, not an object`, 'ValueError');
    } catch (e) {
      if (e instanceof ToolError) throw e;
      return;
    }
    await fsp.rm(f, { force: true });
  }
}
