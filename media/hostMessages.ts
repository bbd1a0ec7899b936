// The messages from the extension (protocol.ts): a new graph (laid out by ELK up to 300 steps, by
// our own layered layout above; not again when its shape is the same), run events, a reset for a
// new run, notices, highlights, the debugger's held step, insights and settings.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { RunEvent } from '../engine/run/events';
import { CULL_ABOVE, drawGraph } from './drawing';
import { report, schedule, select } from './frames';
import type { Insights } from './insights';
import { patchGraph } from './incrementalDraw';
import { newStepOutOfView, placeIncrementally } from './incrementalLayout';
import { graphStepIds, LARGE_GRAPH, layoutGraph, type Layout, type LayoutEngine } from './layout';
import { digest, fromSaved, LayoutCache, relabel, shapeKey, toSaved } from './layoutCache';
import { layeredLayout } from './layeredLayout';
import { stepsWithErrors } from './errorMarks';
import { forgetParts, partsAnswered } from './attachments';
import { chatRefused, chatRunStarted, setChatTarget } from './chatInput';
import { graphErrorsEl, graphPane, notice, problemEl } from './page';
import { applyView, bringIntoView, fit, paneDirection } from './panZoom';
import { applyGraphDiff } from './graphDiff';
import type { GraphDiffMessage, GraphMessage, ToWebview } from './protocol';
import { applyEvents, emptyRun, retainSteps } from './runState';
import { save, ui, vscode } from './viewState';

const elk: LayoutEngine = new (ELK as unknown as new () => LayoutEngine)();
/** Past this many steps the graph is laid out by our own layered layout (layeredLayout.ts): tens of
 * milliseconds where ELK, even with its cheaper options, took about a second at 1,000 steps (and
 * ELK's first layout pays for its warm-up, which ran on the page's thread as the graph arrived). */
export const OWN_LAYOUT_ABOVE = LARGE_GRAPH;
/** Past this many steps loops are drawn collapsed (one box saying how many steps it holds) until
 * opened with + or a double click. */
export const COLLAPSE_ABOVE = 1000;
const cache = new LayoutCache();
/** The host's count of the graph the panel holds (`seq` of its last graph): a diff applies to it only. */
let graphSeq: number | null = null;

/** A diff of the graph held: applied and drawn as a whole graph; of another graph: the host is asked for the whole one. */
function onGraphDiff(msg: GraphDiffMessage): Promise<void> {
  const s = ui.saved;
  if (!s.graph || graphSeq !== msg.base || s.uri !== msg.uri) {
    vscode.postMessage({ type: 'graph-stale' });
    return Promise.resolve();
  }
  return onGraph({ type: 'graph', uri: msg.uri, pipelineId: msg.pipelineId, graph: applyGraphDiff(s.graph, msg.diff), problem: msg.problem ?? null, version: msg.version, seq: msg.seq });
}

async function onGraph(msg: GraphMessage): Promise<void> {
  const s = ui.saved;
  const firstLayout = !ui.layout;
  const uriChanged = s.uri !== null && s.uri !== msg.uri;
  s.uri = msg.uri;
  s.problem = msg.problem;
  if (uriChanged) {
    s.run = emptyRun();
    s.expanded = [];
  }
  if (!msg.graph) {
    problemEl.hidden = false;
    graphErrorsEl.hidden = true;
    problemEl.textContent = msg.problem ?? 'The pipeline does not compile.';
    ui.headerDirty = true;
    schedule();
    save();
    report();
    return;
  }
  // drawn with errors: what is wrong said beside the graph, the steps with errors marked
  problemEl.hidden = true;
  graphErrorsEl.hidden = !msg.problem;
  graphErrorsEl.textContent = msg.problem ?? '';
  graphSeq = msg.seq ?? null;
  s.pipelineId = msg.pipelineId;
  for (const id of [...stepsWithErrors(s.graph), ...stepsWithErrors(msg.graph)]) ui.dirty.add(id);
  ui.panelDirty = true;
  s.graph = msg.graph;
  s.run = retainSteps(s.run, graphStepIds(msg.graph));
  // after an edit (the same document drawn before): the steps that stay keep their places
  await relayout(firstLayout && !s.view, !firstLayout && !uriChanged);
  /** For tests and the benchmark page: the version of the last graph drawn. */
  (window as unknown as { __orchestratorGraphVersion?: number | null }).__orchestratorGraphVersion = msg.version;
}

/** Lays the graph out (or takes its layout from the cache by shape) and draws it; a layout
 * overtaken by a newer one is dropped. The same shape with the same labels draws nothing again.
 * `incremental` (after an edit): a shape not seen before is placed on the drawn layout
 * (media/incrementalLayout.ts) when that reads well, so the steps that stay do not move; `fresh`
 * (Tidy): laid out again from scratch, whatever the cache holds. */
