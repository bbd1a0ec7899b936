// The messages from the extension (protocol.ts): a new graph (laid out by ELK, off the first frame
// when it is the same), run events, a reset for a new run, notices, highlights, the debugger's held
// step, insights and settings.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { GraphDocument } from '../engine/plan/graph';
import type { RunEvent } from '../engine/run/events';
import { drawGraph } from './drawing';
import { report, schedule } from './frames';
import type { Insights } from './insights';
import { patchGraph } from './incrementalDraw';
import { newStepOutOfView, placeIncrementally } from './incrementalLayout';
import { graphStepIds, layoutGraph, type LayoutEngine } from './layout';
import { graphPane, notice, problemEl } from './page';
import { applyView, fit } from './panZoom';
import type { GraphMessage, ToWebview } from './protocol';
import { applyEvents, emptyRun, retainSteps } from './runState';
import { save, ui, vscode } from './viewState';

const elk: LayoutEngine = new (ELK as unknown as new () => LayoutEngine)();

// ELK is compiled Java: its first layout pays for the JavaScript engine's warm-up (about a second
// on a 1,000-step graph). A small layout while the page waits for its graph takes most of that.
function warmUp(): Promise<void> {
  const nodes: GraphDocument['nodes'] = [];
  const edges: GraphDocument['edges'] = [];
  for (let i = 0; i < 120; i++) {
    const body = i % 30 === 29 ? { nodes: [0, 1].map((k) => ({ id: `w${i}_${k}`, label: '', kind: 'step' as const, tool: null, action: null, level: k, range: null, selectionRange: null, children: null })), edges: [{ from: `w${i}_0`, to: `w${i}_1`, kind: 'explicit' as const }] } : null;
    nodes.push({ id: `w${i}`, label: '', kind: body ? 'loop' : 'step', tool: null, action: null, level: i, range: null, selectionRange: null, children: body });
    if (i) edges.push({ from: `w${i - 1}`, to: `w${i}`, kind: 'explicit' });
    if (i > 5 && i % 5 === 0) edges.push({ from: `w${i - 5}`, to: `w${i}`, kind: 'on_success' });
  }
  return layoutGraph(elk, { nodes, edges }, 'RIGHT').then(
    () => undefined,
    () => undefined,
  );
}
let warm: Promise<unknown> = Promise.resolve();
/** Starts ELK's warm-up layout; layouts wait for it. */
export function startWarmUp(): void {
  warm = warmUp().then(() => ((window as unknown as { __orchestratorWarm?: boolean }).__orchestratorWarm = true));
}

async function onGraph(msg: GraphMessage): Promise<void> {
  const s = ui.saved;
  const firstLayout = !ui.layout;
  const uriChanged = s.uri !== null && s.uri !== msg.uri;
  s.uri = msg.uri;
  s.problem = msg.problem;
  if (uriChanged) s.run = emptyRun();
  if (!msg.graph) {
    problemEl.hidden = false;
    problemEl.textContent = msg.problem ?? 'The pipeline does not compile.';
    ui.headerDirty = true;
    schedule();
    save();
    report();
    return;
  }
  problemEl.hidden = true;
  s.pipelineId = msg.pipelineId;
  const same = s.graph && JSON.stringify(s.graph) === JSON.stringify(msg.graph);
  s.graph = msg.graph;
  s.run = retainSteps(s.run, graphStepIds(msg.graph));
  if (same && ui.layout) {
    ui.headerDirty = true;
    schedule();
    return;
  }
  // after an edit (the same document drawn before): the steps that stay keep their places
  await relayout(firstLayout && !s.view, !firstLayout && !uriChanged);
}

/** Lays the graph out again and draws it (a layout overtaken by a newer one is dropped). `incremental`:
 * on the drawn layout (media/incrementalLayout.ts) when that reads well, else in full. */
export async function relayout(fitAfter: boolean, incremental = false): Promise<void> {
  if (!ui.saved.graph) return;
  const seq = ++ui.layoutSeq;
  try {
    await warm;
    const t0 = performance.now();
    const kept = incremental && ui.layout ? placeIncrementally(ui.layout, ui.saved.graph, ui.saved.direction) : null;
    const l = kept ?? (await layoutGraph(elk, ui.saved.graph, ui.saved.direction));
    (window as unknown as { __orchestratorLayoutMs?: number }).__orchestratorLayoutMs = performance.now() - t0;
    if (seq !== ui.layoutSeq) return; // a newer graph arrived while this one was laid out
    const prev = ui.layout;
    ui.layout = l;
    if (kept && prev) patchGraph(prev, l);
    else drawGraph(l);
    if (fitAfter || (kept && prev && newStepOutOfView(prev, l, ui.view, graphPane.clientWidth, graphPane.clientHeight))) fit();
    else applyView();
    schedule();
    save();
  } catch (e) {
    vscode.postMessage({ type: 'error', message: `layout failed: ${e instanceof Error ? e.message : String(e)}` });
  }
}

function onEvents(events: RunEvent[]): void {
  const { run, changed } = applyEvents(ui.saved.run, events);
  ui.saved.run = run;
  for (const id of changed) ui.dirty.add(id);
  ui.headerDirty = true;
  if (ui.saved.selected && changed.has(ui.saved.selected)) ui.panelDirty = true;
  schedule();
  save();
}

/** A step marked (highlighted or held): the one before and the new one are drawn again. */
function mark(prev: string | null, next: string | null): void {
  if (prev) ui.dirty.add(prev);
  if (next) ui.dirty.add(next);
}

export function listenToHost(insights: Insights): void {
  window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
    const msg = event.data;
    if (!msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'graph':
        void onGraph(msg);
        break;
      case 'notice':
        notice.hidden = false;
        notice.dataset.level = msg.level;
        notice.textContent = msg.text;
        break;
      case 'run-reset':
        notice.hidden = true;
        ui.saved.run = { ...emptyRun(), runId: msg.runId, reused: msg.reused, steps: Object.fromEntries(Object.entries(ui.saved.run.steps).filter(([id]) => msg.reused.includes(id))) };
        for (const id of ui.nodeEls.keys()) ui.dirty.add(id);
        ui.headerDirty = true;
        ui.panelDirty = true;
        schedule();
        break;
      case 'run-events':
        onEvents(msg.events);
        break;
      case 'highlight-step': {
        const prev = ui.highlighted;
        ui.highlighted = msg.stepId;
        mark(prev, msg.stepId);
        schedule();
        break;
      }
      case 'prediction':
        insights.showPrediction(msg);
        break;
      case 'report':
        insights.showReport(msg);
        ui.reportDirty = true;
        schedule();
        break;
      case 'explanation':
        insights.showExplanation(msg);
        break;
      case 'paused-step': {
        const prev = ui.paused;
        ui.paused = msg.stepId;
        mark(prev, msg.stepId);
        ui.headerDirty = true;
        schedule();
        break;
      }
      case 'settings':
        if (msg.direction !== ui.saved.direction) {
          ui.saved.direction = msg.direction;
          void relayout(true);
        }
        break;
      default:
        break;
    }
  });
}
