// `npm run bench edit`: a graph gesture end to end on generated pipelines of 200 and 2,000 steps, by
// the path the extension takes (client/graphEdits.ts, client/webviewHost.ts): the editor's edit (the
// analysis of the text, the engine's edit with its analysis of the result that refuses a broken one,
// the graph of that same analysis, and its diff from the graph the panel holds, media/graphDiff.ts),
// then the panel (Debian's chromium, the built dist/webview.js) reading the message, placing and
// drawing the new graph until the next frame is painted. Two gestures: connect two steps, and add a
// step after one. Also: how far the steps the gesture did not touch moved (goal: 0 px). The message
// hops between the processes are not in the figure (a postMessage each); the language server analyzes
// the edited text in its own process for its diagnostics, off the gesture's path. The peer is the
// panel's full layout of the same graph (Tidy). `--smoke`: 20 and 1,200 steps (the big graph's own
// layout and culled drawing included), one gesture each; `--quick`: three repetitions.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { analyze, EditAnalyses, editPipeline, graphDocument, type EditOperation, type GraphDocument } from '../engine/api/index';
import { GraphPoster } from '../media/graphDiff';
import { webviewHtml } from '../client/panelHtml';
import { generatePipeline } from './generatePipeline';
import { goal, median, table } from './stats';

const ROOT = path.resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const smoke = process.argv.includes('--smoke');
const SIZES: { n: number; goalMs: number }[] = smoke
  ? [
      { n: 20, goalMs: 50 },
      { n: 1200, goalMs: 250 },
    ]
  : [
      { n: 200, goalMs: 50 },
      { n: 2000, goalMs: 250 },
    ];
const REPEAT = smoke ? 1 : quick ? 3 : 7;
/** A page that does not answer within this is hung: the bench fails saying where, it does not wait on. */
const PAGE_BOUND_MS = 60_000;

type Places = { nodes: Record<string, [number, number]>; edges: string[] };

