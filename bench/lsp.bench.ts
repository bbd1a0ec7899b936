// Our language server against yaml-language-server 2.0 configured with our JSON Schema, both
// driven by the same LSP client over stdio, on pipelines of 200, 2,000 and 5,000 steps:
// didOpen → diagnostics (the median over three fresh servers of each kind); a one-character edit →
// diagnostics (edits flip the error count, so a report surely belongs to the edit; the median of 20,
// after 10 untimed); completion latency at 20 positions; memory, read the same way for both (RSS
// 3 s after the last request, in MiB above a bare node process started the same way, the median
// of three fresh servers each, at 2,000 and 5,000 steps), with the raw RSS beside it; our
// memory over a session of 500 edits and 200 completions; and two large documents, a pipeline of
// 60,000 parameters (1.9 MB, built as test/server/lsp.test.ts builds it, its last
// template still being typed) and one of 20,000 steps: open → diagnostics, an edit → diagnostics and
// completion where the user types, on both servers.
// Then a hover in a 4.9 MB pipeline written on one line, at once after its open and once analysed
// (ours only; `--one-line`: that alone).
// `--quick`: 200 and 2,000 steps. `--smoke`: every path at the smallest sizes (200 steps, a
// 1,000-parameter and a 500-step document, one extra server, short pauses), in a few seconds.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CompletionItem, PublishDiagnosticsParams, Range } from 'vscode-languageserver-protocol';
import { COMPLETION_LIMIT } from '../server/completionLimit';
import { LspClient, SERVER } from '../test/helpers/lspClient';
import { SERVER_ENV, SERVER_EXEC_ARGV } from '../server/launch';
import { generatePipeline } from './generatePipeline';
import { oneLinePipeline, ONE_LINE_STEPS } from './oneLinePipeline';
import { goal, median, percentile, table } from './stats';

const ROOT = path.resolve(__dirname, '..');
const SCHEMA = `file://${path.join(ROOT, 'engine', 'spec', 'pipeline.schema.json')}`;
const YLS = path.join(ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');
const SMOKE = process.argv.includes('--smoke');
const SIZES = SMOKE ? [200] : process.argv.includes('--quick') ? [200, 2000] : [200, 2000, 5000];
/** The sizes whose memory, first edit and session are goals (at smoke size, the one size, for its paths). */
const GOAL_SIZES = SMOKE ? [200] : SIZES.filter((n) => n >= 2000);
/** The large documents: parameters of the many-parameter document, steps of the long one. */
const BIG = SMOKE ? { params: 1000, steps: 500 } : { params: 60_000, steps: 20_000 };

/**
 * Ours runs as the extension starts it (client/languageClient.ts): its compiled code cached in the
 * folder ORCHESTRATOR_COMPILE_CACHE names, which a user's first start writes and every later start
 * reads (server/entry.ts). The bench's folder is its own, written by `warmCodeCache` before anything
 * is timed: the figures are a returning user's, as the activation bench's are.
 */
const CODE_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-lsp-cache-'));
process.on('exit', () => fs.rmSync(CODE_CACHE, { recursive: true, force: true }));
const OURS_ENV: NodeJS.ProcessEnv = { ...process.env, ...SERVER_ENV, ORCHESTRATOR_COMPILE_CACHE: CODE_CACHE };

interface Server {
  name: string;
  lsp: LspClient;
  /** Resolves with the next diagnostics of `uri` whose error count is `errors` (any count when null). */
  next(uri: string, errors: number | null): Promise<void>;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function start(name: 'ours' | 'yaml-language-server'): Promise<Server> {
  // ours as the extension starts it (server/launch.ts); theirs as its own extension does
  const lsp = name === 'ours' ? new LspClient('stdio', process.execPath, [...SERVER_EXEC_ARGV, SERVER], OURS_ENV) : new LspClient('stdio', process.execPath, [YLS]);
  const yamlSettings = { schemas: { [SCHEMA]: '*.pipeline.yaml' }, validate: true, completion: true, hover: true };
  lsp.connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => (i.section === 'yaml' ? yamlSettings : null)));
  const waiters: { uri: string; errors: number | null; resolve: () => void }[] = [];
  lsp.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    const errors = p.diagnostics.filter((d) => d.severity === 1).length;
    for (const w of waiters.filter((x) => x.uri === p.uri && (x.errors === null || x.errors === errors))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  await lsp.initialize();
  if (name !== 'ours') await lsp.connection.sendNotification('workspace/didChangeConfiguration', { settings: { yaml: yamlSettings } });
  // a started server has answered a request after `initialized`: ours loads its features when
  // `initialized` comes (server/server.ts) and handles messages in order, so the answer says they
  // are loaded, and an open below is the open alone, on both servers (the load a user waits for
  // when the editor starts the server is in the activation bench's first diagnostics)
  await lsp.connection.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///not-open.pipeline.yaml' }, position: { line: 0, character: 0 } }).catch(() => null);
  return { name, lsp, next: (uri, errors) => new Promise<void>((resolve) => waiters.push({ uri, errors, resolve })) };
}

/** One-character edits that add and remove an unknown key (`name` ↔ `nam`) in the middle step:
 * `breaking` makes the error, `fixing` takes it away. */
function nameEdits(text: string, n: number): Record<'breaking' | 'fixing', { range: Range; text: string }> {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l === `    name: Step number ${Math.floor(n / 2)}`);
  const at = { line, character: 7 };
  return { breaking: { range: { start: at, end: { line, character: 8 } }, text: '' }, fixing: { range: { start: at, end: at }, text: 'e' } };
}

