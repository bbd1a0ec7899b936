// The pdf-compiler tool: Markdown -> HTML (a small converter of our own: every piece of the text is
// escaped, no raw HTML passes, links only to http(s)/mailto/relative targets, images only from the
// workspace, embedded) -> PDF printed by the system's Chromium (engine/tools/browser.ts), written
// inside the workspace. No LaTeX, no pandoc, no network: the page's requests are all refused.
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { browserError, withPage } from './browser';
import { resolvePath } from './filesystem';
import { pdfCompilerSpec } from '../toolkit/specs/pdfCompiler';
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { ToolError } from '../toolkit/runtime';

const WRITE_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | (fsc.O_NOFOLLOW ?? 0);
/** The largest Markdown accepted, in characters. */
export const MAX_MARKDOWN = 5 * 1024 * 1024;
/** The largest image embedded, in bytes. */
const MAX_IMAGE = 10 * 1024 * 1024;
const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.svg': 'image/svg+xml' };
const PAGE_SIZES = ['A4', 'A3', 'A5', 'Letter', 'Legal'];
const RENDER_TIMEOUT_MS = 60_000;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A link target that may appear in the document: http(s), mailto, an anchor or a relative path. */
function safeUrl(u: string): string | null {
  const t = u.trim();
  if (/^(https?:|mailto:)/i.test(t)) return t;
  if (/^[a-z][a-z0-9+.-]*:/i.test(t) || /^\/\//.test(t)) return null;
  return t;
}

/** Images the Markdown shows, by their source as written: a data: URL, or null when not shown. */
export type ImageMap = Map<string, string | null>;

/** A link's target: no spaces, parentheses only balanced one level deep. */
const TARGET = String.raw`<?((?:[^()\s<>]|\([^()\s<>]*\))+)>?(?:\s+"([^"]*)")?`;
const IMAGE_RE = new RegExp(String.raw`!\[([^\]]*)\]\(\s*${TARGET}\s*\)`, 'g');
const LINK_RE = new RegExp(String.raw`\[([^\]]+)\]\(\s*${TARGET}\s*\)`, 'g');

/** Loads the local images the Markdown refers to (inside the workspace, relative to the run's folder). */
export async function loadImages(md: string, ctx: ToolContext): Promise<ImageMap> {
  const images: ImageMap = new Map();
  for (const m of md.matchAll(IMAGE_RE)) {
    const src = m[2];
    if (images.has(src)) continue;
    images.set(src, null);
    if (/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/i.test(src)) {
      images.set(src, src);
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(src) && !/^file:/i.test(src)) continue; // remote: never fetched
    const type = IMAGE_TYPES[path.extname(src.split(/[?#]/)[0]).toLowerCase()];
    if (!type) continue;
    try {
      const file = /^file:/i.test(src) ? new URL(src).pathname : decodeURI(src);
      const { real } = resolvePath(file, ctx);
      const st = await fs.stat(real);
      if (!st.isFile() || st.size > MAX_IMAGE) continue;
      images.set(src, `data:${type};base64,${(await fs.readFile(real)).toString('base64')}`);
    } catch {
      // outside the workspace, missing or unreadable: its alt text is shown
    }
  }
  return images;
}

function emphasis(s: string): string {
  return s
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '<strong>$2</strong>')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '<del>$1</del>')
    .replace(/\*(?=\S)([\s\S]*?\S)\*/g, '<em>$1</em>')
    .replace(/(^|[^\p{L}\p{N}_])_(?=\S)([\s\S]*?\S)_(?![\p{L}\p{N}_])/gu, '$1<em>$2</em>');
}

/** Inline Markdown of text that holds no code span. */
function spans(src: string, images: ImageMap): string {
  const held: string[] = [];
  const hold = (html: string) => `\u0000${held.push(html) - 1}\u0000`;
  let s = src.replace(/\u0000/g, '');
  s = s.replace(/\\([\\`*_{}[\]()#+\-.!~|>])/g, (_, c: string) => hold(escapeHtml(c)));
  s = s.replace(IMAGE_RE, (_, alt: string, source: string, title?: string) => {
    const data = images.get(source);
    if (!data) return hold(`<span class="missing-image">[${escapeHtml(alt || 'image')}]</span>`);
    return hold(`<img src="${escapeHtml(data)}" alt="${escapeHtml(alt)}"${title ? ` title="${escapeHtml(title)}"` : ''}>`);
  });
  s = s.replace(LINK_RE, (_, text: string, href: string, title?: string) => {
    const inner = emphasis(escapeHtml(text));
    const url = safeUrl(href);
    return hold(url ? `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${inner}</a>` : inner);
  });
  s = s.replace(/<((?:https?:\/\/|mailto:)[^\s<>]+)>/gi, (_, u: string) => hold(`<a href="${escapeHtml(u)}">${escapeHtml(u)}</a>`));
  s = emphasis(escapeHtml(s));
  s = s.replace(/(?: {2,}|\\)\n/g, '<br>\n');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => held[Number(i)]);
}

/** Inline Markdown: code spans, then emphasis, links and images in the rest. */
export function inline(src: string, images: ImageMap = new Map()): string {
  let out = '';
  let last = 0;
  for (const m of src.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)) {
    out += spans(src.slice(last, m.index), images) + `<code>${escapeHtml(m[2].trim())}</code>`;
    last = (m.index ?? 0) + m[0].length;
  }
  return out + spans(src.slice(last), images);
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}>/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:([ \t]+)(.*))?$/;
const TABLE_SEP = /^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$/;

const indentOf = (l: string) => l.length - l.trimStart().length;

function startsBlock(l: string): boolean {
  return FENCE.test(l) || HEADING.test(l) || RULE.test(l) || QUOTE.test(l) || ITEM.test(l);
}

function cells(l: string): string[] {
  let s = l.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** Block Markdown to HTML. */
export function blocks(lines: string[], images: ImageMap = new Map(), depth = 0): string {
  const html: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    let m = FENCE.exec(line);
    if (m) {
      const fence = m[1];
      const lang = m[2];
      const body: string[] = [];
      const pad = indentOf(line);
      i++;
      while (i < lines.length && !(lines[i].trimStart().startsWith(fence) && !lines[i].trim().slice(fence.length).trim())) {
        body.push(lines[i].slice(Math.min(pad, indentOf(lines[i]))));
        i++;
      }
      i++;
      html.push(`<pre><code${lang ? ` class="language-${escapeHtml(lang)}"` : ''}>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    m = HEADING.exec(line);
    if (m) {
      const n = m[1].length;
      html.push(`<h${n}>${inline(m[2] ?? '', images)}</h${n}>`);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      html.push('<hr>');
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && (QUOTE.test(lines[i]) || (lines[i].trim() && !startsBlock(lines[i]) && body.length && body[body.length - 1].trim()))) {
        body.push(lines[i].replace(/^ {0,3}> ?/, ''));
        i++;
      }
      html.push(`<blockquote>${depth < 20 ? blocks(body, images, depth + 1) : escapeHtml(body.join('\n'))}</blockquote>`);
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      const head = cells(line);
      const aligns = cells(lines[i + 1]).map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : ''));
      const cell = (tag: string, c: string, k: number) => `<${tag}${aligns[k] ? ` style="text-align:${aligns[k]}"` : ''}>${inline(c, images)}</${tag}>`;
      i += 2;
      const rows: string[] = [];
      while (i < lines.length && lines[i].trim() && lines[i].includes('|')) {
        const r = cells(lines[i]);
        rows.push(`<tr>${head.map((_, k) => cell('td', r[k] ?? '', k)).join('')}</tr>`);
        i++;
      }
      html.push(`<table><thead><tr>${head.map((c, k) => cell('th', c, k)).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`);
      continue;
    }
    m = ITEM.exec(line);
    if (m) {
      const base = m[1].length;
      const ordered = /\d/.test(m[2]);
      const start = ordered ? parseInt(m[2], 10) : 1;
      const items: { lines: string[]; loose: boolean }[] = [];
      let contentIndent = base + 2;
      while (i < lines.length) {
        const l = lines[i];
        const im = ITEM.exec(l);
        if (im && im[1].length <= base + 1 && /\d/.test(im[2]) === ordered && indentOf(l) < contentIndent) {
          items.push({ lines: [im[4] ?? ''], loose: false });
          contentIndent = im[1].length + im[2].length + Math.min((im[3] ?? ' ').length, 4);
          i++;
          continue;
        }
        const cur = items[items.length - 1];
        if (!l.trim()) {
          let j = i + 1;
          while (j < lines.length && !lines[j].trim()) j++;
          if (j < lines.length && indentOf(lines[j]) >= contentIndent) {
            cur.lines.push('');
            cur.loose = true;
            i++;
            continue;
          }
          const next = j < lines.length ? ITEM.exec(lines[j]) : null;
          if (next && next[1].length <= base + 1 && /\d/.test(next[2]) === ordered) {
            i = j;
            continue;
          }
          break;
        }
        if (indentOf(l) >= contentIndent) {
          cur.lines.push(l.slice(contentIndent));
          i++;
          continue;
        }
        // a lazy continuation of the item's paragraph
        if (!startsBlock(l) && cur.lines[cur.lines.length - 1].trim()) {
          cur.lines.push(l.trim());
          i++;
          continue;
        }
        break;
      }
      const lis = items.map((it) => {
        let first = it.lines[0];
        let box = '';
        const task = /^\[([ xX])\][ \t]+/.exec(first);
        if (task) {
          box = task[1] === ' ' ? '\u2610 ' : '\u2611 ';
          first = first.slice(task[0].length);
        }
        let body = depth < 20 ? blocks([first, ...it.lines.slice(1)], images, depth + 1) : escapeHtml(it.lines.join('\n'));
        if (!it.loose) body = body.replace(/^<p>([\s\S]*?)<\/p>/, '$1');
        return `<li>${box}${body}</li>`;
      });
      html.push(ordered ? `<ol${start !== 1 ? ` start="${start}"` : ''}>${lis.join('')}</ol>` : `<ul>${lis.join('')}</ul>`);
      continue;
    }
    // a paragraph, or a heading underlined with = or -
    const para: string[] = [line.trimStart()];
    i++;
    let setext = 0;
    while (i < lines.length && lines[i].trim()) {
      if (/^ {0,3}=+[ \t]*$/.test(lines[i])) setext = 1;
      else if (/^ {0,3}-+[ \t]*$/.test(lines[i])) setext = 2;
      if (setext) {
        i++;
        break;
      }
      if (startsBlock(lines[i])) break;
      para.push(lines[i].trimStart());
      i++;
    }
    const text = inline(para.join('\n').trimEnd(), images);
    html.push(setext ? `<h${setext}>${text}</h${setext}>` : `<p>${text}</p>`);
  }
  return html.join('\n');
}

const STYLE = `
@page { margin: 20mm 18mm; }
body { font-family: "DejaVu Serif", "Liberation Serif", Georgia, serif; font-size: 11pt; line-height: 1.45; color: #111; }
h1, h2, h3, h4, h5, h6 { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; line-height: 1.2; margin: 1.2em 0 0.5em; page-break-after: avoid; }
h1 { font-size: 20pt; } h2 { font-size: 16pt; } h3 { font-size: 13pt; } h4, h5, h6 { font-size: 11pt; }
header.title-block { text-align: center; margin-bottom: 2em; }
header.title-block h1 { font-size: 24pt; margin-bottom: 0.3em; }
header.title-block p { margin: 0.2em 0; font-style: italic; }
pre { background: #f4f4f4; padding: 0.6em 0.8em; border-radius: 3px; white-space: pre-wrap; word-wrap: break-word; font-size: 9.5pt; page-break-inside: avoid; }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 0.92em; }
p code, li code, td code { background: #f4f4f4; padding: 0 0.2em; }
blockquote { margin: 0.8em 0; padding-left: 1em; border-left: 3px solid #bbb; color: #444; }
table { border-collapse: collapse; margin: 0.8em 0; } th, td { border: 1px solid #999; padding: 0.25em 0.6em; } th { background: #eee; }
img { max-width: 100%; }
a { color: #0645ad; text-decoration: none; }
.missing-image { color: #777; font-style: italic; }
`;

/** The whole HTML document of a Markdown text. */
export function markdownDocument(md: string, opts: { title?: string; author?: string; images?: ImageMap }): string {
  const body = blocks(md.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').split('\n'), opts.images ?? new Map());
  const firstHeading = /^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/m.exec(md)?.[1].replace(/[*_`~]/g, '');
  const docTitle = opts.title ?? firstHeading ?? '';
  const head = opts.title || opts.author ? `<header class="title-block">${opts.title ? `<h1>${escapeHtml(opts.title)}</h1>` : ''}${opts.author ? `<p class="author">${escapeHtml(opts.author)}</p>` : ''}</header>\n` : '';
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(docTitle)}</title>${opts.author ? `<meta name="author" content="${escapeHtml(opts.author)}">` : ''}<style>${STYLE}</style></head>\n<body>\n${head}${body}\n</body></html>\n`;
}

async function compile(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (typeof p.markdown_content !== 'string') throw new ToolError("'markdown_content' must be a string of Markdown", 'ValueError');
  if (!p.markdown_content.trim()) throw new ToolError('No markdown content provided', 'ValueError');
  if (p.markdown_content.length > MAX_MARKDOWN) throw new ToolError(`'markdown_content' is ${p.markdown_content.length} characters, more than the ${MAX_MARKDOWN} accepted`, 'ValueError');
  if (typeof p.output_path !== 'string' || !p.output_path) throw new ToolError("'output_path' must be a non-empty string", 'ValueError');
  for (const k of ['title', 'author'] as const) if (p[k] !== undefined && p[k] !== null && typeof p[k] !== 'string') throw new ToolError(`'${k}' must be a string`, 'ValueError');
  const pageSize = p.page_size === undefined || p.page_size === null ? 'A4' : p.page_size;
  if (typeof pageSize !== 'string' || !PAGE_SIZES.includes(pageSize)) throw new ToolError(`'page_size' must be one of ${PAGE_SIZES.join(', ')}`, 'ValueError');
  const out = resolvePath(p.output_path, ctx, 'modify').abs;
  const images = await loadImages(p.markdown_content, ctx);
  const html = markdownDocument(p.markdown_content, { title: (p.title as string | undefined) || undefined, author: (p.author as string | undefined) || undefined, images });
  const pdf = await withPage(ctx, { timeoutMs: RENDER_TIMEOUT_MS }, async (page) => {
    try {
      // the document needs nothing from outside: every request it would make is refused
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      return await page.pdf({ format: pageSize as 'A4', printBackground: true, preferCSSPageSize: true });
    } catch (e) {
      throw browserError(e, 'Rendering the PDF');
    }
  });
  await fs.mkdir(path.dirname(out), { recursive: true });
  const fh = await fs.open(out, WRITE_FLAGS, 0o644);
  try {
    await fh.writeFile(pdf);
  } finally {
    await fh.close();
  }
  return { success: true, result: { output_path: p.output_path, file_size: pdf.length, message: `PDF generated successfully: ${p.output_path}` } };
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (action === 'compile') return compile(p, ctx);
  throw new ToolError(`pdf-compiler has no action '${action}'`, 'ValueError');
}

export const pdfCompilerTool: ToolDefinition = { spec: pdfCompilerSpec, run, concurrency: 4 };