/** `p`, or an error naming `what` once PAGE_BOUND_MS have passed. */
function bounded<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the panel did not answer within ${PAGE_BOUND_MS / 1000} s: ${what}`)), PAGE_BOUND_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const places = (page: Page): Promise<Places> => bounded('reading the layout', page.evaluate(() => (window as unknown as { __orchestratorPlaces: () => Places }).__orchestratorPlaces()));

/** Posts a message as the host does (as JSON text, parsed in the page as the webview's message is) and
 * waits until the panel has drawn the graph of `version` and painted the next frame: ms in the page. */
function draw(page: Page, msg: unknown, version: number): Promise<{ ms: number; work: number }> {
  return bounded(
    `drawing the graph of version ${version}`,
    page.evaluate(
      async ({ json, version }) => {
        const w = window as unknown as { __orchestratorGraphVersion?: number };
        const t0 = performance.now();
        window.postMessage(JSON.parse(json), '*');
        // drawn: checked after each task (a message channel's turn), not each frame, so the wait adds no frame
        const turn = new MessageChannel();
        await new Promise<void>((resolve) => {
          turn.port1.onmessage = () => (w.__orchestratorGraphVersion === version ? resolve() : turn.port2.postMessage(0));
          turn.port2.postMessage(0);
        });
        turn.port1.close();
        const work = performance.now() - t0;
        // then the next frame: its callbacks run, it is painted, and the task after it reads the clock
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        return { ms: performance.now() - t0, work };
      },
      { json: JSON.stringify(msg), version },
    ),
  );
}

/** The full layout (Tidy) of the graph drawn: ms in the page. */
function tidy(page: Page): Promise<{ ms: number }> {
  return bounded(
    'the full layout (Tidy)',
    page.evaluate(async () => {
      const w = window as unknown as { __orchestratorLayoutMs?: number };
      w.__orchestratorLayoutMs = -1;
      const t0 = performance.now();
      (document.querySelector('[data-testid="tidy"]') as HTMLButtonElement).click();
      await new Promise<void>((resolve) => {
        const check = () => (w.__orchestratorLayoutMs !== -1 ? resolve() : requestAnimationFrame(check));
        requestAnimationFrame(check);
      });
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return { ms: performance.now() - t0 };
    }),
  );
}

interface Edited {
  ms: number;
  parts: { analyze: number; edit: number; graph: number; diff: number };
  msg: unknown;
  bytes: number;
  graph: GraphDocument;
}

/** The editor's part of a gesture (client/graphEdits.ts): the analysis of the text (kept from the
 * gesture before when it started from or made this text: each repetition here follows an undo back to
 * the original; the first one analyzes it), the engine's edit, the graph of the edit's analysis of its
 * result, and what the host posts the panel for it. */
function edit(text: string, op: EditOperation, analyses: EditAnalyses, poster: GraphPoster, version: number): Edited {
  const t0 = performance.now();
  const before = analyses.of(text);
  const t1 = performance.now();
  const r = editPipeline(text, op, before);
  if (!r.ok) throw new Error(`${op.op} refused: ${r.reason}`);
  analyses.keep(r.text, r.analysis);
  const t2 = performance.now();
  const { pipeline_id, ...graph } = graphDocument(r.analysis);
  const t3 = performance.now();
  const msg = poster.next({ type: 'graph', uri: URI, pipelineId: pipeline_id, graph, problem: null, version });
  const t4 = performance.now();
  return { ms: t4 - t0, parts: { analyze: t1 - t0, edit: t2 - t1, graph: t3 - t2, diff: t4 - t3 }, msg, bytes: JSON.stringify(msg).length, graph };
}

const URI = 'file:///bench.pipeline.yaml';

/** Pixels the steps present in both moved (the largest). */
function moved(before: Places, after: Places): number {
  let most = 0;
  for (const [id, [x, y]] of Object.entries(before.nodes)) {
    const b = after.nodes[id];
    if (b) most = Math.max(most, Math.hypot(b[0] - x, b[1] - y));
  }
  return most;
}

async function main(): Promise<void> {
  for (const f of ['webview.js', 'webview.css']) if (!fs.existsSync(path.join(ROOT, 'dist', f))) throw new Error(`dist/${f} is missing: run node esbuild.mjs first`);
  let base = '';
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(webviewHtml({ scriptUri: `${base}/dist/webview.js`, styleUri: `${base}/dist/webview.css`, nonce: 'benchnonce0123456789', cspSource: base }));
    }
    if (url.startsWith('/dist/')) {
      res.writeHead(200, { 'content-type': url.endsWith('.css') ? 'text/css' : 'text/javascript' });
      return res.end(fs.readFileSync(path.join(ROOT, url.slice(1))));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const rows: string[][] = [];
  const goals: string[] = [];
  const ratios: string[] = [];
  const colds: string[] = [];
  try {
    for (const { n, goalMs } of SIZES) {
      const text = generatePipeline(n);
      const { pipeline_id, ...original } = graphDocument(analyze(text));
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('crash', () => console.error(`the panel's page crashed (${n} steps)`));
      await page.addInitScript('window.__name = (f) => f');
      await page.goto(base);
      await page.waitForSelector('[data-testid="run-header"]');
      const poster = new GraphPoster();
      const analyses = new EditAnalyses();
      // a first gesture on a text typed since (no edit analyzed it) analyzes it first: reported apart
      const cold: number[] = [];
      for (let k = 0; k < REPEAT; k++) {
        const t0 = performance.now();
        analyze(text);
        cold.push(performance.now() - t0);
      }
      colds.push(`  a first gesture on a text no gesture analyzed (typed since) also analyzes it: + ${median(cold).toFixed(1)} ms at ${n.toLocaleString('en-US')} steps`);
      let version = 1;
      const restore = async () => {
        version++;
        await draw(page, poster.next({ type: 'graph', uri: URI, pipelineId: pipeline_id, graph: original, problem: null, version }), version);
      };
      const whole = JSON.stringify(poster.next({ type: 'graph', uri: URI, pipelineId: pipeline_id, graph: original, problem: null, version })).length;
      poster.reset();
      await draw(page, poster.next({ type: 'graph', uri: URI, pipelineId: pipeline_id, graph: original, problem: null, version }), version);
      const start = await places(page);
      if (Object.keys(start.nodes).length !== n) throw new Error(`the panel laid out ${Object.keys(start.nodes).length} steps of ${n}`);
      const mid = Math.floor(n / 2);
      let connectTotal = NaN;
      const gestures: { name: string; op: EditOperation; landed: (p: Places) => boolean }[] = [
        { name: 'connect', op: { op: 'connect', from: `step_${mid}`, to: `step_${n - 1}` }, landed: (p) => p.edges.includes(`explicit:step_${mid}->step_${n - 1}`) },
        { name: 'add a step', op: { op: 'add-step', id: 'added', action: 'generate', after: `step_${mid}` }, landed: (p) => 'added' in p.nodes },
      ];
      for (const g of gestures) {
        const editor: number[] = [];
        const panel: number[] = [];
        const work: number[] = [];
        const parts: Edited['parts'][] = [];
        let bytes = 0;
        let most = 0;
        for (let k = 0; k < REPEAT; k++) {
          const e = edit(text, g.op, analyses, poster, ++version);
          const d = await draw(page, e.msg, version);
          editor.push(e.ms);
          panel.push(d.ms);
          work.push(d.work);
          parts.push(e.parts);
          bytes = e.bytes;
          const now = await places(page);
          if (!g.landed(now)) throw new Error(`${g.name} at ${n} steps: the panel did not draw the edited graph`);
          most = Math.max(most, moved(start, now));
          // back to the original (an undo: itself an edit the panel draws in place)
          await restore();
        }
        const total = median(editor) + median(panel);
        if (g.name === 'connect') connectTotal = total;
        const part = (k: keyof Edited['parts']) => median(parts.map((p) => p[k])).toFixed(1);
        rows.push([String(n), g.name, part('analyze'), part('edit'), part('graph'), part('diff'), `${(bytes / 1024).toFixed(1)} of ${(whole / 1024).toFixed(0)}`, median(work).toFixed(1), median(panel).toFixed(1), total.toFixed(1), `${most.toFixed(1)} px`]);
        goals.push(goal(`${g.name} at ${n.toLocaleString('en-US')} steps, gesture → YAML edited → graph redrawn`, `${total.toFixed(1)} ms`, `≤ ${goalMs} ms`, total <= goalMs));
        goals.push(goal(`${g.name} at ${n.toLocaleString('en-US')} steps, untouched steps moved`, `${most.toFixed(1)} px`, '0 px', most === 0));
      }
      // the peer: the same edited graph laid out in full by the panel, as it did before (Tidy)
      const e = edit(text, gestures[0].op, analyses, poster, ++version);
      await draw(page, e.msg, version);
      const full = await tidy(page);
      const peer = e.ms + full.ms;
      rows.push([String(n), 'peer: connect, full layout (Tidy)', '', '', '', '', '', '', full.ms.toFixed(1), peer.toFixed(1), '']);
      ratios.push(`  ratio ours/peer (connect) at ${n.toLocaleString('en-US')} steps: ${(connectTotal / peer).toFixed(2)}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  table(['steps', 'gesture', 'analyze ms', 'edit ms', 'graph ms', 'diff ms', 'posted KB', 'panel work ms', 'panel painted ms', 'total ms', 'untouched moved'], rows);
  for (const r of [...colds, ...ratios]) console.log(r);
  for (const g of goals) console.log(g);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
