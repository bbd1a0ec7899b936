// `npm run bench webview`: the graph panel in Debian's chromium (playwright-core), on generated
// pipelines of 1,000, 5,000 and 10,000 steps with loops and jumps: time from the graph message to the
// last node painted (the first paint: goals < 150 ms at 1,000 steps and < 1 s at 10,000), and at
// 5,000 steps frame times while the graph is panned with the mouse and while 100 status events a
// second stream in, and the renderer process's memory. The peer is the previous panel (ELK for every
// size, every node in the DOM: media/ as of PREVIOUS, bundled from git in the same run) at 1,000
// steps; at 5,000 it gave no answer in time, so there the goal alone is the bar. Panning is measured
// twice: as the frames come at 60 Hz (a frame that misses its slot counts 33 ms), and as what a pan
// frame costs (the frame rate uncapped: each frame that applied pointer moves, timed to the next
// frame), each beside floors: the 15-step panel and a bare page of 80 boxes that the same drag moves. The goal on the
// pan frame is the bare page's, measured in the same run alternating with ours (p95 and longest each).
// `--quick`: 2 runs of each instead of 4 (3 at 10,000). `--smoke`: 500, 1,100 and 1,200 steps (the
// panel's own layout and culling as at 1,000, its loops collapsed as at 5,000), one page of each,
// shorter drags and stream, every part and floor run once (the peer too).
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { webviewHtml } from '../client/panelHtml';
import { emptyStepResult } from '../engine/run/events';
import { generateGraph } from './generateGraph';
import { goal, median } from './stats';

const ROOT = path.resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const smoke = process.argv.includes('--smoke');
/** The first paint's sizes (the peer at the first), the panned one (frames, memory) and the largest. */
// at smoke size the smallest that take the same paths in media/: over LARGE_GRAPH (its own layout)
// and CULL_ABOVE (nodes out of view left out) at the first, over COLLAPSE_ABOVE (loops collapsed) after
const [FIRST, PANNED, LARGEST] = smoke ? [500, 1100, 1200] : [1000, 5000, 10000];
/** The first paint's goals, ms, by size. */
const PAINT_GOALS = new Map([[FIRST, 150], [LARGEST, 1000]]);
/** Mouse moves in a drag, each way (capped frame rate; the uncapped drag sends twice as many). */
const MOVES = smoke ? 24 : 120;
/** The panel before the work on big graphs (issue #29). */
const PREVIOUS = 'e0521d8';
const VIEWPORT = { width: 1400, height: 900 };

