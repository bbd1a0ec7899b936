// The headless-browser tool: the system's Chromium (engine/tools/browser.ts) loads a page and gives
// its rendered text, title, links and images, whether it loads at all, or a PNG screenshot written
// inside the workspace.
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Page, Response } from 'playwright-core';
import { browserError, openTarget, withPage } from './browser';
import { resolvePath } from './filesystem';
import { headlessBrowserSpec } from '../toolkit/specs/headlessBrowser';
import { type ToolContext, type ToolDefinition, type ToolOutcome, ToolError } from '../toolkit/runtime';
import { MAX_TIMER_MS } from '../util/longTimer';

const DEFAULT_TIMEOUT_S = 30;
export const MAX_TEXT = 1_000_000;
export const MAX_LIST = 1000;
const WRITE_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | (fsc.O_NOFOLLOW ?? 0);

/** Seconds, or milliseconds when above 1000 (as some ContextLab pipelines give it). */
export function timeoutMs(v: unknown): number {
  if (v === undefined || v === null) return DEFAULT_TIMEOUT_S * 1000;
  if (typeof v !== 'number' || !(v > 0)) throw new ToolError("'timeout' must be a positive number of seconds", 'ValueError');
  const ms = v > 1000 ? v : v * 1000;
  // longer than one Node timer holds (Playwright's waits are timers): no wait of its own, the step's timeout bounds it
  return ms > MAX_TIMER_MS ? 0 : ms;
}

function int(v: unknown, name: string, dflt: number, max: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw new ToolError(`'${name}' must be a whole number from 1 to ${max}`, 'ValueError');
  return v;
}

interface PageFacts {
  title: string;
  description: string;
  text: string;
  links: { url: string; text: string; title: string }[];
  images: { url: string; alt: string; title: string }[];
  truncated: boolean;
}

/** What the rendered page shows, read inside the page. */
function readPage(page: Page): Promise<PageFacts> {
  return page.evaluate(
    ({ maxText, maxList }) => {
      const norm = (s: string) => s.replace(/[ \t\f\v\u00a0]+/g, ' ').trim();
      const raw = document.body ? document.body.innerText : document.documentElement ? document.documentElement.textContent ?? '' : '';
      let text = raw
        .split('\n')
        .map(norm)
        .filter((l) => l)
        .join('\n');
      let truncated = false;
      if (text.length > maxText) {
        text = text.slice(0, maxText);
        truncated = true;
      }
      const meta = (n: string) => document.querySelector(`meta[name="${n}"], meta[property="${n}"]`)?.getAttribute('content') ?? '';
      const anchors = Array.from(document.querySelectorAll('a[href]')) as HTMLAnchorElement[];
      const imgs = Array.from(document.querySelectorAll('img[src]')) as HTMLImageElement[];
      if (anchors.length > maxList || imgs.length > maxList) truncated = true;
      return {
        title: document.title,
        description: meta('description') || meta('og:description'),
        text,
        links: anchors.slice(0, maxList).map((a) => ({ url: a.href, text: norm(a.innerText || a.textContent || ''), title: a.title })),
        images: imgs.slice(0, maxList).map((i) => ({ url: i.src, alt: i.alt, title: i.title })),
        truncated,
      };
    },
    { maxText: MAX_TEXT, maxList: MAX_LIST },
  );
}

async function load(page: Page, url: string, what: string): Promise<Response | null> {
  try {
    return await page.goto(url, { waitUntil: 'load' });
  } catch (e) {
    throw browserError(e, what);
  }
}

async function scrape(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  const given = p.url as string;
  const target = await openTarget(p.url, ctx);
  try {
    return await withPage(ctx, { timeoutMs: timeoutMs(p.timeout) }, async (page) => {
      const res = await load(page, target.url, `Loading ${given}`);
      const facts = await readPage(page).catch((e) => {
        throw browserError(e, `Reading ${given}`);
      });
      const status = res?.status() ?? 200;
      const result = {
        url: given,
        status_code: status,
        content_type: res ? ((await res.allHeaders())['content-type'] ?? '') : '',
        title: facts.title,
        description: facts.description,
        text: facts.text,
        content: facts.text,
        links: facts.links.map((l) => ({ ...l, url: target.publicUrl(l.url) })),
        images: facts.images.map((im) => ({ ...im, url: target.publicUrl(im.url) })),
        word_count: facts.text.split(/\s+/).filter((w) => w).length,
        truncated: facts.truncated,
      };
      if (status >= 400) return { success: false, result, error: `The page answered HTTP ${status}: ${given}` };
      return { success: true, result };
    });
  } finally {
    await target.close();
  }
}

async function verify(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  const given = p.url as string;
  const target = await openTarget(p.url, ctx);
  try {
    return await withPage(ctx, { timeoutMs: timeoutMs(p.timeout) }, async (page) => {
      const result = { url: given, accessible: false, status_code: null as number | null, content_type: '', content_length: null as number | null, last_modified: '', title: '', error: null as string | null };
      let res: Response | null;
      try {
        res = await load(page, target.url, `Loading ${given}`);
      } catch (e) {
        result.error = (e as Error).message;
        return { success: true, result };
      }
      const headers = res ? await res.allHeaders() : {};
      result.status_code = res?.status() ?? 200;
      result.accessible = result.status_code < 400;
      result.content_type = headers['content-type'] ?? '';
      result.content_length = headers['content-length'] !== undefined && /^\d+$/.test(headers['content-length']) ? Number(headers['content-length']) : null;
      result.last_modified = headers['last-modified'] ?? '';
      result.title = await page.title().catch(() => '');
      if (!result.accessible) result.error = `HTTP ${result.status_code}`;
      return { success: true, result };
    });
  } finally {
    await target.close();
  }
}

async function screenshot(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  const given = p.url as string;
  if (typeof p.path !== 'string' || !p.path) throw new ToolError("'path' must be a non-empty string", 'ValueError');
  const out = resolvePath(p.path, ctx, 'modify').abs;
  const width = int(p.width, 'width', 1280, 10_000);
  const height = int(p.height, 'height', 800, 10_000);
  const target = await openTarget(p.url, ctx);
  try {
    return await withPage(ctx, { timeoutMs: timeoutMs(p.timeout), viewport: { width, height } }, async (page) => {
      const res = await load(page, target.url, `Loading ${given}`);
      const png = await page.screenshot({ type: 'png', fullPage: p.full_page === true }).catch((e) => {
        throw browserError(e, `The screenshot of ${given}`);
      });
      await fs.mkdir(path.dirname(out), { recursive: true });
      const fh = await fs.open(out, WRITE_FLAGS, 0o644);
      try {
        await fh.writeFile(png);
      } finally {
        await fh.close();
      }
      const result = { url: given, path: p.path, title: await page.title().catch(() => ''), width: png.readUInt32BE(16), height: png.readUInt32BE(20), file_size: png.length };
      const status = res?.status() ?? 200;
      if (status >= 400) return { success: false, result, error: `The page answered HTTP ${status}: ${given}` };
      return { success: true, result };
    });
  } finally {
    await target.close();
  }
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  switch (action) {
    case 'scrape':
    case 'scrape_js':
      return scrape(p, ctx);
    case 'verify':
      return verify(p, ctx);
    case 'screenshot':
      return screenshot(p, ctx);
    default:
      throw new ToolError(`headless-browser has no action '${action}'`, 'ValueError');
  }
}

/** Each step launches a browser of its own: a few at once. */
export const headlessBrowserTool: ToolDefinition = { spec: headlessBrowserSpec, run, concurrency: 4 };