/** Opens of a document on fresh servers of each kind, taking turns: one open is one cold start of
 * a process, and two runs of the bench differed by a tenth in it; the median of three is steadier. */
const OPENS = SMOKE ? 2 : 3;

/** didOpen → its diagnostics, on a server that has opened nothing yet. */
async function openOnce(s: Server, uri: string, text: string): Promise<number> {
  const t0 = performance.now();
  const opened = s.next(uri, 0);
  s.lsp.open(uri, text, s.name === 'ours' ? 'orchestrator-pipeline' : 'yaml');
  await opened;
  return performance.now() - t0;
}

/** How long a person looks at a document they opened before the first edit, in `moreOpens`. */
const PAUSE_MS = SMOKE ? 100 : 1000;

/** The open on OPENS - 1 more fresh servers of each kind (`measure` times the first), and on each
 * the first edit made PAUSE_MS after the open's diagnostics (`measure` edits at once). */
async function moreOpens(n: number): Promise<Record<'ours' | 'theirs', { opens: number[]; pausedEdits: number[] }>> {
  const text = generatePipeline(n);
  const { breaking } = nameEdits(text, n);
  const out = { ours: { opens: [] as number[], pausedEdits: [] as number[] }, theirs: { opens: [] as number[], pausedEdits: [] as number[] } };
  for (let k = 1; k < OPENS; k++) {
    for (const name of ['ours', 'yaml-language-server'] as const) {
      const s = await start(name);
      const into = out[name === 'ours' ? 'ours' : 'theirs'];
      const uri = `file://${path.join(ROOT, `bench-open-${name}-${n}-${k}.pipeline.yaml`)}`;
      try {
        into.opens.push(await openOnce(s, uri, text));
        await new Promise((r) => setTimeout(r, PAUSE_MS));
        const got = s.next(uri, 1);
        const t0 = performance.now();
        s.lsp.change(uri, [breaking]);
        await got;
        into.pausedEdits.push(performance.now() - t0);
      } finally {
        await s.lsp.stop();
      }
    }
  }
  return out;
}

/** A pause without requests: ours collects garbage after 2 s of it (server/idleMemory.ts). */
const QUIET_MS = SMOKE ? 300 : 3000;

/** Fresh servers of each kind whose quiet RSS makes the memory figure (the first is `measure`'s own). */
const MEMORY_SERVERS = SMOKE ? 2 : 3;

/** Bare node processes whose median RSS the memory figure is read above. */
const BARE_NODES = SMOKE ? 1 : 3;

