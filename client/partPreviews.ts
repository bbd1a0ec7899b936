// The graph panel's images, files and audio (media/attachments.ts): for each reference a step gave a
// model or its result names, what the panel shows — the file's size and media type and, for an image
// small enough, its bytes as a data: URI (the panel's Content-Security-Policy takes data: images and
// loads nothing remote). Paths resolve as a run resolves them (engine/models/contentParts.ts: in the
// run folder, never outside the workspace); a URL is named, not fetched. No vscode here.
import * as fs from 'node:fs';
import { insideWorkspace, mediaTypeOf } from '../engine/api/index';
import type { PartKind, PartView } from '../media/protocol';

/** The biggest image sent to the panel as a thumbnail's data: URI. */
export const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;
/** The most references answered for one question (the panel asks at most a dozen a section). */
export const MAX_PARTS_ASKED = 48;
/** The most thumbnail bytes one answer carries: past it an image is named and sized, not previewed. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

const IMAGE_TYPES: Record<string, string> = { svg: 'image/svg+xml' };

function typeOf(ref: string): string | null {
  const ext = ref.split(/[?#]/)[0].split('.').pop()?.toLowerCase() ?? '';
  return mediaTypeOf(ref) ?? IMAGE_TYPES[ext] ?? null;
}

const sizeWords = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** What the panel shows of each reference. */
export function previewParts(parts: { ref: string; kind: PartKind }[], where: { cwd: string; workspace: string }): PartView[] {
  let sent = 0;
  return parts.slice(0, MAX_PARTS_ASKED).map(({ ref, kind }): PartView => {
    const mediaType = typeOf(ref);
    if (/^https?:\/\//i.test(ref)) return { ref, kind, mediaType, bytes: null };
    let file: string;
    try {
      file = insideWorkspace(ref, kind === 'image' ? 'images' : kind === 'audio' ? 'audio' : 'files', where.cwd, where.workspace);
    } catch (e) {
      const m = (e as Error).message;
      return { ref, kind, mediaType, bytes: null, problem: /no file/.test(m) ? 'no such file in the workspace' : 'outside the workspace: not shown' };
    }
    let size: number;
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) return { ref, kind, mediaType, bytes: null, problem: 'not a file' };
      size = st.size;
    } catch {
      return { ref, kind, mediaType, bytes: null, problem: 'no such file in the workspace' };
    }
    if (kind !== 'image' || !mediaType?.startsWith('image/')) return { ref, kind, mediaType, bytes: size };
    if (size > MAX_THUMBNAIL_BYTES) return { ref, kind, mediaType, bytes: size, problem: `too large to preview here (${sizeWords(size)})` };
    if (sent + size > MAX_ANSWER_BYTES) return { ref, kind, mediaType, bytes: size, problem: 'not previewed: the images beside it are large enough' };
    sent += size;
    try {
      return { ref, kind, mediaType, bytes: size, src: `data:${mediaType};base64,${fs.readFileSync(file).toString('base64')}` };
    } catch {
      return { ref, kind, mediaType, bytes: size, problem: 'could not be read' };
    }
  });
}
