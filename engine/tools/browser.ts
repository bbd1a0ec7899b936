// The system's Chromium, driven by playwright-core, for the headless-browser and pdf-compiler tools:
// finding it, launching it with a throw-away profile, closing it on completion and on abort, and
// serving workspace files to it without letting a page reach files outside the workspace.
// playwright-core is loaded only when a step needs a browser (never by the language server), and
// is not bundled: it is found in node_modules beside the CLI (a dependency of the package).
import { accessSync, constants as fsc, createReadStream, promises as fs, statSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { resolvePath } from './filesystem';
import type { ToolContext } from '../toolkit/runtime';
import { abortError, ToolError } from '../toolkit/runtime';

/** Where a browser is looked for when neither ORC_BROWSER nor CHROME_PATH names one. */
export const BROWSER_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Flags for a headless run on a server: no sandbox (root, containers), no GPU, no background traffic. */
export const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const INSTALL_HINT = 'Install Chromium (Debian/Ubuntu: `apt-get install chromium`; Fedora: `dnf install chromium`; macOS: install Google Chrome) or set ORC_BROWSER to the path of a Chromium or Chrome executable.';

function executable(file: string): boolean {
  try {
    accessSync(file, fsc.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The browser to launch: ORC_BROWSER, CHROME_PATH, then PATH and the usual places. */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of ['ORC_BROWSER', 'CHROME_PATH']) {
    const named = env[name];
    if (!named) continue;
    if (executable(named)) return named;
    throw new ToolError(`${name} is set to ${named}, which is not an executable file. ${INSTALL_HINT}`, 'ConfigurationError');
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const n of PATH_NAMES) if (executable(path.join(dir, n))) return path.join(dir, n);
  }
  for (const p of BROWSER_PATHS) if (executable(p)) return p;
  throw new ToolError(`No Chromium or Chrome browser was found (looked at ORC_BROWSER, CHROME_PATH, PATH and ${BROWSER_PATHS.join(', ')}). ${INSTALL_HINT}`, 'ConfigurationError');
}

type Chromium = typeof import('playwright-core').chromium;

/** playwright-core, loaded on first use. The name is not a literal so that bundles leave it out. */
async function loadChromium(): Promise<Chromium> {
  const name = 'playwright-core';
  let mod: { chromium?: Chromium; default?: { chromium?: Chromium } };
  try {
    mod = await import(name);
  } catch (e) {
    throw new ToolError(`The browser tools need the playwright-core package, which could not be loaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)}). Install Orchestrator's CLI with its dependencies (npm install), or run \`npm install playwright-core\` beside it.`, 'ConfigurationError');
  }
  const chromium = mod.chromium ?? mod.default?.chromium;
  if (!chromium) throw new ToolError('The playwright-core package that was found has no chromium launcher', 'ConfigurationError');
  return chromium;
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** Milliseconds for each navigation and page operation. */
  timeoutMs: number;
}

/**
 * Runs `fn` with a fresh page of a freshly launched browser (its own temporary profile), then closes
 * the browser and removes the profile. When the step is aborted the browser is closed at once and
 * the step's abort error is thrown.
 */
export async function withPage<T>(ctx: ToolContext, opts: PageOptions, fn: (page: Page) => Promise<T>): Promise<T> {
  const executablePath = findBrowser();
  const chromium = await loadChromium();
  if (ctx.signal.aborted) throw abortError(ctx.signal);
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'orc-browser-'));
  const removeProfile = () => fs.rm(profile, { recursive: true, force: true }).catch(() => undefined);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError(ctx.signal));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const launching = chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: BROWSER_ARGS,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    timeout: 60_000,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  let context: BrowserContext | null = null;
  try {
    try {
      context = await Promise.race([launching, aborted]);
    } catch (e) {
      if (ctx.signal.aborted) {
        // the launch goes on: close what it starts, then drop its profile
        void launching.then((c) => c.close(), () => undefined).finally(removeProfile);
        throw e;
      }
      throw new ToolError(`Could not start the browser ${executablePath}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, 'ConfigurationError');
    }
    context.setDefaultTimeout(opts.timeoutMs);
    context.setDefaultNavigationTimeout(opts.timeoutMs);
    const page = context.pages()[0] ?? (await context.newPage());
    return await Promise.race([fn(page), aborted]);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    if (context) {
      const c = context;
      await Promise.race([c.close().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000).unref())]);
      await removeProfile();
    }
  }
}

/** Turns a Playwright timeout into the step's TimeoutError; other errors pass through. */
export function browserError(e: unknown, what: string): Error {
  if (e instanceof ToolError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.name === 'CancelledError' || err.name === 'AbortError') return err;
  const first = err.message.split('\n')[0].replace(/^\w+\.\w+: /, '');
  if (err.name === 'TimeoutError') return new ToolError(`${what} timed out: ${first}`, 'TimeoutError');
  return new ToolError(`${what} failed: ${first}`, 'BrowserError');
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.ico': 'image/x-icon', '.pdf': 'application/pdf',
};

/**
 * A page's address. http(s) URLs as they are; a file:// URL or a plain path must lie inside the
 * workspace, and is served to the browser by a loopback server that answers only for workspace
 * files (a page loaded straight from file:// could show any other file of the machine in a frame).
 */
export interface Target {
  url: string;
  /** A URL the page shows, as the user knows it: the loopback server's are the workspace's file:// URLs. */
  publicUrl(u: string): string;
  close(): Promise<void>;
}

export async function openTarget(given: unknown, ctx: ToolContext): Promise<Target> {
  if (typeof given !== 'string' || !given.trim()) throw new ToolError("'url' must be a non-empty string", 'ValueError');
  let file: string | null = null;
  if (/^https?:\/\//i.test(given)) {
    try {
      return { url: new URL(given).href, publicUrl: (u) => u, close: async () => undefined };
    } catch {
      throw new ToolError(`Not a valid URL: ${given}`, 'ValueError');
    }
  }
  if (/^file:/i.test(given)) {
    try {
      file = fileURLToPath(given);
    } catch {
      throw new ToolError(`Not a valid file URL: ${given}`, 'ValueError');
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(given)) {
    throw new ToolError(`Only http://, https:// and file:// URLs (inside the workspace) are supported, got ${given}`, 'ValueError');
  } else file = given;
  const { real } = resolvePath(file, ctx);
  const root = await fs.realpath(ctx.workspace);
  const st = await fs.stat(real).catch(() => null);
  if (!st?.isFile()) throw new ToolError(`File not found: ${given}`, 'ValueError');
  const server = http.createServer((req, res) => {
    const reqPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let target: string;
    try {
      target = resolvePath(path.join(root, reqPath), { ...ctx, cwd: root }).real;
    } catch {
      res.writeHead(403).end();
      return;
    }
    fs.stat(target).then(
      (s) => {
        if (!s.isFile()) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': MIME[path.extname(target).toLowerCase()] ?? 'application/octet-stream', 'content-length': s.size });
        createReadStream(target).on('error', () => res.destroy()).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const rel = path.relative(root, real).split(path.sep).map(encodeURIComponent).join('/');
  return {
    url: `http://127.0.0.1:${port}/${rel}`,
    publicUrl: (u) => {
      const at = new URL(u);
      if (at.origin !== `http://127.0.0.1:${port}`) return u;
      const file = pathToFileURL(path.join(root, decodeURIComponent(at.pathname)));
      file.search = at.search;
      file.hash = at.hash;
      return file.href;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