/** RSS of a bare node process started as each server is (ours with its launch environment), QUIET_MS
 * after its start: what a server's figure is read above. The median of three. */
async function bareNodeMiB(name: 'ours' | 'yaml-language-server'): Promise<number> {
  const env = name === 'ours' ? OURS_ENV : process.env;
  const xs: number[] = [];
  for (let k = 0; k < BARE_NODES; k++) {
    const p = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { env, stdio: 'pipe' });
    try {
      await new Promise((r) => setTimeout(r, QUIET_MS));
      xs.push(rssMiB(p.pid!));
    } finally {
      p.kill();
      await once(p, 'exit');
    }
  }
  return median(xs);
}

/** The quiet RSS of MEMORY_SERVERS - 1 more fresh servers of each kind after the same session as
 * `measure`'s (taking turns, each started when the other is stopped). */
async function moreQuietRss(n: number): Promise<Record<'ours' | 'theirs', number[]>> {
  const out = { ours: [] as number[], theirs: [] as number[] };
  for (let k = 1; k < MEMORY_SERVERS; k++) {
    for (const name of ['ours', 'yaml-language-server'] as const) {
      const s = await start(name);
      try {
        const row = await measure(s, n);
        out[name === 'ours' ? 'ours' : 'theirs'].push(Number(row[7]));
      } finally {
        await s.lsp.stop();
      }
    }
  }
  return out;
}

/** Edits after an open not in the median, then the edits in it (even counts: each pair breaks and fixes). */
const WARM_EDITS = SMOKE ? 2 : 10;
const TIMED_EDITS = SMOKE ? 4 : 20;
/** Completion requests per document, at key positions spread over it. */
const COMPLETIONS = SMOKE ? 4 : 20;

async function measure(s: Server, n: number): Promise<string[]> {
  const text = generatePipeline(n);
  const uri = `file://${path.join(ROOT, `bench-${s.name}-${n}.pipeline.yaml`)}`;
  const openMs = await openOnce(s, uri, text);
  let t0: number;

  const { breaking, fixing } = nameEdits(text, n);
  const edits: number[] = [];
  let firstEdit = 0;
  // WARM_EDITS edits not in the median, then TIMED_EDITS in it (both servers alike): a session's edits, not the
  // first ones after open while the server's JIT and heap are still settling. The first edit is
  // shown on its own, made at once (see moreOpens for one made after a pause): its code runs for
  // the first time in the process
  for (let i = 0; i < WARM_EDITS + TIMED_EDITS; i++) {
    const breaks = i % 2 === 0;
    const got = s.next(uri, breaks ? 1 : 0);
    t0 = performance.now();
    s.lsp.change(uri, [breaks ? breaking : fixing]);
    await got;
    if (i >= WARM_EDITS) edits.push(performance.now() - t0);
    if (i === 0) firstEdit = performance.now() - t0;
  }

  // completion at 20 key positions spread over the document (the start of an `action:` key)
  const lines = text.split('\n');
  const keyLines = lines.map((l, i) => (l.startsWith('    action:') ? i : -1)).filter((i) => i >= 0);
  const completions: number[] = [];
  for (let k = 0; k < COMPLETIONS; k++) {
    const line = keyLines[Math.floor((k * keyLines.length) / COMPLETIONS)];
    t0 = performance.now();
    const items = await s.lsp.request<CompletionItem[] | { items: CompletionItem[] }>('textDocument/completion', { textDocument: { uri }, position: { line, character: 4 } });
    completions.push(performance.now() - t0);
    const count = Array.isArray(items) ? items.length : items.items.length;
    if (!count) throw new Error(`${s.name} offered no completion at line ${line}`);
  }
  // RSS right after the last request (the goal's figure), and after a pause as a person makes one
  const rss = rssMiB(s.lsp.proc.pid!);
  await new Promise((r) => setTimeout(r, QUIET_MS));
  const quietRss = rssMiB(s.lsp.proc.pid!);
  void s.lsp.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  // the later edit's median to a tenth of a millisecond: ours is about 10 ms, where a whole number
  // moved the ratio against yaml-language-server's by up to 5 % (9.5 ms read as 10)
  return [String(n), s.name, openMs.toFixed(0), firstEdit.toFixed(0), median(edits).toFixed(1), `${median(completions).toFixed(1)} / ${percentile(completions, 95).toFixed(1)}`, rss.toFixed(0), quietRss.toFixed(0)];
}

