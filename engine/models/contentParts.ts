// Images, files and audio given to a model step (`images:`, `files:`, `audio:` among its
// parameters): read before anything is sent, each a workspace path (never outside it: no `..`, no
// absolute path, no link that leads out) or an http(s) URL, its bytes unchanged, its size bounded.
// Each provider adapter turns a part into its own content part (OpenAI image_url / input_audio /
// file, Anthropic image / document, Gemini inlineData / fileData); cassettes key a part by its
// content hash, never by its bytes.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ToolError } from '../toolkit/runtime';

export type PartKind = 'image' | 'file' | 'audio';

export interface ContentPart {
  kind: PartKind;
  /** `image/png`, `application/pdf`, `audio/wav`, ... */
  mediaType: string;
  /** The path as written, or the URL. */
  name: string;
  /** The bytes, base64 (a workspace file); absent for a URL. */
  data?: string;
  url?: string;
  /** sha256 of the bytes (of the URL's text for a URL): what a cassette records. */
  sha256: string;
  /** Size of the bytes (0 for a URL). */
  bytes: number;
}

/** The most one part may hold, and all the parts of one call together. */
export const MAX_PART_BYTES = 20 * 1024 * 1024;
export const MAX_PARTS_BYTES = 50 * 1024 * 1024;

/** The parameters that carry parts, and the kind each gives. */
export const PART_PARAMS: Record<string, PartKind> = { images: 'image', files: 'file', audio: 'audio' };

const MEDIA_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  html: 'text/html',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
};

