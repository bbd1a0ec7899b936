// `npm run bench webview`: the graph panel in Debian's chromium (playwright-core), on a generated
// 1,000-step pipeline with loops and jumps: time from the graph message to the last node painted,
// the layout alone against the same graph laid out by dagre (@dagrejs/dagre, the layout Prompt
// flow-style tools use) in the same page, and frame times while 100 status events a second stream.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type { GraphDocument, GraphEdge, GraphNode } from '../engine/plan/graph';
import { emptyStepResult, type RunEvent } from '../engine/run/events';
import { webviewHtml } from '../client/panelHtml';
import { median } from './stats';

const ROOT = path.resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const STEPS = 1000;

/** A pipeline's graph: chains and fan-ins, a for_each (3 body steps) every 40 steps, a jump every 25. */
function generateGraph(n: number): { graph: GraphDocument; ids: string[] } {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const ids: string[] = [];
  const node = (id: string, level: number, children: GraphDocument | null = null): GraphNode => ({ id, label: id, kind: children ? 'loop' : 'step', tool: children ? null : 'terminal', action: children ? null : 'execute', level, range: null, selectionRange: null, children });
  let count = 0;
  for (let i = 0; count < n; i++) {
    const id = `s${i}`;
    if (i % 40 === 39) {
      const body = [0, 1, 2].map((k) => node(`${id}_b${k}`, k));
      ids.push(id, ...body.map((b) => b.id));
      nodes.push(node(id, i, { nodes: body, edges: [{ from: body[0].id, to: body[1].id, kind: 'explicit' }, { from: body[1].id, to: body[2].id, kind: 'explicit' }] }));
      count += 4;
    } else {
      nodes.push(node(id, i));
      ids.push(id);
      count += 1;
    }
    if (i > 0) edges.push({ from: `s${i - 1}`, to: id, kind: 'explicit' });
    if (i >= 7 && i % 7 === 0) edges.push({ from: `s${i - 7}`, to: id, kind: 'implied' });
    if (i >= 3 && i % 25 === 0) edges.push({ from: `s${i - 3}`, to: id, kind: i % 50 === 0 ? 'on_failure' : 'on_success' });
  }
  return { graph: { nodes, edges }, ids };
}

async function dagreBundle(): Promise<string> {
  const r = await esbuild.build({
    stdin: { contents: "import dagre from '@dagrejs/dagre'; (window as any).dagre = dagre;", loader: 'ts', resolveDir: ROOT },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    minify: true,
    write: false,
  });
  return r.outputFiles[0].text;
}