async function semanticCheck(ours: Server, yls: Server): Promise<string> {
  const text = 'id: x\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: "{{ nope }}"}\n    dependencies: [ghost]\n';
  const count = async (s: Server, languageId: string) => {
    const uri = `file://${path.join(ROOT, `semantic-${s.name}.pipeline.yaml`)}`;
    let got: PublishDiagnosticsParams | null = null;
    const done = new Promise<void>((r) => s.lsp.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      if (p.uri === uri) {
        got = p;
        r();
      }
    }));
    s.lsp.open(uri, text, languageId);
    await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
    return (got as PublishDiagnosticsParams | null)?.diagnostics.length ?? 0;
  };
  return `unknown dependency + unknown template name: ours ${await count(ours, 'orchestrator-pipeline')} findings, yaml-language-server ${await count(yls, 'yaml')}`;
}

/** Edits in a session (a completion after every fifth, two of them). */
const SESSION_EDITS = SMOKE ? 20 : 500;

/**
 * Our server over a session: RSS after the first edit, and after 500 edits (at steps all over the
 * document) and 200 completions, each read after 3 s without a request, as a person pauses.
 */
async function session(n: number): Promise<{ first: number; after: number }> {
  const s = await start('ours');
  try {
    const text = generatePipeline(n);
    const uri = `file://${path.join(ROOT, `bench-session-${n}.pipeline.yaml`)}`;
    const opened = s.next(uri, 0);
    s.lsp.open(uri, text, 'orchestrator-pipeline');
    await opened;
    const lines = text.split('\n');
    const names = lines.map((l, i) => (l.startsWith('    name: Step number') ? i : -1)).filter((i) => i >= 0);
    const edit = async (k: number) => {
      const line = names[(k * 37) % names.length];
      const got = s.next(uri, 0);
      s.lsp.change(uri, [{ range: { start: { line, character: 10 }, end: { line, character: 11 } }, text: k % 2 ? 'S' : 's' }]);
      await got;
    };
    const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));
    await edit(0);
    await quiet();
    const first = rssMiB(s.lsp.proc.pid!);
    for (let k = 1; k <= SESSION_EDITS; k++) {
      await edit(k);
      if (k % 5 === 0) for (let c = 0; c < 2; c++) await s.lsp.request('textDocument/completion', { textDocument: { uri }, position: { line: names[(k * 13 + c) % names.length] + 1, character: 4 } });
    }
    await quiet();
    return { first, after: rssMiB(s.lsp.proc.pid!) };
  } finally {
    await s.lsp.stop();
  }
}

/** The many-parameter document as test/server/lsp.test.ts builds it: `n` parameters
 * in flow mappings, then one step whose last template is being typed (`"{{ p`, the quote still
 * open), with the cursor at its end. */
function manyParameters(n: number): string {
  const params = Array.from({ length: n }, (_, i) => `  p${i}: {type: string, default: v${i}}\n`).join('');
  return `id: big\nparameters:\n${params}steps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "{{ p`;
}

/** Completions per server in a large document (theirs take seconds each on the long one). */
const BIG_COMPLETIONS = { ours: SMOKE ? 5 : 20, theirs: SMOKE ? 2 : 5 };

