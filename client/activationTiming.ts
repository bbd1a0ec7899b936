// What activation cost, as the hidden command `orchestrator.activationTiming` answers it (for
// `npm run bench activation` and the workbench tests): when activate() started and when the
// language client was ready, in ms of the extension host's clock (performance.now()), which of this
// extension's bundles the host has loaded (activation should have loaded dist/extension.js only:
// the engine, dist/engine.js, is loaded on first use, see esbuild.mjs), and the host's memory.
import * as path from 'node:path';

export interface ActivationTiming {
  activateStartMs: number;
  /** null while the language client is starting. */
  clientReadyMs: number | null;
  /** When activate() had done its synchronous work (the client starting meanwhile). */
  syncDoneMs: number | null;
  /** When the extension forked the server's process (the first time this activation). */
  serverForkedMs: number | null;
  /** How long the server process had run when it answered `initialize` (Node's start, the server's load). */
  serverUptimeMs: number | null;
  /** When the client was first handed diagnostics by the server (the opened document checked, what a
   * user sees first); null until then. */
  firstDiagnosticsMs: number | null;
  /** This extension's files the host has loaded, relative to the extension's folder (`dist/extension.js`, ...). */
  loadedFiles: string[];
  /** dist/engine.js is loaded. */
  engineLoaded: boolean;
  /** process.memoryUsage() of the extension host, in bytes. */
  memory: { rss: number; heapUsed: number; external: number };
}

export class ActivationClock {
  readonly activateStartMs = performance.now();
  private clientReadyMs: number | null = null;
  private syncDoneMs: number | null = null;
  private serverUptimeMs: number | null = null;
  private serverForkedMs: number | null = null;
  private firstDiagnosticsMs: number | null = null;

  constructor(private readonly extensionPath: string) {}

  clientReady(initializeResult: unknown): void {
    this.clientReadyMs ??= performance.now();
    const uptime = (initializeResult as { processUptimeMs?: unknown } | undefined)?.processUptimeMs;
    if (typeof uptime === 'number') this.serverUptimeMs = uptime;
  }

  serverForked(): void {
    this.serverForkedMs ??= performance.now();
  }

  diagnosticsPublished(): void {
    this.firstDiagnosticsMs ??= performance.now();
  }

  syncDone(): void {
    this.syncDoneMs ??= performance.now();
  }

  timing(): ActivationTiming {
    // the modules this bundle loaded (its children in the host's CommonJS loader, and theirs), as
    // files of the extension: not every file under its folder the host has loaded (in a checkout the
    // workbench the tests start lives under .tools/, and its modules resolve packages from the
    // checkout's node_modules)
    const seen = new Set<NodeJS.Module>();
    const walk = (m: NodeJS.Module): void => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const c of m.children) walk(c);
    };
    walk(module);
    const root = this.extensionPath + path.sep;
    const loadedFiles = [...seen]
      .map((m) => m.filename)
      .filter((f) => f.startsWith(root))
      .map((f) => path.relative(this.extensionPath, f).split(path.sep).join('/'))
      .sort();
    const { rss, heapUsed, external } = process.memoryUsage();
    return { activateStartMs: this.activateStartMs, clientReadyMs: this.clientReadyMs, syncDoneMs: this.syncDoneMs, serverForkedMs: this.serverForkedMs, serverUptimeMs: this.serverUptimeMs, firstDiagnosticsMs: this.firstDiagnosticsMs, loadedFiles, engineLoaded: loadedFiles.includes('dist/engine.js'), memory: { rss, heapUsed, external } };
  }
}