async function main(): Promise<void> {
  for (const f of ['webview.js', 'webview.css']) if (!fs.existsSync(path.join(ROOT, 'dist', f))) throw new Error(`dist/${f} is missing: run npm run build first`);
  const dagre = await dagreBundle();
  const nonce = 'benchnonce0123456789';
  let base = '';
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const send = (type: string, body: string | Buffer) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    if (url === '/') {
      const html = webviewHtml({ scriptUri: `${base}/dist/webview.js`, styleUri: `${base}/dist/webview.css`, nonce, cspSource: base }).replace('<script nonce', `<script nonce="${nonce}" src="${base}/dagre.js"></script>\n<script nonce`);
      return send('text/html', html);
    }
    if (url === '/dagre.js') return send('text/javascript', dagre);
    if (url.startsWith('/dist/')) return send(url.endsWith('.css') ? 'text/css' : 'text/javascript', fs.readFileSync(path.join(ROOT, url.slice(1))));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const { graph, ids } = generateGraph(STEPS);
    const runs = quick ? 2 : 5;
    const paints: number[] = [];
    const oursLayout: number[] = [];
    const dagreLayout: number[] = [];
    let frames: { longest: number; p95: number; count: number; longTasks: number } | null = null;
    for (let run = 0; run < runs; run++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      // tsx names functions with a helper the page does not have; the functions below run in the page
      await page.addInitScript('window.__name = (f) => f');
      await page.goto(base);
      await page.waitForSelector('[data-testid="run-header"]');
      // ours: graph message → every node in the DOM → the next frame painted
      const paint = await page.evaluate(async (g) => {
        const expected = g.count;
        const t0 = performance.now();
        window.postMessage({ type: 'graph', uri: 'file:///bench.pipeline.yaml', pipelineId: 'bench', graph: g.graph, problem: null }, '*');
        await new Promise<void>((resolve) => {
          const check = () => (document.querySelectorAll('.node').length >= expected ? resolve() : requestAnimationFrame(check));
          requestAnimationFrame(check);
        });
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return { total: performance.now() - t0, layout: (window as unknown as { __orchestratorLayoutMs?: number }).__orchestratorLayoutMs ?? NaN };
      }, { graph, count: ids.length });
      paints.push(paint.total);
      oursLayout.push(paint.layout);
      // the same graph with dagre, in the same page: compound loop nodes, every edge
      const d = await page.evaluate((g: GraphDocument) => {
        const lib = (window as unknown as { dagre: { graphlib: { Graph: new (o: object) => { setGraph(o: object): void; setDefaultEdgeLabel(f: () => object): void; setNode(id: string, o: object): void; setParent(c: string, p: string): void; setEdge(a: string, b: string): void } }; layout(g: unknown): void } }).dagre;
        const t0 = performance.now();
        const dg = new lib.graphlib.Graph({ compound: true, multigraph: false });
        dg.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 56 });
        dg.setDefaultEdgeLabel(() => ({}));
        // dagre cannot route an edge to a compound node: such edges go to the body's first / from its last step
        const first = new Map<string, string>();
        const last = new Map<string, string>();
        const add = (doc: GraphDocument, parent: string | null) => {
          for (const n of doc.nodes) {
            dg.setNode(n.id, { width: 180, height: 44 });
            if (parent) dg.setParent(n.id, parent);
            if (n.children) {
              first.set(n.id, n.children.nodes[0].id);
              last.set(n.id, n.children.nodes[n.children.nodes.length - 1].id);
              add(n.children, n.id);
            }
          }
          for (const e of doc.edges) dg.setEdge(last.get(e.from) ?? e.from, first.get(e.to) ?? e.to);
        };
        add(g, null);
        lib.layout(dg);
        return performance.now() - t0;
      }, graph);
      dagreLayout.push(d);
      if (run === runs - 1) {
        // 100 status events a second for a few seconds: frame times and long tasks
        frames = await page.evaluate(
          async ({ order, seconds, started }) => {
            const deltas: number[] = [];
            let longTasks = 0;
            const obs = new PerformanceObserver((l) => (longTasks += l.getEntries().filter((e) => e.duration > 50).length));
            try {
              obs.observe({ type: 'longtask', buffered: false });
            } catch {
              // no long-task timing in this browser
            }
            let last = performance.now();
            let running = true;
            const tick = () => {
              const now = performance.now();
              deltas.push(now - last);
              last = now;
              if (running) requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
            window.postMessage({ type: 'run-events', runId: 'bench', events: [{ type: 'run-started', time: Date.now(), executionId: 'bench', pipelineId: 'bench', steps: order, levels: [order], resumed: false }] }, '*');
            let k = 0;
            const total = seconds * 100;
            await new Promise<void>((resolve) => {
              const timer = setInterval(() => {
                const id = order[Math.floor(k / 2) % order.length];
                const e = k % 2 === 0 ? { type: 'step-started', time: Date.now(), stepId: id, scope: [], attempt: 1, inputs: { n: k } } : { type: 'step-ended', time: Date.now(), stepId: id, scope: [], result: { ...started, status: 'completed', success: true, duration_ms: 10 } };
                window.postMessage({ type: 'run-events', runId: 'bench', events: [e] }, '*');
                if (++k >= total) {
                  clearInterval(timer);
                  resolve();
                }
              }, 10);
            });
            await new Promise((r) => setTimeout(r, 200));
            running = false;
            obs.disconnect();
            const sorted = deltas.slice(2).sort((a, b) => a - b);
            return { longest: sorted[sorted.length - 1], p95: sorted[Math.floor(sorted.length * 0.95)], count: sorted.length, longTasks };
          },
          { order: graph.nodes.map((n) => n.id), seconds: quick ? 2 : 4, started: emptyStepResult('running') as unknown as Record<string, unknown> },
        );
        const done = await page.locator('.node[data-status="completed"]').count();
        if (done === 0) throw new Error('no node turned completed while events streamed');
      }
      await page.close();
    }
    const first = median(paints);
    const ratio = median(oursLayout) / median(dagreLayout);
    console.log(`graph: ${ids.length} steps (${graph.nodes.length} top-level nodes, ${graph.nodes.filter((n) => n.children).length} loops), ${runs} runs, medians`);
    console.log(`  graph message → last node painted (ours: ELK layout + SVG): ${first.toFixed(0)} ms`);
    console.log(`  layout alone: ours (elkjs) ${median(oursLayout).toFixed(0)} ms · dagre ${median(dagreLayout).toFixed(0)} ms · ratio ours/dagre ${ratio.toFixed(2)}`);
    if (frames) console.log(`  100 status events/s: ${frames.count} frames, longest ${frames.longest.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, long tasks (>50 ms) ${frames.longTasks}`);
    console.log(`goal: first paint < 1000 ms at 1,000 steps: ${first < 1000 ? 'met' : 'NOT met'} (${first.toFixed(0)} ms); no frame over 50 ms while events stream: ${frames && frames.longest <= 50 ? 'met' : 'NOT met'} (${frames?.longest.toFixed(1)} ms)`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