/** The previous panel's bundle: its media/ files taken from git, bundled like dist/webview.js. */
async function previousBundle(): Promise<string | null> {
  const dir = path.join(ROOT, '.bench-previous');
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    const files = execFileSync('git', ['ls-tree', '--name-only', '-r', PREVIOUS, 'media/'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => /\.(ts|css)$/.test(f));
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), execFileSync('git', ['show', `${PREVIOUS}:${f}`], { cwd: ROOT }));
    }
    const r = await esbuild.build({ entryPoints: [path.join(dir, 'media/webview.ts')], bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, write: false, outdir: dir, nodePaths: [path.join(ROOT, 'node_modules')], logLevel: 'silent' });
    return r.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? null;
  } catch {
    return null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Posts the graph and waits for it to be drawn: the layout applied (the canvas says how many nodes
 * it holds), the nodes in view in the DOM, then two frames so the last of them is painted. */
async function paint(page: Page, n: number, timeoutMs: number): Promise<number | null> {
  const { graph } = generateGraph(n);
  return page.evaluate(
    async ({ g, timeoutMs }) => {
      const t0 = performance.now();
      const expected = String(g.count);
      window.postMessage({ type: 'graph', uri: 'file:///bench.pipeline.yaml', pipelineId: 'bench', graph: g.graph, problem: null }, '*');
      const ok = await new Promise<boolean>((resolve) => {
        const check = () => {
          const svg = document.querySelector('svg.graph');
          const drawn = svg?.getAttribute('data-nodes') === expected || document.querySelectorAll('.node').length >= g.count;
          if (drawn && document.querySelector('.node')) return resolve(true);
          if (performance.now() - t0 > timeoutMs) return resolve(false);
          requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
      if (!ok) return null;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t0;
    },
    { g: { graph, count: generateGraph(n).ids.length }, timeoutMs },
  );
}

/** Starts recording, in the page, the time between animation frames, and how many pointer moves
 * the page was given before each frame's callbacks. */
async function recordFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __deltas: number[]; __moves: number[]; __recording: boolean; __movesNow: number; __counting?: boolean };
    w.__deltas = [];
    w.__moves = [];
    w.__movesNow = 0;
    w.__recording = true;
    if (!w.__counting) window.addEventListener('pointermove', () => w.__movesNow++, true);
    w.__counting = true;
    let last = performance.now();
    const tick = () => {
      const now = performance.now();
      w.__deltas.push(now - last);
      w.__moves.push(w.__movesNow);
      w.__movesNow = 0;
      last = now;
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Stops the recording: the longest time between frames, the 95th percentile, the median and the
 * number of frames (the first two left out: they wait for the recording to start). `panFrames`:
 * only the frames that applied pointer moves, each timed to the start of the next frame (its own
 * moves handled, the view applied, style, layout, paint and commit), not from the frame before:
 * a frame that had nothing to draw (no move had come) is followed, in a browser whose frame rate
 * is not capped, by a wait for Chromium's 60 Hz tick, and that wait would be counted to the next
 * frame (see panFrameCost). */
async function framesRecorded(page: Page, panFrames = false): Promise<{ longest: number; p95: number; median: number; frames: number }> {
  return page.evaluate((panFrames) => {
    const w = window as unknown as { __deltas: number[]; __moves: number[]; __recording: boolean };
    w.__recording = false;
    const all = w.__deltas;
    const d = (panFrames ? all.slice(2, -1).map((_, i) => (w.__moves[i + 2] > 0 ? all[i + 3] : -1)).filter((x) => x >= 0) : all.slice(2)).sort((a, b) => a - b);
    return { longest: d[d.length - 1], p95: d[Math.floor(d.length * 0.95)], median: d[Math.floor(d.length / 2)], frames: d.length };
  }, panFrames);
}

/** Drags the graph's background with the mouse (2,400 px across and back, in 240 moves) while the
 * page records the time between animation frames. */
async function pan(page: Page): Promise<{ longest: number; p95: number; median: number; frames: number; drawn: number }> {
  await recordFrames(page);
  const y = VIEWPORT.height / 2;
  await page.mouse.move(1300, y);
  await page.mouse.down();
  const step = 1200 / MOVES;
  for (let i = 1; i <= MOVES; i++) await page.mouse.move(1300 - i * step, y - (i % 20));
  for (let i = 1; i <= MOVES; i++) await page.mouse.move(100 + i * step, y - (i % 20));
  await page.mouse.up();
  const frames = await framesRecorded(page);
  return { ...frames, drawn: await page.evaluate(() => document.querySelectorAll('.node').length) };
}

/**
 * The cost of a pan frame: the same drag, sent as the browser's own mouse events without waiting
 * for each to be handled (a move every 4 ms), in a browser whose frame rate is not capped at 60 Hz.
 * A frame that has something to draw is followed at once by the next, so the time from a frame that
 * applied pointer moves to the next frame is the time that frame of the pan took: the moves handled,
 * the view applied, what came into view drawn, and Chromium's style, layout, paint and commit.
 * Frames that applied no move are left out: the browser hands a page one move at a time, a page
 * whose pan frame takes less than the time between moves has frames with nothing to draw, and after
 * such a frame Chromium waits for its 60 Hz tick even uncapped (traced: the next BeginFrame comes
 * at the tick's deadline), so counting them read that tick (17-18 ms) as the p95 of every page.
 * With frames capped at 60 Hz (`pan` above) a frame that misses its slot by a hair is counted as
 * 33 ms, and this machine's software compositor misses slots with a page that only moves a square.
 */
async function panFrameCost(page: Page): Promise<{ longest: number; p95: number; median: number; frames: number }> {
  await recordFrames(page);
  const cdp = await page.context().newCDPSession(page);
  const y = VIEWPORT.height / 2;
  const mouse = (type: 'mouseMoved' | 'mousePressed' | 'mouseReleased', x: number, yy: number) =>
    cdp.send('Input.dispatchMouseEvent', { type, x, y: yy, button: 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: type === 'mouseMoved' ? 0 : 1 });
  await cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: 1300, y, button: 'none', buttons: 0 });
  await mouse('mousePressed', 1300, y);
  const sent: Promise<unknown>[] = [];
  const half = 2 * MOVES;
  const step = 1200 / half;
  for (let i = 1; i <= 2 * half; i++) {
    const x = i <= half ? 1300 - i * step : 100 + (i - half) * step;
    sent.push(mouse('mouseMoved', x, y - (i % 20)));
    await new Promise((r) => setTimeout(r, 4));
  }
  await Promise.all(sent);
  await mouse('mouseReleased', 1300, y);
  await cdp.detach();
  return framesRecorded(page, true);
}

/** 100 status events a second for a few seconds (steps started and ended in the document's order):
 * the time between frames while they stream. */
async function stream(page: Page, order: string[], seconds: number): Promise<{ longest: number; p95: number; frames: number }> {
  const started = emptyStepResult('running') as unknown as Record<string, unknown>;
  return page.evaluate(
    async ({ order, seconds, started }) => {
      const deltas: number[] = [];
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
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const id = order[Math.floor(k / 2) % order.length];
          const e = k % 2 === 0 ? { type: 'step-started', time: Date.now(), stepId: id, scope: [], attempt: 1, inputs: { n: k } } : { type: 'step-ended', time: Date.now(), stepId: id, scope: [], result: { ...started, status: 'completed', success: true, duration_ms: 10 } };
          window.postMessage({ type: 'run-events', runId: 'bench', events: [e] }, '*');
          if (++k >= seconds * 100) {
            clearInterval(timer);
            resolve();
          }
        }, 10);
      });
      await new Promise((r) => setTimeout(r, 200));
      running = false;
      const d = deltas.slice(2).sort((a, b) => a - b);
      return { longest: d[d.length - 1], p95: d[Math.floor(d.length * 0.95)], frames: d.length };
    },
    { order, seconds, started },
  );
}

