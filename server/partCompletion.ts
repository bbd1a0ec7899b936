// Completion of `images:`, `files:` and `audio:` among a model step's parameters: the workspace files
// of that kind (by extension), as paths from the folder a run resolves them in — the nearest folder
// above the document holding `.orchestrator`, `.git` or `.vscode` (where the editor's runs and
// `orc run` usually start), else the document's own — those listed already left out. A bounded walk:
// three folders deep, no hidden folders or node_modules, at most 200 files offered.
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import { mediaTypeOf, PART_PARAMS, type PartKind } from '../engine/models/contentParts';
import type { ValuePath } from '../engine/spec/types';

const MAX_DEPTH = 3;
const MAX_FILES = 200;
const MAX_ENTRIES = 2000;

/** The folder a run resolves a part's path in, as seen from the document. */
export function partBase(documentFile: string): string {
  const own = path.dirname(documentFile);
  for (let dir = own; ; dir = path.dirname(dir)) {
    if (['.orchestrator', '.git', '.vscode'].some((m) => existsSync(path.join(dir, m)))) return dir;
    if (path.dirname(dir) === dir) return own;
  }
}

const sizeWords = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${(n / (1024 * 1024)).toFixed(1)} MB`);

function filesOf(base: string, kind: PartKind): { rel: string; type: string; size: number }[] {
  const out: { rel: string; type: string; size: number }[] = [];
  let seen = 0;
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (out.length >= MAX_FILES || ++seen > MAX_ENTRIES) return;
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = path.join(dir, name);
      let st;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (depth < MAX_DEPTH) walk(full, depth + 1);
        continue;
      }
      const type = mediaTypeOf(name);
      const k: PartKind | null = !type ? null : type.startsWith('image/') ? 'image' : type.startsWith('audio/') ? 'audio' : 'file';
      if (k === kind) out.push({ rel: path.relative(base, full).split(path.sep).join('/'), type: type!, size: st.size });
    }
  };
  walk(base, 1);
  return out;
}

/** The files a `images`/`files`/`audio` value may name, or null when the cursor is not in one. */
export function partValueItems(ctx: { mapping: ValuePath; key: string }, listed: unknown, documentFile: string | null): CompletionItem[] | null {
  const kind = Object.prototype.hasOwnProperty.call(PART_PARAMS, ctx.key) ? PART_PARAMS[ctx.key] : null;
  if (!kind || ctx.mapping[ctx.mapping.length - 1] !== 'parameters') return null;
  if (!documentFile) return [];
  const present = new Set(Array.isArray(listed) ? listed.filter((x): x is string => typeof x === 'string') : typeof listed === 'string' ? [listed] : []);
  return filesOf(partBase(documentFile), kind)
    .filter((f) => !present.has(f.rel))
    .map((f) => ({ label: f.rel, kind: CompletionItemKind.File, detail: `${f.type} · ${sizeWords(f.size)}` }));
}