/** The media type of a name by its extension (null: not one a provider takes). */
export function mediaTypeOf(name: string): string | null {
  const ext = path.extname(name.split(/[?#]/)[0]).slice(1).toLowerCase();
  return Object.prototype.hasOwnProperty.call(MEDIA_TYPES, ext) ? MEDIA_TYPES[ext] : null;
}

const KIND_OF_TYPE = (t: string): PartKind => (t.startsWith('image/') ? 'image' : t.startsWith('audio/') ? 'audio' : 'file');

function listOf(v: unknown, param: string): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => {
    if (typeof x !== 'string' || !x.trim()) throw new ToolError(`'${param}' takes workspace paths or URLs (a list of them, or one), not ${JSON.stringify(x)}`, 'ValueError');
    return x.trim();
  });
}

/** Where a workspace path leads, or a ToolError when it would leave the workspace (refused before anything is read or sent). */
export function insideWorkspace(p: string, param: string, cwd: string, workspace: string): string {
  if (path.isAbsolute(p) || /^[A-Za-z]:[\\/]/.test(p)) throw new ToolError(`'${param}': '${p}' is an absolute path; give a path inside the workspace (nothing was sent)`, 'PermissionError');
  if (p.split(/[\\/]+/).includes('..')) throw new ToolError(`'${param}': '${p}' goes up with '..'; give a path inside the workspace (nothing was sent)`, 'PermissionError');
  const abs = path.resolve(cwd, p);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch {
    throw new ToolError(`'${param}': no file '${p}' in the workspace`, 'FileNotFoundError');
  }
  const root = fs.realpathSync(workspace);
  if (real !== root && !real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) throw new ToolError(`'${param}': '${p}' is a link that leads outside the workspace (to ${real}); nothing was sent`, 'PermissionError');
  return real;
}

/**
 * The parts a model step's parameters give, read and checked; none when it gives none. Every path
 * is checked before any file is read, so a refused one leaves nothing half done.
 */
export function readParts(params: Record<string, unknown>, where: { cwd: string; workspace: string }): ContentPart[] {
  const wanted: { kind: PartKind; param: string; ref: string }[] = [];
  for (const [param, kind] of Object.entries(PART_PARAMS)) for (const ref of listOf(params[param], param)) wanted.push({ kind, param, ref });
  if (!wanted.length) return [];
  const located = wanted.map((w) => {
    if (/^https?:\/\//i.test(w.ref)) return { ...w, url: w.ref as string | undefined, file: undefined as string | undefined };
    if (/^[a-z][a-z0-9+.-]*:/i.test(w.ref) && !/^[A-Za-z]:[\\/]/.test(w.ref)) throw new ToolError(`'${w.param}': '${w.ref}' is neither a workspace path nor an http(s) URL`, 'ValueError');
    const file = insideWorkspace(w.ref, w.param, where.cwd, where.workspace);
    // a regular file only: a named pipe would be read for as long as its writer writes, a device for ever
    const what = notRegular(fs.statSync(file));
    if (what) throw new ToolError(`'${w.param}': '${w.ref}' is not a regular file (${what}); give a file in the workspace (nothing was sent)`, 'ValueError');
    return { ...w, url: undefined as string | undefined, file: file as string | undefined };
  });
  let total = 0;
  return located.map((w): ContentPart => {
    const mediaType = mediaTypeOf(w.ref) ?? (w.kind === 'image' ? 'image/png' : w.kind === 'audio' ? 'audio/wav' : 'application/octet-stream');
    if (KIND_OF_TYPE(mediaType) !== w.kind && mediaTypeOf(w.ref)) throw new ToolError(`'${w.param}': '${w.ref}' is ${mediaType}, not ${w.kind === 'file' ? 'a document' : `an ${w.kind}`}: give it under '${Object.keys(PART_PARAMS).find((k) => PART_PARAMS[k] === KIND_OF_TYPE(mediaType))}'`, 'ValueError');
    if (w.url) return { kind: w.kind, mediaType, name: w.ref, url: w.url, sha256: createHash('sha256').update(w.url).digest('hex'), bytes: 0 };
    const bytes = readBounded(w.file!, w.param, w.ref, Math.min(MAX_PART_BYTES, MAX_PARTS_BYTES - total));
    total += bytes.length;
    return { kind: w.kind, mediaType, name: w.ref, data: bytes.toString('base64'), sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  });
}

/** What a path that is not a regular file is, or null for a file. */
function notRegular(st: fs.Stats): string | null {
  if (st.isFile()) return null;
  return st.isFIFO() ? 'a named pipe' : st.isDirectory() ? 'a folder' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a file';
}

/**
 * A part's bytes, at most `room` of them: opened without waiting (a pipe put in the file's place
 * since the check does not hold the open), checked again on the open file, never read past the bound.
 */
function readBounded(file: string, param: string, ref: string, room: number): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    const what = notRegular(st);
    if (what) throw new ToolError(`'${param}': '${ref}' is not a regular file (${what}); give a file in the workspace (nothing was sent)`, 'ValueError');
    const over = (n: number) =>
      room < MAX_PART_BYTES
        ? new ToolError(`'${param}': the parts of one call have more than ${MAX_PARTS_BYTES} bytes together (nothing was sent)`, 'LimitError')
        : new ToolError(`'${param}': '${ref}' has ${n} bytes; a part may have ${MAX_PART_BYTES} (nothing was sent)`, 'LimitError');
    if (st.size > room) throw over(st.size);
    // one byte more than it says it holds: a file that grew since is seen to be over
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, n);
    if (n > st.size) throw over(n);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** A part as a cassette's request records it: what it is and its content hash, not its bytes. */
export function partKey(p: ContentPart): { kind: PartKind; media_type: string; sha256: string; url?: string } {
  return { kind: p.kind, media_type: p.mediaType, sha256: p.sha256, ...(p.url ? { url: p.url } : {}) };
}

/** A part as a data: URL (OpenAI's image_url and file_data take one). */
export function dataUrl(p: ContentPart): string {
  return `data:${p.mediaType};base64,${p.data ?? ''}`;
}

/** The audio format name OpenAI's input_audio takes (`wav`, `mp3`). */
export function audioFormat(p: ContentPart): 'wav' | 'mp3' {
  return p.mediaType === 'audio/mpeg' ? 'mp3' : 'wav';
}

/** A part a provider cannot take, said before anything is sent. */
export function unsupportedPart(provider: string, p: ContentPart, why: string): ToolError {
  return new ToolError(`${provider} cannot take ${p.kind} '${p.name}': ${why} (nothing was sent)`, 'ConfigurationError');
}

/**
 * The parts a provider cannot take, refused before the call: OpenAI's wire (and its compatible
 * servers) takes audio and documents as bytes only, Anthropic's takes no audio and documents only
 * as PDF or text, the editor's models take none.
 */
export function checkPartsFor(provider: string, parts: ContentPart[]): void {
  for (const p of parts) {
    if (provider === 'google') continue;
    if (provider === 'vscode') throw unsupportedPart("The editor's language models (vscode:)", p, 'they take text only here');
    if (provider === 'anthropic') {
      if (p.kind === 'audio') throw unsupportedPart('Anthropic', p, 'its Messages API takes no audio');
      if (p.kind === 'file' && p.mediaType !== 'application/pdf' && !(p.mediaType.startsWith('text/') || p.mediaType === 'application/json')) throw unsupportedPart('Anthropic', p, `its documents are PDF or text, not ${p.mediaType}`);
      if (p.kind === 'file' && p.url && p.mediaType !== 'application/pdf') throw unsupportedPart('Anthropic', p, 'a text document is sent as its text: give a workspace file');
      continue;
    }
    if (p.url && p.kind !== 'image') throw unsupportedPart(provider, p, `${p.kind === 'audio' ? 'input_audio' : 'a file part'} takes the bytes, not a URL: give a workspace file`);
  }
}
