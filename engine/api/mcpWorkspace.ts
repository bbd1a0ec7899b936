// The pipelines `orc mcp` offers: every pipeline file under the root (`*.pipeline.yaml|yml`, and a
// ContextLab-style YAML whose top level has `steps:` and `id:` or `name:`), compiled; one that does
// not compile is left out and said why (on stderr: stdout is the protocol). Watched: a change is
// announced once the files are quiet (debounced), then the table is built again.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { analyze, hasErrors, type Analysis } from '../analyze/index';
import { pipelineToolDescription, uniqueToolNames, type PipelineToolDescription } from '../mcp/pipelineTools';
import { mcpInfoUnlisted } from '../run/mcpPrepare';
import { withoutBom } from '../util/text';

/** A pipeline offered as a tool. */
export interface ServedPipeline {
  tool: PipelineToolDescription;
  /** Absolute path of its file. */
  file: string;
  /** The file's text when the table was built (a call compiles the file as it is then). */
  source: string;
  analysis: Analysis;
}

/** Folders never searched: run records, dependencies, and hidden folders (.git, .vscode…). */
const SKIPPED_DIRS = new Set(['node_modules', '.orchestrator']);
/** The most files looked at, and how deep: a root such as a home folder stays bounded. */
export const MAX_FILES = 5000;
const MAX_DEPTH = 12;
/** How much of a plain `.yaml` is read to recognise a ContextLab pipeline. */
const SNIFF_BYTES = 4096;
/** A larger file is not read for a pipeline. */
const MAX_PIPELINE_BYTES = 2 * 1024 * 1024;

const PIPELINE_FILE = /\.pipeline\.ya?ml$/i;
const YAML_FILE = /\.ya?ml$/i;
/** YAML files that are something else: evals, locks, cassettes' neighbours. */
const NOT_A_PIPELINE = /\.(eval|auto|lock)\.ya?ml$/i;

/** Whether the start of a plain YAML file reads as a ContextLab pipeline: top-level `steps:` and `id:` or `name:`. */
export function looksLikePipeline(head: string): boolean {
  return /^steps:/m.test(head) && /^(id|name):/m.test(head);
}

function sniff(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Whether a file (by name, and for a plain `.yaml` its first bytes) is one `orc mcp` offers. */
export function isPipelineFile(file: string): boolean {
  const base = path.basename(file);
  if (PIPELINE_FILE.test(base)) return true;
  if (!YAML_FILE.test(base) || NOT_A_PIPELINE.test(base)) return false;
  try {
    return looksLikePipeline(sniff(file));
  } catch {
    return false;
  }
}

/** The pipeline files under `root`, sorted by path, at most MAX_FILES looked at; the folders searched go into `dirs`. */
export function findPipelineFiles(root: string, log: (s: string) => void = () => undefined, dirs: string[] = []): string[] {
  const out: string[] = [];
  let seen = 0;
  const walk = (dir: string, depth: number) => {
    dirs.push(dir);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return;
    }
    for (const e of entries) {
      if (seen >= MAX_FILES) return;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH && !SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) walk(full, depth + 1);
      } else if (e.isFile() && YAML_FILE.test(e.name)) {
        seen++;
        if (isPipelineFile(full)) out.push(full);
      }
    }
  };
  walk(root, 0);
  if (seen >= MAX_FILES) log(`orc mcp: looked at the first ${MAX_FILES} YAML files under ${root} only`);
  return out.sort();
}

type Compiled = { source: string; analysis: Analysis } | { problem: string };

/** Compilations by file, kept while the file's text is the same: a change recompiles only what changed. */
export type CompileCache = Map<string, { source: string; compiled: Compiled }>;

/** A pipeline file compiled: its analysis, or why it is not offered. */
export function compilePipelineFile(file: string, cache?: CompileCache): Compiled {
  let source: string;
  try {
    if (statSync(file).size > MAX_PIPELINE_BYTES) return { problem: `larger than ${MAX_PIPELINE_BYTES} bytes` };
    source = withoutBom(readFileSync(file, 'utf8'));
  } catch (e) {
    return { problem: `cannot be read: ${(e as Error).message}` };
  }
  const kept = cache?.get(file);
  if (kept && kept.source === source) return kept.compiled;
  const compiled = compileSource(file, source);
  cache?.set(file, { source, compiled });
  return compiled;
}

