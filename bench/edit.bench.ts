// `npm run bench edit`: a graph gesture end to end on generated pipelines of 200 and 2,000 steps —
// the editor's edit (analysis of the text, the engine's edit, the analysis of the result that refuses
// a broken one), the language server's analysis and graph of the edited text, and the panel (Debian's
// chromium, the built dist/webview.js) placing and drawing the new graph until the next frame is
// painted. Two gestures: connect two steps, and add a step after one. Also: how far the steps the
// gesture did not touch moved on screen (goal: 0 px). The message hops between the processes are not
// in the figure (they are a postMessage each). The peer is the full ELK layout the panel did before.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { analyze, editPipeline, graphDocument, type EditOperation } from '../engine/api/index';
import { webviewHtml } from '../client/panelHtml';
import { generatePipeline } from './generatePipeline';
import { goal, median, table } from './stats';

const ROOT = path.resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const SIZES: { n: number; goalMs: number }[] = [
  { n: 200, goalMs: 50 },
  { n: 2000, goalMs: 250 },
];

type Positions = Record<string, string>;

const positions = (page: Page): Promise<Positions> => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.node')].map((e) => [e.getAttribute('data-step-id') ?? '', e.getAttribute('transform') ?? ''])));

/** Posts a graph and waits until `selector` is in the DOM and the next frame is painted: ms in the page. */
function draw(page: Page, graph: unknown, version: number, selector: string, fullLayout = false): Promise<{ ms: number; layoutMs: number }> {
  return page.evaluate(
    async ({ graph, version, selector, fullLayout }) => {
      const t0 = performance.now();
      if (fullLayout) (document.querySelector('[data-testid="tidy"]') as HTMLButtonElement).click();
      else window.postMessage({ type: 'graph', uri: 'file:///bench.pipeline.yaml', pipelineId: 'bench', graph, problem: null, version }, '*');
      await new Promise<void>((resolve) => {
        const check = () => (document.querySelector(selector) && (!fullLayout || (window as unknown as { __orchestratorLayoutMs?: number }).__orchestratorLayoutMs !== -1) ? resolve() : requestAnimationFrame(check));
        requestAnimationFrame(check);
      });
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return { ms: performance.now() - t0, layoutMs: (window as unknown as { __orchestratorLayoutMs?: number }).__orchestratorLayoutMs ?? NaN };
    },
    { graph, version, selector, fullLayout },
  );
}

/** The editor's and the server's part of a gesture: ms, and the edited pipeline's graph. */
function edit(text: string, op: EditOperation): { ms: number; graph: ReturnType<typeof graphDocument>; text: string } {
  const t0 = performance.now();
  const r = editPipeline(text, op, analyze(text));
  if (!r.ok) throw new Error(`${op.op} refused: ${r.reason}`);
  const server = analyze(r.text);
  const graph = graphDocument(server);
  return { ms: performance.now() - t0, graph, text: r.text };
}

/** Pixels the nodes present in both moved (the largest). */
function moved(before: Positions, after: Positions): number {
  let most = 0;
  for (const [id, t] of Object.entries(before)) {
    const a = /translate\(([-\d.]+),([-\d.]+)\)/.exec(t);
    const b = /translate\(([-\d.]+),([-\d.]+)\)/.exec(after[id] ?? '');
    if (!a || !b) continue;
    most = Math.max(most, Math.hypot(Number(b[1]) - Number(a[1]), Number(b[2]) - Number(a[2])));
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
  try {
    for (const { n, goalMs } of SIZES) {
      const text = generatePipeline(n);
      const original = graphDocument(analyze(text));
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.addInitScript('window.__name = (f) => f');
      await page.goto(base);
      await page.waitForSelector('[data-testid="run-header"]');
      await page.evaluate(() => new Promise<void>((r) => { const w = () => ((window as unknown as { __orchestratorWarm?: boolean }).__orchestratorWarm ? r() : setTimeout(w, 20)); w(); }));
      await draw(page, original, 1, `.node[data-step-id="step_${n - 1}"]`);
      const start = await positions(page);
      const mid = Math.floor(n / 2);
      let connectTotal = NaN;
      const gestures: { name: string; op: EditOperation; selector: string }[] = [
        { name: 'connect', op: { op: 'connect', from: `step_${mid}`, to: `step_${n - 1}` }, selector: `g[data-edge="explicit:step_${mid}->step_${n - 1}"]` },
        { name: 'add a step', op: { op: 'add-step', id: 'added', action: 'generate', after: `step_${mid}` }, selector: '.node[data-step-id="added"]' },
      ];
      for (const g of gestures) {
        const editor: number[] = [];
        const panel: number[] = [];
        let most = 0;
        for (let k = 0; k < (quick ? 3 : 7); k++) {
          const e = edit(text, g.op);
          const d = await draw(page, e.graph, 2, g.selector);
          editor.push(e.ms);
          panel.push(d.ms);
          most = Math.max(most, moved(start, await positions(page)));
          // back to the original (itself an edit the panel draws in place)
          await draw(page, original, 1, `.node[data-step-id="step_${n - 1}"]`);
          await page.waitForFunction((sel) => !document.querySelector(sel), g.selector);
        }
        const total = median(editor) + median(panel);
        if (g.name === 'connect') connectTotal = total;
        rows.push([String(n), g.name, median(editor).toFixed(1), median(panel).toFixed(1), total.toFixed(1), `${most.toFixed(1)} px`]);
        goals.push(goal(`${g.name} at ${n.toLocaleString('en-US')} steps, gesture → YAML edited → graph redrawn`, `${total.toFixed(1)} ms`, `≤ ${goalMs} ms`, total <= goalMs));
        goals.push(goal(`${g.name} at ${n.toLocaleString('en-US')} steps, untouched steps moved`, `${most.toFixed(1)} px`, '0 px', most === 0));
      }
      // the peer: the same edited graph laid out in full by ELK, as the panel did before (Tidy)
      const e = edit(text, gestures[0].op);
      await draw(page, e.graph, 2, gestures[0].selector);
      await page.evaluate(() => ((window as unknown as { __orchestratorLayoutMs?: number }).__orchestratorLayoutMs = -1));
      const full = await draw(page, null, 2, gestures[0].selector, true);
      const peer = e.ms + full.ms;
      rows.push([String(n), 'peer: connect, full ELK layout', e.ms.toFixed(1), full.ms.toFixed(1), peer.toFixed(1), '']);
      ratios.push(`  ratio ours/peer (connect) at ${n.toLocaleString('en-US')} steps: ${(connectTotal / peer).toFixed(2)}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  table(['steps', 'gesture', 'editor+server ms', 'panel ms', 'total ms', 'untouched moved'], rows);
  for (const r of ratios) console.log(r);
  for (const g of goals) console.log(g);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