export async function relayout(fitAfter: boolean, incremental = false, fresh = false): Promise<void> {
  const graph = ui.saved.graph;
  if (!graph) return;
  const seq = ++ui.layoutSeq;
  const direction = paneDirection();
  const total = graphStepIds(graph).length;
  const expanded = new Set(ui.saved.expanded);
  const collapsing = total > COLLAPSE_ABOVE;
  const key = digest(shapeKey(graph, direction) + (collapsing ? `|open:${[...expanded].sort().join(',')}` : ''));
  try {
    let l: Layout | undefined = fresh ? undefined : cache.get(key);
    // after an edit, a shape not seen before: placed on the drawn layout when that reads well
    // (not when loops are drawn collapsed: their boxes hide their bodies)
    const kept = !l && incremental && ui.layout && !(collapsing && graph.nodes.some((n) => n.kind === 'loop')) && ui.saved.direction === direction ? placeIncrementally(ui.layout, graph, direction) : null;
    if (l) l = relabel(l, graph);
    else if (kept) l = kept;
    else if (!fresh && ui.saved.layout?.key === key) l = fromSaved(ui.saved.layout, graph);
    else {
      const t0 = performance.now();
      if (total > OWN_LAYOUT_ABOVE) l = layeredLayout(graph, direction, (loop) => collapsing && !expanded.has(loop));
      else l = await layoutGraph(elk, graph, direction);
      ui.layoutsComputed++;
      (window as unknown as { __orchestratorLayoutMs?: number }).__orchestratorLayoutMs = performance.now() - t0;
      if (seq !== ui.layoutSeq) return; // a newer graph arrived while this one was laid out
    }
    cache.set(key, l);
    (window as unknown as { __orchestratorLayouts?: number }).__orchestratorLayouts = ui.layoutsComputed;
    const unchanged = ui.layout !== null && ui.saved.layout?.key === key && ui.saved.direction === direction && sameLabels(ui.layout, l);
    ui.saved.direction = direction;
    if (ui.saved.layout?.key !== key) ui.saved.layout = toSaved(key, l);
    if (unchanged) {
      // the statuses may have changed (another document of the same shape, steps dropped)
      for (const id of ui.shown.keys()) ui.dirty.add(id);
      ui.headerDirty = true;
      ui.afterDraw();
      schedule();
      save();
      return;
    }
    const prev = ui.layout;
    ui.layout = l;
    // after an edit (placed on the drawn layout, or a shape drawn before: an undo) a patch of the DOM
    // when every node is drawn; a culled big graph draws only what is in view anyway
    if ((kept || incremental) && prev && prev.nodes.length <= CULL_ABOVE && l.nodes.length <= CULL_ABOVE) patchGraph(prev, l);
    else drawGraph(l);
    if (fitAfter || (kept && prev && newStepOutOfView(prev, kept, ui.view, graphPane.clientWidth, graphPane.clientHeight))) fit();
    else applyView();
    // turned (the pane's shape changed) with the view the person chose: the selection stays in view
    if (!fitAfter && ui.saved.selected) bringIntoView(ui.saved.selected);
    ui.afterDraw();
    schedule();
    save();
  } catch (e) {
    vscode.postMessage({ type: 'error', message: `layout failed: ${e instanceof Error ? e.message : String(e)}` });
  }
}

/** Opens a collapsed loop or closes an open one (in a graph big enough to collapse them), keeping
 * it in view and focused. */
export async function toggleLoop(id: string, open: boolean): Promise<void> {
  const graph = ui.saved.graph;
  if (!graph || graphStepIds(graph).length <= COLLAPSE_ABOVE) return;
  const node = ui.layout?.nodes.find((n) => n.id === id);
  if (!node || node.kind !== 'loop' || open === !node.hidden) return;
  ui.saved.expanded = open ? [...ui.saved.expanded, id] : ui.saved.expanded.filter((e) => e !== id);
  await relayout(false);
  bringIntoView(id);
  ui.nodeEls.get(id)?.focus();
}

function sameLabels(a: Layout, b: Layout): boolean {
  if (a.nodes.length !== b.nodes.length) return false;
  for (let i = 0; i < a.nodes.length; i++) if (a.nodes[i].label !== b.nodes[i].label || a.nodes[i].detail !== b.nodes[i].detail) return false;
  return true;
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
      case 'graph-diff':
        void onGraphDiff(msg);
        break;
      case 'notice':
        chatRefused();
        notice.hidden = false;
        notice.dataset.level = msg.level;
        notice.textContent = msg.text;
        break;
      case 'run-reset':
        notice.hidden = true;
        ui.saved.run = { ...emptyRun(), runId: msg.runId, reused: msg.reused, served: msg.served ?? null, steps: Object.fromEntries(Object.entries(ui.saved.run.steps).filter(([id]) => msg.reused.includes(id))) };
        for (const id of ui.shown.keys()) ui.dirty.add(id);
        ui.headerDirty = true;
        ui.panelDirty = true;
        forgetParts();
        // a run opened on one of its steps (an eval's cell opens its agent step, for the transcript;
        // a chat message's run, the step whose session it continues)
        {
          const chosen = chatRunStarted() ?? msg.selectStep;
          if (chosen) {
            select(chosen);
            bringIntoView(chosen);
          }
        }
        schedule();
        break;
      case 'run-events':
        onEvents(msg.events);
        break;
      case 'highlight-step': {
        const prev = ui.highlighted;
        ui.highlighted = msg.stepId;
        mark(prev, msg.stepId);
        if (msg.stepId) bringIntoView(msg.stepId);
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
        if (msg.stepId) bringIntoView(msg.stepId);
        ui.headerDirty = true;
        schedule();
        break;
      }
      case 'parts':
        partsAnswered(msg.parts);
        schedule();
        break;
      case 'chat':
        setChatTarget(msg.target, msg.ended === true);
        break;
      case 'settings':
        if (msg.direction !== ui.saved.directionSetting) {
          ui.saved.directionSetting = msg.direction;
          if (paneDirection() !== ui.saved.direction) void relayout(true);
        }
        break;
      default:
        break;
    }
  });
}