/** How long a server may take over one step of a large document before it counts as not answering. */
const BIG_TIMEOUT_MS = 120_000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${BIG_TIMEOUT_MS / 1000} s`)), BIG_TIMEOUT_MS)))]).finally(() => clearTimeout(timer));
}

interface BigFigures {
  open: number;
  edit: number;
  completions: number[];
  rss: number;
}

/**
 * A large document on a fresh server: open → its diagnostics; one edit where the user types (a
 * character at the cursor of the many-parameter document; the `name`/`nam` edit of the long
 * pipeline, which flips the error count) → the next diagnostics; then completions where the user
 * types (the cursor of the many-parameter document; the start of `action:` keys spread over the
 * long pipeline). yaml-language-server's diagnostics carry no version: it has nothing else to
 * validate, so its next report after an edit is that edit's.
 */
async function measureBig(name: 'ours' | 'yaml-language-server', doc: 'params' | 'steps'): Promise<BigFigures> {
  const s = await start(name);
  try {
    const text = doc === 'params' ? manyParameters(BIG.params) : generatePipeline(BIG.steps);
    const uri = `file://${path.join(ROOT, `bench-big-${doc}-${s.name}.pipeline.yaml`)}`;
    const lines = text.split('\n');
    let t0 = performance.now();
    const opened = s.next(uri, null);
    s.lsp.open(uri, text, s.name === 'ours' ? 'orchestrator-pipeline' : 'yaml');
    await within(opened, `${name} open`);
    const open = performance.now() - t0;
    const last = { line: lines.length - 1, character: lines[lines.length - 1].length };
    const edited = s.next(uri, doc === 'params' ? null : 1);
    t0 = performance.now();
    s.lsp.change(uri, [doc === 'params' ? { range: { start: last, end: last }, text: '1' } : nameEdits(text, BIG.steps).breaking]);
    await within(edited, `${name} edit`);
    const edit = performance.now() - t0;
    const positions =
      doc === 'params'
        ? Array.from({ length: 20 }, () => ({ line: last.line, character: last.character + 1 }))
        : (() => {
            const keyLines = lines.map((l, i) => (l.startsWith('    action:') ? i : -1)).filter((i) => i >= 0);
            return Array.from({ length: 20 }, (_, k) => ({ line: keyLines[Math.floor((k * keyLines.length) / 20)], character: 4 }));
          })();
    const completions: number[] = [];
    const count = name === 'ours' ? BIG_COMPLETIONS.ours : BIG_COMPLETIONS.theirs;
    for (let k = 0; k < count; k++) {
      const position = positions[Math.floor((k * positions.length) / count)];
      t0 = performance.now();
      const items = await within(s.lsp.request<CompletionItem[] | { isIncomplete: boolean; items: CompletionItem[] } | null>('textDocument/completion', { textDocument: { uri }, position }), `${name} completion`);
      completions.push(performance.now() - t0);
      const list = !items ? [] : Array.isArray(items) ? items : items.items;
      const got = list.length;
      // ours answers the best COMPLETION_LIMIT names, marked incomplete, the typed name (`{{ p1`) first
      // (server/completionLimit.ts; what the hardening test checks)
      if (name === 'ours' && doc === 'params' && !(got === COMPLETION_LIMIT && !Array.isArray(items) && items?.isIncomplete && list[0].label === 'p1')) {
        throw new Error(`ours offered ${got} completions in the ${BIG.params}-parameter document, ${list[0]?.label ?? 'none'} first`);
      }
      if (name === 'ours' && doc === 'steps' && !got) throw new Error(`ours offered no completion at line ${position.line}`);
    }
    return { open, edit, completions, rss: rssMiB(s.lsp.proc.pid!) };
  } finally {
    await s.lsp.stop();
  }
}

/**
 * A hover in a pipeline written as one flow mapping on one line (4.9 MB, 39,500 steps; bench/oneLinePipeline.ts)
 * on a fresh server of ours: at once after the open, as the outside measure asked it (it waits for the
 * open's analysis: 9.0 s quiet and 35.9 s on a loaded machine before the plain reader read such a
 * document), then 20 hovers on the `tool:` of steps near the line's end on the analysed document.
 */