/**
 * The renderer's memory (the page's process, from /proc) and its JavaScript heap. Resident memory
 * counts the pages of Chromium's own code and data that every Chromium process shares with the
 * browser process (some 140 MB here); the private footprint (its private pages, clean and dirty, and its
 * swap: what Chrome's task manager shows as a process's memory footprint) is what the page costs,
 * and the goal is read on it. Both are printed.
 */
async function memory(browser: Browser, page: Page): Promise<{ rssMb: number | null; privateMb: number | null; heapMb: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const metrics = (await cdp.send('Performance.getMetrics')).metrics;
  const heapMb = (metrics.find((m) => m.name === 'JSHeapTotalSize')?.value ?? 0) / 1048576;
  const b = await browser.newBrowserCDPSession();
  const info = (await b.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  // one page open: the renderer with the most resident memory is its
  let rss = 0;
  let priv = 0;
  for (const p of info.processInfo.filter((q) => q.type === 'renderer')) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.id}/status`, 'utf8'));
      if (!m || Number(m[1]) / 1024 <= rss) continue;
      rss = Number(m[1]) / 1024;
      const rollup = fs.readFileSync(`/proc/${p.id}/smaps_rollup`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
      priv = (kb('Private_Clean') + kb('Private_Dirty') + kb('Swap')) / 1024;
    } catch {
      // the process ended
    }
  }
  return { rssMb: rss || null, privateMb: priv || null, heapMb };
}

/** The floor of the floor: no panel, a page of 80 boxes in an SVG that the same drag moves (the
 * group's transform set once a frame, as the panel does), to tell this machine's frames from ours. */
const BARE_PAGE = `<!doctype html><html><body style="margin:0"><header data-testid="run-header">bare page</header><svg id="s" width="1400" height="880"><g id="v">${Array.from(
  { length: 80 },
  (_, i) => `<g transform="translate(${(i % 8) * 170},${Math.floor(i / 8) * 90})"><rect width="150" height="50" rx="6" fill="#eef" stroke="#336"/><text x="10" y="30" font-size="12.5">Step number ${i}</text></g>`,
).join('')}</g></svg><script>
let from = null, at = 0, next = 0, frame = false;
const s = document.getElementById('s'), v = document.getElementById('v');
s.addEventListener('pointerdown', (e) => { from = e.clientX - at; });
s.addEventListener('pointerup', () => { from = null; });
s.addEventListener('pointermove', (e) => {
  if (from === null) return;
  next = e.clientX - from;
  if (frame) return;
  frame = true;
  requestAnimationFrame(() => { frame = false; at = next; v.setAttribute('transform', 'translate(' + at + ',0)'); });
});
</script></body></html>`;

async function main(): Promise<void> {
  for (const f of ['webview.js', 'webview.css']) if (!fs.existsSync(path.join(ROOT, 'dist', f))) throw new Error(`dist/${f} is missing: run npm run build first`);
  const previous = await previousBundle();
  const nonce = 'benchnonce0123456789';
  let base = '';
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const send = (type: string, body: string | Buffer) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    if (url === '/' || url === '/previous') {
      const script = url === '/' ? `${base}/dist/webview.js` : `${base}/previous.js`;
      return send('text/html', webviewHtml({ scriptUri: script, styleUri: `${base}/dist/webview.css`, nonce, cspSource: base }));
    }
    if (url === '/previous.js' && previous) return send('text/javascript', previous);
    if (url === '/bare') return send('text/html', BARE_PAGE);
    if (url.startsWith('/dist/')) return send(url.endsWith('.css') ? 'text/css' : 'text/javascript', fs.readFileSync(path.join(ROOT, url.slice(1))));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  // the same browser without the 60 Hz cap, for the cost of a pan frame
  const uncapped = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-frame-rate-limit', '--disable-gpu-vsync'] });
  const open = async (which: '/' | '/previous' | '/bare', from: Browser = browser) => {
    const page = await from.newPage({ viewport: VIEWPORT });
    // tsx names functions with a helper the page does not have; the functions below run in the page
    await page.addInitScript('window.__name = (f) => f');
    await page.goto(base + which);
    await page.waitForSelector('[data-testid="run-header"]');
    return page;
  };
  const lines: string[] = [];
  const goals: string[] = [];
  try {
    const runs = quick ? 2 : 4;
    // the floor: the same panel on a 15-step graph (every node drawn, nothing to cull)
    const small = await open('/');
    if ((await paint(small, 15, 10000)) === null) throw new Error('15 steps: no graph drawn');
    const floorPan = await pan(small);
    const floorMem = await memory(browser, small);
    await small.close();
    lines.push(`floor, 15 steps: panning longest frame ${floorPan.longest.toFixed(1)} ms, p95 ${floorPan.p95.toFixed(1)} ms; renderer private footprint ${floorMem.privateMb?.toFixed(0) ?? '?'} MB (resident ${floorMem.rssMb?.toFixed(0) ?? '?'} MB), heap ${floorMem.heapMb.toFixed(0)} MB`);
    for (const n of [FIRST, PANNED, LARGEST]) {
      const paints: number[] = [];
      let panned: Awaited<ReturnType<typeof pan>> | null = null;
      let mem: Awaited<ReturnType<typeof memory>> | null = null;
      let streamed: Awaited<ReturnType<typeof stream>> | null = null;
      const sizeRuns = smoke ? 1 : n === LARGEST ? (quick ? 2 : 3) : runs;
      for (let run = 0; run < sizeRuns; run++) {
        const page = await open('/');
        const t = await paint(page, n, 30000);
        if (t === null) throw new Error(`${n} steps: no graph drawn within 30 s`);
        paints.push(t);
        if (n === PANNED && run === sizeRuns - 1) {
          panned = await pan(page);
          streamed = await stream(page, generateGraph(n).graph.nodes.map((g) => g.id), smoke ? 0.5 : quick ? 2 : 4);
          const done = await page.evaluate(() => Object.values((window as unknown as { __orchestratorStatuses: () => Record<string, string> }).__orchestratorStatuses()).filter((v) => v === 'completed').length);
          if (done === 0) throw new Error('no step turned completed while events streamed');
          mem = await memory(browser, page);
        }
        await page.close();
      }
      let before: number | null = null;
      if (n === FIRST) {
        if (!previous) lines.push(`the previous panel (${PREVIOUS}) skipped: its sources could not be taken from git and bundled`);
        const times: number[] = [];
        for (let run = 0; previous && run < sizeRuns; run++) {
          const page = await open('/previous');
          const t = await paint(page, n, 30000);
          if (t !== null) times.push(t);
          await page.close();
        }
        before = times.length ? median(times) : null;
      }
      const p = median(paints);
      lines.push(`${n} steps (${sizeRuns} run(s), medians): graph message → last node painted ${p.toFixed(0)} ms${before !== null ? ` · previous panel (${PREVIOUS}) ${before.toFixed(0)} ms · ratio ours/previous ${(p / before).toFixed(2)}` : ''}`);
      if (panned) lines.push(`  panning ${panned.frames} frames: longest ${panned.longest.toFixed(1)} ms, p95 ${panned.p95.toFixed(1)} ms; nodes in the DOM afterwards ${panned.drawn}`);
      if (streamed) lines.push(`  100 status events/s: ${streamed.frames} frames, longest ${streamed.longest.toFixed(1)} ms, p95 ${streamed.p95.toFixed(1)} ms`);
      if (mem) lines.push(`  renderer memory: private footprint ${mem.privateMb?.toFixed(0) ?? '?'} MB, resident ${mem.rssMb?.toFixed(0) ?? '?'} MB, JavaScript heap ${mem.heapMb.toFixed(0)} MB`);
      const paintGoal = PAINT_GOALS.get(n);
      if (paintGoal !== undefined) goals.push(goal(`first paint at ${n.toLocaleString('en')} steps (graph message → last node painted)`, `${p.toFixed(0)} ms`, `< ${paintGoal.toLocaleString('en')} ms`, p < paintGoal));
      if (mem) goals.push(goal(`${n} steps: renderer memory (private footprint)`, `${mem.privateMb?.toFixed(0) ?? '?'} MB (resident ${mem.rssMb?.toFixed(0) ?? '?'} MB); 15-step floor ${floorMem.privateMb?.toFixed(0) ?? '?'} MB (resident ${floorMem.rssMb?.toFixed(0) ?? '?'} MB)`, '≤ 150 MB', mem.privateMb === null ? null : mem.privateMb <= 150));
    }
    // the cost of a pan frame, uncapped: the 15-step panel (the floor), then the bare page of 80
    // boxes and the panned size alternated, so a load that comes and goes on the machine falls on
    // both; the bare page's capped frames too
    const bare = await open('/bare');
    const barePan = await pan(bare);
    await bare.close();
    lines.push(`a bare page (80 boxes in an SVG, no panel), frame rate capped: panning longest frame ${barePan.longest.toFixed(1)} ms, p95 ${barePan.p95.toFixed(1)} ms`);
    type Cost = Awaited<ReturnType<typeof panFrameCost>>;
    const costs = new Map<number, Cost[]>([[15, []], [PANNED, []], [0, []]]);
    const costRounds = smoke ? 1 : quick ? 2 : 3;
    for (const n of [15, ...Array.from({ length: costRounds }, (_, r) => (r % 2 ? [PANNED, 0] : [0, PANNED])).flat()]) {
      const page = await open(n ? '/' : '/bare', uncapped);
      if (n && (await paint(page, n, 30000)) === null) throw new Error(`${n} steps: no graph drawn (uncapped)`);
      costs.get(n)!.push(await panFrameCost(page));
      await page.close();
    }
    const cost = (n: number) => {
      const cs = costs.get(n)!;
      return { frames: median(cs.map((c) => c.frames)), median: median(cs.map((c) => c.median)), p95: median(cs.map((c) => c.p95)), longest: median(cs.map((c) => c.longest)), rounds: cs.length };
    };
    for (const n of [15, PANNED, 0]) {
      const c = cost(n);
      lines.push(`${n ? `${n} steps` : 'the bare page'}, frame rate uncapped${c.rounds > 1 ? ` (median of ${c.rounds} drags, alternated)` : ''}: a pan frame (${c.frames} frames) median ${c.median.toFixed(1)} ms, p95 ${c.p95.toFixed(1)} ms, longest ${c.longest.toFixed(1)} ms`);
    }
    const ours = cost(PANNED);
    const bareCost = cost(0);
    for (const [what, o, f] of [['p95', ours.p95, bareCost.p95], ['longest', ours.longest, bareCost.longest]] as const) {
      goals.push(goal(`${PANNED.toLocaleString('en')} steps: a pan frame's ${what} (frame rate uncapped) over a bare page of 80 boxes in the same run`, `${o.toFixed(1)} ms against ${f.toFixed(1)} ms (${(o / f).toFixed(2)}x)`, "≤ the bare page's", o <= f));
    }
    for (const l of lines) console.log(l);
    console.log(`goals (load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
    for (const g of goals) console.log(g);
  } finally {
    await browser.close();
    await uncapped.close();
    server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