function compileSource(file: string, source: string): Compiled {
  const analysis = analyze(source, { mcp: mcpInfoUnlisted().mcp, pipelineFile: file });
  if (hasErrors(analysis.findings) || !analysis.pipeline || !analysis.plan) {
    const errors = analysis.findings.filter((f) => f.severity === 'error');
    const first = errors[0];
    const where = first ? ` (line ${first.range.start.line + 1})` : '';
    return { problem: `does not compile: ${first ? `${first.message}${where}` : 'no pipeline'}${errors.length > 1 ? ` and ${errors.length - 1} more error(s)` : ''}` };
  }
  return { source, analysis };
}

/** The table of tools: every pipeline under `root` that compiles, by tool name. */
export function buildTable(root: string, log: (s: string) => void, dirs: string[] = [], cache?: CompileCache): Map<string, ServedPipeline> {
  const compiled: { file: string; source: string; analysis: Analysis }[] = [];
  const files = findPipelineFiles(root, log, dirs);
  if (cache) {
    const present = new Set(files);
    for (const f of cache.keys()) if (!present.has(f)) cache.delete(f);
  }
  // said once per text of a file: a search after a change repeats nothing about the files that did not change
  const fresh = new Set<string>();
  for (const file of files) {
    const before = cache?.get(file)?.compiled;
    const c = compilePipelineFile(file, cache);
    if (c !== before) fresh.add(file);
    const rel = path.relative(root, file);
    if ('problem' in c) {
      if (fresh.has(file)) log(`orc mcp: ${rel} is not offered: it ${c.problem}`);
    } else compiled.push({ file, ...c });
  }
  const names = uniqueToolNames(compiled.map((c) => c.analysis.pipeline!.id));
  const table = new Map<string, ServedPipeline>();
  compiled.forEach((c, i) => {
    if (names[i] !== c.analysis.pipeline!.id && fresh.has(c.file)) log(`orc mcp: ${path.relative(root, c.file)} (id '${c.analysis.pipeline!.id}') is offered as '${names[i]}'`);
    table.set(names[i], { tool: pipelineToolDescription(c.analysis.pipeline!, names[i]), file: c.file, source: c.source, analysis: c.analysis });
  });
  return table;
}

/** How long the files must be quiet before a change is announced. */
export const WATCH_DEBOUNCE_MS = 200;
/** The most folders watched (one watcher each). */
export const MAX_WATCHED_DIRS = 1000;

/**
 * Calls `changed` once the pipeline files are quiet after a change (added, changed, removed). Each
 * folder searched is watched on its own, never recursively: a recursive watch would follow every run
 * folder `.orchestrator/` gains. `sync(dirs)` after each search watches the folders found then.
 */
export class PipelineWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private warned = false;

  constructor(
    private readonly changed: () => void,
    private readonly log: (s: string) => void,
  ) {}

  /** Watches these folders (and no others). */
  sync(dirs: string[]): void {
    if (this.closed) return;
    const wanted = new Set(dirs.slice(0, MAX_WATCHED_DIRS));
    if (dirs.length > MAX_WATCHED_DIRS && !this.warned) {
      this.warned = true;
      this.log(`orc mcp: watching the first ${MAX_WATCHED_DIRS} folders only`);
    }
    for (const [dir, w] of this.watchers) if (!wanted.has(dir)) {
      w.close();
      this.watchers.delete(dir);
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => this.poke(name === null ? null : String(name)));
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
          this.poke(null);
        });
        this.watchers.set(dir, w);
      } catch (e) {
        this.log(`orc mcp: cannot watch ${dir}: ${(e as Error).message}`);
      }
    }
  }

  private poke(name: string | null): void {
    // a new YAML file or folder counts; run records and hidden folders do not
    if (this.closed || (name !== null && (SKIPPED_DIRS.has(name) || name.startsWith('.')))) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.changed();
    }, WATCH_DEBOUNCE_MS);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