async function oneLineHover(): Promise<{ steps: number; mb: number; atOnce: number; analysed: number[] }> {
  const steps = SMOKE ? 2000 : ONE_LINE_STEPS;
  const text = oneLinePipeline(steps);
  const s = await start('ours');
  try {
    const uri = `file://${path.join(ROOT, 'bench-one-line.pipeline.yaml')}`;
    const hoverAt = async (k: number) => {
      const character = text.indexOf('terminal', text.lastIndexOf(`{id: s${steps - 1 - k},`)) + 2;
      const h = await within(s.lsp.request<unknown>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character } }), 'ours hover');
      if (!h) throw new Error(`ours answered no hover at character ${character}`);
    };
    const t0 = performance.now();
    s.lsp.open(uri, text, 'orchestrator-pipeline');
    await hoverAt(0);
    const atOnce = performance.now() - t0;
    const analysed: number[] = [];
    for (let k = 1; k <= 20; k++) {
      const t = performance.now();
      await hoverAt(k * 7);
      analysed.push(performance.now() - t);
    }
    return { steps, mb: text.length / 1e6, atOnce, analysed };
  } finally {
    await s.lsp.stop();
  }
}

async function oneLineHoverGoals(): Promise<string[]> {
  const hover = await oneLineHover();
  const size = `${hover.steps.toLocaleString('en-US')} steps on one line (${hover.mb.toFixed(1)} MB)`;
  return [
    goal(`${size}, a hover at once after the open (waits for its analysis)`, `${hover.atOnce.toFixed(0)} ms`, '≤ 10 s on a loaded machine', hover.atOnce <= 10_000),
    goal(`${size}, a hover near the line's end once analysed`, `median ${median(hover.analysed).toFixed(1)} ms, slowest of ${hover.analysed.length} ${Math.max(...hover.analysed).toFixed(1)} ms`, '≤ 100 ms', Math.max(...hover.analysed) <= 100),
  ];
}

/** A first server of ours, as a user's first start after an install: it opens and edits a document,
 * and lives long enough to write its features' code cache (3 s after they load: server/entry.ts).
 * Returns what the later servers will read. */
async function warmCodeCache(): Promise<string> {
  const s = await start('ours');
  try {
    const text = generatePipeline(200);
    const uri = `file://${path.join(ROOT, 'bench-warm.pipeline.yaml')}`;
    const opened = s.next(uri, 0);
    s.lsp.open(uri, text, 'orchestrator-pipeline');
    await opened;
    const edited = s.next(uri, 1);
    s.lsp.change(uri, [nameEdits(text, 200).breaking]);
    await edited;
    await new Promise((r) => setTimeout(r, 3500));
  } finally {
    await s.lsp.stop();
  }
  const cached = fs.readdirSync(CODE_CACHE).filter((f) => f.endsWith('.v8cache'));
  return `ours started as the extension starts it, its compiled code cached (ORCHESTRATOR_COMPILE_CACHE): ${cached.length ? `${cached.join(', ')} written by a first server, ${(fs.statSync(path.join(CODE_CACHE, cached[0])).size / 1e6).toFixed(1)} MB` : 'NO CACHE WRITTEN by a first server'}`;
}

