// Every change is drawn once per animation frame: the nodes that changed, the header, the step
// panel; then, when what the DOM shows changed, a `rendered` report to the host. Also the selection
// (a click or Enter on a node) and the second's tick of running timers.
import { onMarginDrawn, renderHeader, updateNode } from './drawing';
import { drawMinimap } from './minimap';
import { nodeLayer } from './page';
import { renderPanel } from './stepPanel';
import { save, ui, vscode } from './viewState';

export function schedule(): void {
  if (ui.frameRequested) return;
  ui.frameRequested = true;
  requestAnimationFrame(frame);
}

// nodes drawn into a big graph's margin after a pan get their badges in the next frame
onMarginDrawn(schedule);

function frame(): void {
  ui.frameRequested = false;
  const now = Date.now();
  for (const id of ui.dirty) updateNode(id, now);
  const changed = ui.dirty.size > 0;
  ui.dirty.clear();
  if (ui.headerDirty) renderHeader(now);
  if (ui.panelDirty) showPanel();
  if (ui.minimapDirty) drawMinimap();
  ui.headerDirty = false;
  ui.panelDirty = false;
  if (changed || ui.layout) report();
}

/** The step panel of the selected step; its close button clears the selection. */
export function showPanel(): void {
  renderPanel(() => select(null));
}

/** Posts `rendered` when what the DOM shows changed: after a render and after each applied batch. */
export function report(): void {
  const s = ui.saved;
  const critical = ui.criticalDrawn();
  // every step of the graph, drawn or not (out of view, in a collapsed loop): what it shows or would
  const nodes = ui.layout ? ui.shown.size : ui.nodeEls.size;
  const key = `${s.uri}\n${s.run.runId}\n${nodes}\n${critical.join(',')}`;
  if (!ui.reportDirty && key === ui.lastReported) return;
  ui.reportDirty = false;
  ui.lastReported = key;
  const statuses: Record<string, string> = {};
  for (const [id, status] of ui.shown) statuses[id] = status;
  // the held step as the DOM shows it (a held step is brought into view, so it is drawn)
  const held = nodeLayer.querySelector('.node[data-paused="true"]')?.getAttribute('data-step-id') ?? null;
  vscode.postMessage({ type: 'rendered', uri: s.uri, runId: s.run.runId, nodes, statuses, paused: held, critical });
}

export function select(id: string | null): void {
  const prev = ui.saved.selected;
  ui.saved.selected = id;
  if (prev) ui.dirty.add(prev);
  if (id) ui.dirty.add(id);
  ui.panelDirty = true;
  schedule();
  save();
}

function activate(target: EventTarget | null): boolean {
  const g = (target as Element | null)?.closest?.('.node');
  const id = g?.getAttribute('data-step-id');
  if (!id) return false;
  select(id);
  vscode.postMessage({ type: 'reveal-step', stepId: id });
  return true;
}

/** A click, Enter or Space on a node selects it and reveals its step in the editor. */
export function installNodeActivation(): void {
  nodeLayer.addEventListener('click', (e) => {
    if (activate(e.target)) e.stopPropagation();
  });
  nodeLayer.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && activate(e.target)) e.preventDefault();
  });
}

/** A second's tick for running timers and the elapsed time. */
export function startTick(): void {
  setInterval(() => {
    if (ui.saved.run.status !== 'running') return;
    for (const [id, s] of Object.entries(ui.saved.run.steps)) if (s.status === 'running') ui.dirty.add(id);
    ui.headerDirty = true;
    schedule();
  }, 1000);
}
