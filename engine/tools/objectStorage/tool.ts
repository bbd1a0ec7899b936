// The `object-storage` tool: get, put, list and delete objects in S3-compatible storage or in a
// folder of the workspace. Bodies stream: `to_file` and `from_file` move objects of any size in
// bounded memory; an object read into the result is capped by `max_bytes`.
import { createWriteStream, promises as fsp, createReadStream } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ToolError, type ToolContext, type ToolDefinition, type ToolOutcome } from '../../toolkit/runtime';
import { objectStorageSpec } from '../../toolkit/specs/objectStorage';
import { confinedPath } from '../../toolkit/workspacePath';
import { FileStore } from './fileStore';
import { parseLocation, type ObjectStore } from './store';

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

function str(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !v) throw new ToolError(`'${name}' must be a non-empty string`, 'ValueError');
  return v;
}

/** A local file a step reads from (`from_file`) or writes to (`to_file`), inside the workspace (symlinks followed). */
function inside(ctx: ToolContext, given: string, what: 'to_file' | 'from_file'): string {
  return confinedPath(given, ctx, what === 'to_file' ? 'modify' : 'read', what).abs;
}

/** The step's signal, also aborted when `timeout` passes. */
function signalOf(params: Record<string, unknown>, ctx: ToolContext): AbortSignal {
  const t = params.timeout ?? 60;
  if (!(typeof t === 'number' && t > 0)) throw new ToolError("'timeout' must be a positive number of seconds", 'ValueError');
  return AbortSignal.any([ctx.signal, AbortSignal.timeout(Math.ceil(t * 1000))]);
}

async function storeFor(url: string, forList: boolean, params: Record<string, unknown>, ctx: ToolContext): Promise<{ store: ObjectStore; key: string }> {
  const loc = parseLocation(url, forList);
  if (loc.kind === 'file') return { store: new FileStore(ctx.cwd, ctx.workspace, ctx.allowOutsideWorkspace), key: loc.key };
  // the AWS SDK loads when a step first uses S3, not with the CLI
  const { S3Store } = await import('./s3Store.js');
  return { store: new S3Store(loc.bucket, { endpoint: str(params, 'endpoint'), region: str(params, 'region'), env: process.env }), key: loc.key };
}

async function readCapped(stream: NodeJS.ReadableStream, max: number, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      throw new ToolError(`${url} is larger than max_bytes (${max}): read it with to_file`, 'LimitError');
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

async function get(params: Record<string, unknown>, ctx: ToolContext, url: string): Promise<unknown> {
  const toFile = str(params, 'to_file');
  const target = toFile === undefined ? null : inside(ctx, toFile, 'to_file');
  const max = params.max_bytes ?? DEFAULT_MAX_BYTES;
  if (!(typeof max === 'number' && Number.isInteger(max) && max >= 0)) throw new ToolError("'max_bytes' must be a whole number of bytes", 'ValueError');
  const signal = signalOf(params, ctx);
  const { store, key } = await storeFor(url, false, params, ctx);
  const body = await store.get(key, signal);
  if (target) {
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.partial-${process.pid}-${Date.now()}`;
    try {
      await pipeline(body.stream, createWriteStream(temp), { signal });
      await fsp.rename(temp, target);
    } catch (e) {
      await fsp.rm(temp, { force: true });
      throw e;
    }
    const size = (await fsp.stat(target)).size;
    return { url, content: null, size, content_type: body.contentType, file: toFile };
  }
  if (body.size !== null && body.size > max) {
    body.stream.destroy();
    throw new ToolError(`${url} is larger than max_bytes (${body.size} > ${max}): read it with to_file`, 'LimitError');
  }
  const bytes = await readCapped(body.stream, max, url);
  return { url, content: bytes.toString('utf8'), size: bytes.length, content_type: body.contentType, file: null };
}

async function put(params: Record<string, unknown>, ctx: ToolContext, url: string): Promise<unknown> {
  const fromFile = str(params, 'from_file');
  const hasContent = params.content !== undefined && params.content !== null;
  if (fromFile !== undefined && hasContent) throw new ToolError("put takes 'content' or 'from_file', not both", 'ValueError');
  if (fromFile === undefined && !hasContent) throw new ToolError("put needs 'content' or 'from_file'", 'ValueError');
  const signal = signalOf(params, ctx);
  const given = str(params, 'content_type');
  const { store, key } = await storeFor(url, false, params, ctx);
  if (fromFile !== undefined) {
    const f = inside(ctx, fromFile, 'from_file');
    let size: number;
    try {
      size = (await fsp.stat(f)).size;
    } catch {
      throw new ToolError(`from_file ${fromFile} does not exist`, 'ValueError');
    }
    await store.put(key, createReadStream(f), size, given ?? 'application/octet-stream', signal);
    return { url, size };
  }
  const text = typeof params.content === 'string' ? params.content : JSON.stringify(params.content);
  const bytes = Buffer.from(text, 'utf8');
  await store.put(key, bytes, bytes.length, given ?? (typeof params.content === 'string' ? 'text/plain; charset=utf-8' : 'application/json'), signal);
  return { url, size: bytes.length };
}

async function run(action: string, params: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (!Object.prototype.hasOwnProperty.call(objectStorageSpec.actions, action)) throw new ToolError(`object-storage has no action '${action}' (get, put, list, delete)`, 'ValueError');
  const url = str(params, 'url');
  if (url === undefined) throw new ToolError("object-storage needs 'url'", 'ValueError');
  if (action === 'get') return { success: true, result: await get(params, ctx, url) };
  if (action === 'put') return { success: true, result: await put(params, ctx, url) };
  if (action === 'list') {
    const max = params.max_keys ?? 1000;
    if (!(typeof max === 'number' && Number.isInteger(max) && max >= 1)) throw new ToolError("'max_keys' must be a whole number, 1 or more", 'ValueError');
    const signal = signalOf(params, ctx);
    const { store, key } = await storeFor(url, true, params, ctx);
    const scheme = /^s3:/i.test(url) ? url.replace(/^(s3:\/\/[^/]+)\/?.*$/i, '$1/') : 'file://';
    const r = await store.list(key, max, signal);
    return { success: true, result: { objects: r.objects.map((o) => ({ key: o.key, url: `${scheme}${o.key}`, size: o.size, last_modified: o.last_modified })), count: r.objects.length, truncated: r.truncated } };
  }
  const signal = signalOf(params, ctx);
  const { store, key } = await storeFor(url, false, params, ctx);
  await store.delete(key, signal);
  return { success: true, result: { url, deleted: true } };
}

export const objectStorageTool: ToolDefinition = { spec: objectStorageSpec, run };