async function main() {
  // `--one-line`: the one-line document's hover alone
  if (process.argv.includes('--one-line')) {
    console.log('goals (a hover in a pipeline written on one line):');
    for (const g of await oneLineHoverGoals()) console.log(g);
    return;
  }
  const rows: string[][] = [];
  const ratios: string[] = [];
  const goals: string[] = [];
  const memory: string[][] = [];
  console.log(await warmCodeCache());
  for (const n of SIZES) {
    // a fresh pair of servers per size, so memory is per size; each is started when the other is
    // idle, so neither's start-up takes CPU from the other's open
    const ours = await start('ours');
    const a = await measure(ours, n);
    const yls = await start('yaml-language-server');
    const b = await measure(yls, n);
    if (n === SIZES[0]) console.log(await semanticCheck(ours, yls));
    await ours.lsp.stop();
    await yls.lsp.stop();
    const more = await moreOpens(n);
    if (GOAL_SIZES.includes(n)) {
      const quiet = await moreQuietRss(n);
      const bare = { ours: await bareNodeMiB('ours'), theirs: await bareNodeMiB('yaml-language-server') };
      const oQ = median([Number(a[7]), ...quiet.ours]);
      const yQ = median([Number(b[7]), ...quiet.theirs]);
      const ratio = (oQ - bare.ours) / (yQ - bare.theirs);
      memory.push([String(n), `${(oQ - bare.ours).toFixed(0)} (${oQ.toFixed(0)} - ${bare.ours.toFixed(0)})`, `${(yQ - bare.theirs).toFixed(0)} (${yQ.toFixed(0)} - ${bare.theirs.toFixed(0)})`, ratio.toFixed(2)]);
      goals.push(goal(`${n} steps, memory`, `${ratio.toFixed(2)} of theirs (MiB above bare node, ${QUIET_MS / 1000} s after the last request, median of ${MEMORY_SERVERS} servers each)`, '≤ 1/6', ratio <= 1 / 6));
    }
    const firstAtOnce = Number(a[3]);
    const theirFirstAtOnce = Number(b[3]);
    a[2] = median([Number(a[2]), ...more.ours.opens]).toFixed(0);
    b[2] = median([Number(b[2]), ...more.theirs.opens]).toFixed(0);
    a[3] = `${a[3]} / ${median(more.ours.pausedEdits).toFixed(0)}`;
    b[3] = `${b[3]} / ${median(more.theirs.pausedEdits).toFixed(0)}`;
    rows.push(a, b);
    const [, , oOpen, , oEdit, oComp, oMem, oQuiet] = a;
    const [, , yOpen, , yEdit, yComp, yMem, yQuiet] = b;
    ratios.push(`${n} steps: open ${(Number(yOpen) / Number(oOpen)).toFixed(1)}x, edit→diagnostics ${(Number(yEdit) / Number(oEdit)).toFixed(1)}x, the first edit at once ${(theirFirstAtOnce / firstAtOnce).toFixed(1)}x, completion (median) ${(parseFloat(yComp) / parseFloat(oComp)).toFixed(1)}x, memory ${(Number(oMem) / Number(yMem)).toFixed(2)} of theirs (${(Number(oQuiet) / Number(yQuiet)).toFixed(2)} after ${QUIET_MS / 1000} s quiet)`);
    const open = Number(yOpen) / Number(oOpen);
    const edit = Number(yEdit) / Number(oEdit);
    const comp = parseFloat(yComp) / parseFloat(oComp);
    const p95 = parseFloat(oComp.split('/')[1]);
    if (GOAL_SIZES.includes(n)) {
      goals.push(goal(`${n} steps, open → diagnostics`, `${open.toFixed(1)}x faster`, '≥ 5x', open >= 5));
      // restated 2026-11-26 against the peer's own first edit in the same run: code run for the first
      // time costs 3-5x its warm cost in any server, so a ratio against our own later edit rewarded a
      // slower later edit (ours is ~38x faster than theirs); the ratio to our later edit stays printed
      const firstRatio = firstAtOnce / theirFirstAtOnce;
      goals.push(goal(`${n} steps, the first edit after open against yaml-language-server's first edit`, `${firstRatio.toFixed(2)} of it (${firstAtOnce.toFixed(0)} against ${theirFirstAtOnce.toFixed(0)} ms, each at once after its open; ours ${(firstAtOnce / Number(oEdit)).toFixed(1)}x our later edit's ${oEdit} ms)`, '≤ 1/4', firstRatio <= 0.25));
    }
    if (n === GOAL_SIZES[0]) goals.push(goal(`${n} steps, edit → diagnostics`, `${edit.toFixed(1)}x faster (${oEdit} against ${yEdit} ms)`, '≥ 50x', edit >= 50));
    goals.push(goal(`${n} steps, completion`, `${comp.toFixed(1)}x faster, p95 ${p95} ms`, '≥ 10x, p95 under 10 ms', comp >= 10 && p95 < 10));
  }
  const flat: string[][] = [];
  for (const n of GOAL_SIZES) {
    const { first, after } = await session(n);
    const growth = after / first - 1;
    flat.push([String(n), first.toFixed(0), after.toFixed(0), `${(growth * 100).toFixed(0)} %`]);
    goals.push(goal(`${n} steps, memory over a session`, `RSS ${(growth * 100).toFixed(0)} % above the first edit's after ${SESSION_EDITS} edits and ${(SESSION_EDITS / 5) * 2} completions`, 'within 10 %', growth <= 0.1));
  }
  // the large documents, each on fresh servers of both kinds (theirs may not answer: then it is said so)
  const big: string[][] = [];
  const bigTitle = { params: `${BIG.params.toLocaleString('en-US')} parameters`, steps: `${BIG.steps.toLocaleString('en-US')} steps` };
  for (const doc of ['params', 'steps'] as const) {
    const o = await measureBig('ours', doc);
    const size = `${bigTitle[doc]} (${((doc === 'params' ? manyParameters(BIG.params) : generatePipeline(BIG.steps)).length / 1e6).toFixed(1)} MB)`;
    let theirs: BigFigures | string;
    try {
      theirs = await measureBig('yaml-language-server', doc);
    } catch (e) {
      theirs = (e as Error).message;
    }
    const row = (who: string, f: BigFigures | string) =>
      typeof f === 'string' ? [size, who, f, '', '', ''] : [size, who, f.open.toFixed(0), f.edit.toFixed(0), `${median(f.completions).toFixed(1)} / ${Math.max(...f.completions).toFixed(1)}`, f.rss.toFixed(0)];
    big.push(row('ours', o), row('yaml-language-server', theirs));
    if (typeof theirs !== 'string') ratios.push(`${size}: open ${(theirs.open / o.open).toFixed(1)}x, edit→diagnostics ${(theirs.edit / o.edit).toFixed(1)}x, completion (median) ${(median(theirs.completions) / median(o.completions)).toFixed(1)}x`);
    const slowest = Math.max(...o.completions);
    const diag = Math.max(o.open, o.edit);
    goals.push(goal(`${size}, completion`, `slowest of ${o.completions.length} ${slowest.toFixed(1)} ms`, '≤ 100 ms', slowest <= 100));
    goals.push(goal(`${size}, diagnostics`, `open ${o.open.toFixed(0)} ms, an edit ${o.edit.toFixed(0)} ms`, '≤ 2 s each', diag <= 2000));
  }
  goals.push(...(await oneLineHoverGoals()));
  table(['steps', 'server', `open→diag ms (median of ${OPENS})`, `first edit→diag ms: at once / ${PAUSE_MS / 1000} s after`, 'edit→diag ms (median)', 'completion ms median / p95', 'RSS MiB', `RSS MiB ${QUIET_MS / 1000} s later`], rows);
  console.log(`\nmemory: MiB above a bare node process (RSS ${QUIET_MS / 1000} s after the last request, median of ${MEMORY_SERVERS} fresh servers - bare node, median of ${BARE_NODES})`);
  table(['steps', 'ours', 'yaml-language-server', 'ours / theirs'], memory);
  console.log(`\nours over a session (RSS MiB, each after ${QUIET_MS / 1000} s without a request):`);
  table(['steps', 'after the first edit', `after ${SESSION_EDITS} edits + ${(SESSION_EDITS / 5) * 2} completions`, 'growth'], flat);
  console.log(`\nlarge documents (a fresh server each; completions: ours ${BIG_COMPLETIONS.ours}, theirs ${BIG_COMPLETIONS.theirs}, where the user types; ours answers the ${COMPLETION_LIMIT.toLocaleString('en-US')} names that best match the word typed, marked incomplete, where there are more, theirs every one):`);
  table(['document', 'server', 'open→diag ms', 'edit→diag ms', 'completion ms median / slowest', 'RSS MiB'], big);
  console.log('\nyaml-language-server time / ours (higher is better for us):');
  for (const r of ratios) console.log(`  ${r}`);
  console.log('\ngoals (BENCHMARKS: the language server against yaml-language-server):');
  for (const g of goals) console.log(g);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
