// The graph panel in Debian's chromium, for the tests that drive it: the bundle built from
// media/webview.ts (or the eval and Improve panels' entries) into memory, served on 127.0.0.1 with
// the page client/panelHtml.ts writes (so its CSP applies), and pages given a stand-in for VS Code's
// webview API that records what the panel posts (`__posted`) and saves (`__saved`).
import * as esbuild from 'esbuild';
import * as http from 'node:http';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { webviewHtml } from '../../client/panelHtml';
import { ensureBrowser } from './browser';

const ROOT = path.resolve(__dirname, '../..');

export interface PanelOptions {
  viewport?: { width: number; height: number };
  /** The state VS Code gives back to the panel (getState). */
  saved?: unknown;
  /** Console errors are collected with the page's uncaught errors. */
  consoleErrors?: boolean;
}

export interface Panel {
  browser: Browser;
  /** A new page of the panel, loaded and showing its run header; its errors collected on `errors`. */
  open(options?: PanelOptions): Promise<Page & { errors: string[] }>;
  /** Its pages closed; the browser, its renderer and the server stay for the next panel. */
  close(): Promise<void>;
}

const VIEWPORT = { width: 1200, height: 700 };

/**
 * One chromium and one browser context for every panel of this process (a mocha worker runs many
 * test files one after the other), closed by Playwright when the process exits. With
 * --process-per-site, the pages of one site (a server's port) share a renderer process: a
 * renderer's start costs about a second of CPU in this virtual machine, and a test file opens up to
 * ten pages. The 13 panel files in two workers took 182 CPU-s so against 237 with a
 * browser per file and a context and a renderer per page (2026-11-28, quiet); with one server and a
 * renderer kept for the process (sharedServer), 38.7-48.9 CPU-s of the machine and 23-30 s against
 * 73-97 CPU-s and 40-53 s with a server and a renderer per file (2026-11-29, quiet, process accounting).
 */
let shared: Promise<{ browser: Browser; context: BrowserContext }> | undefined;

function sharedBrowser(): Promise<{ browser: Browser; context: BrowserContext }> {
  shared ??= (async () => {
    const browser = await chromium.launch({ executablePath: ensureBrowser(), headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--process-per-site'] });
    // a browser that crashed is launched again for the next panel
    browser.on('disconnected', () => (shared = undefined));
    // for a serial run's end (test/helpers/testTimings.cjs, mochaGlobalTeardown)
    (globalThis as Record<symbol, unknown>)[Symbol.for('orc.tests.closeSharedBrowser')] = () => browser.close();
    const context = await browser.newContext({ viewport: VIEWPORT });
    // held open for the process: the panels' renderer outlives each panel (sharedServer)
    await (await context.newPage()).goto(`${(await sharedServer()).base}/keep`);
    return { browser, context };
  })().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}

const ENTRIES = ['webview', 'evalView', 'improveView'] as const;
type Entry = (typeof ENTRIES)[number];

interface PanelServer {
  base: string;
  /** The entry's bundle (and its stylesheet) built into the server's memory, once a process. */
  bundled(entry: Entry): Promise<void>;
}

/**
 * One server for every panel of this process, on one port: the pages of all its panels are one site,
 * which a page held open for the process (`/keep`) keeps in one renderer (--process-per-site), so
 * the next test file's pages do not start one (a renderer ended with its panel's last page, and
 * each file's panel had its own port). It serves the bundles from memory and does not hold the
 * process open.
 */
let panelServer: Promise<PanelServer> | undefined;

function sharedServer(): Promise<PanelServer> {
  panelServer ??= (async () => {
    /** By file name: `webview.js`, `webview.css`, ... */
    const files = new Map<string, Uint8Array>();
    const builds = new Map<Entry, Promise<void>>();
    let base = '';
    const server = http.createServer((req, res) => {
      const name = (req.url ?? '/').slice(1);
      // /webview, /evalView, /improveView: the page client/panelHtml.ts writes for that bundle
      if ((ENTRIES as readonly string[]).includes(name)) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(webviewHtml({ scriptUri: `${base}/${name}.js`, styleUri: `${base}/${name}.css`, nonce: 'testnonce', cspSource: base }));
      }
      if (name === 'keep') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>keep</title>');
      const file = files.get(name);
      if (!file) return res.writeHead(name === 'favicon.ico' ? 204 : 404).end();
      res.writeHead(200, { 'content-type': name.endsWith('.css') ? 'text/css' : 'text/javascript' });
      res.end(file);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // neither the server nor the browser's connections to it hold the process open
    server.unref();
    server.on('connection', (socket) => socket.unref());
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const build = async (entry: Entry) => {
      const out = await esbuild.build({ entryPoints: [path.join(ROOT, `media/${entry}.ts`)], outfile: path.join(ROOT, 'out', `${entry}.js`), write: false, bundle: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent' });
      for (const f of out.outputFiles) files.set(path.basename(f.path), f.contents);
    };
    const bundled = (entry: Entry) => {
      let b = builds.get(entry);
      if (!b) {
        builds.set(entry, (b = build(entry)));
        // a failed build is tried again by the next panel
        b.catch(() => builds.delete(entry));
      }
      return b;
    };
    return { base, bundled };
  })();
  return panelServer;
}

/** The graph panel (media/webview.ts); `entry: 'evalView'` the eval panel, `'improveView'` the Improve Prompts panel, loaded when `ready` shows. */
export async function startPanel(entry: Entry = 'webview', ready = '[data-testid="run-header"]'): Promise<Panel> {
  const { base, bundled } = await sharedServer();
  await bundled(entry);
  const { browser, context } = await sharedBrowser();
  const pages = new Set<Page>();
  return {
    browser,
    async open(options = {}) {
      const p = (await context.newPage()) as Page & { errors: string[] };
      pages.add(p);
      if (options.viewport) await p.setViewportSize(options.viewport);
      // as JSON text: playwright's own serialization of a big saved graph takes seconds
      await p.addInitScript((s) => {
        const w = window as unknown as Record<string, unknown>;
        w.__name = (f: unknown) => f;
        w.__posted = [];
        w.__saved = s === undefined ? undefined : JSON.parse(s);
        w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => (w.__posted as unknown[]).push(m), getState: () => w.__saved, setState: (v: unknown) => (w.__saved = JSON.parse(JSON.stringify(v))) });
      }, options.saved === undefined ? undefined : JSON.stringify(options.saved));
      p.errors = [];
      p.on('pageerror', (e) => p.errors.push(e.message));
      if (options.consoleErrors) p.on('console', (m) => m.type() === 'error' && p.errors.push(m.text()));
      await p.goto(`${base}/${entry}`);
      await p.waitForSelector(ready);
      return p;
    },
    async close() {
      await Promise.all([...pages].map((p) => p.close().catch(() => undefined)));
    },
  };
}
