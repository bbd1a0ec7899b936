// What the `object-storage` tool asks of a store, whichever it is, and where an object URL leads.
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { ToolError } from '../../toolkit/runtime';

export type Location = { kind: 's3'; bucket: string; key: string } | { kind: 'file'; key: string };

export interface ObjectInfo {
  key: string;
  size: number;
  last_modified: string | null;
}

export interface Body {
  stream: Readable;
  size: number | null;
  contentType: string | null;
}

export interface ObjectStore {
  /** The object's bytes as a stream; a missing object is a ToolError `NotFound`. */
  get(key: string, signal: AbortSignal): Promise<Body>;
  /** Writes the object from bytes or a stream of `size` bytes. */
  put(key: string, body: Buffer | Readable, size: number, contentType: string, signal: AbortSignal): Promise<void>;
  /** Objects whose key starts with `prefix`, by key, at most `max` (and whether more matched). */
  list(prefix: string, max: number, signal: AbortSignal): Promise<{ objects: ObjectInfo[]; truncated: boolean }>;
  delete(key: string, signal: AbortSignal): Promise<void>;
}

/** `s3://bucket/key` or `file://folder/key`. */
export function parseLocation(url: string, forList: boolean): Location {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (s3) {
    if (!s3[2] && !forList) throw new ToolError(`${url} names a bucket, not an object: s3://bucket/key`, 'ValueError');
    return { kind: 's3', bucket: s3[1], key: s3[2] };
  }
  const file = /^file:\/\/(.*)$/i.exec(url);
  if (file) {
    const key = file[1];
    if (path.isAbsolute(key) || key.split(/[\\/]/).includes('..')) throw new ToolError(`${url}: a file:// location is a path inside the workspace, relative to the working directory, without '..'`, 'PermissionError');
    if (!key && !forList) throw new ToolError(`${url} names no object: file://folder/key`, 'ValueError');
    return { kind: 'file', key };
  }
  throw new ToolError(`Unsupported location ${url}: use s3://bucket/key or file://folder/key`, 'ValueError');
}
