// The pipeline panel: the DAG laid out by ELK, live step statuses from run events, a run header with
// progress, time, tokens and cost, and a step panel with inputs, result, error and attempts. Talks
// to the extension only through the messages in protocol.ts. This entry puts the parts together:
// viewState.ts (the one state object), page.ts (the fixed parts), panZoom.ts, drawing.ts,
// stepPanel.ts, frames.ts (drawing once per frame, selection) and hostMessages.ts.
import { chatBar } from './chatInput';
import { Insights } from './insights';
import { renderHeader } from './drawing';
import { installErrorTips } from './errorMarks';
import { installNodeActivation, select, showPanel, startTick } from './frames';
import { installGestures, tidyBtn } from './gestures';
import { listenToHost, relayout, toggleLoop } from './hostMessages';
import { graphErrorsEl, header, main, nodeLayer, notice, root } from './page';
import { installPanZoom } from './panZoom';
import { statusesOf } from './runState';
import { saveNow, ui, vscode } from './viewState';
import './webview.css';

const insights = new Insights((id) => {
  select(id);
  vscode.postMessage({ type: 'reveal-step', stepId: id });
});
ui.criticalDrawn = () => insights.criticalDrawn();
root.append(header, notice, graphErrorsEl, main, insights.element, chatBar);

installPanZoom(() => void relayout(ui.fitted));
installNodeActivation();
installGestures();
installErrorTips();
// Tidy: laid out again from scratch (an edit keeps the steps where they were)
tidyBtn.addEventListener('click', () => void relayout(true, false, true));
// a loop collapsed in a big graph: + or a double click opens it, - closes it
const loopOf = (t: EventTarget | null) => (t as Element | null)?.closest?.('.node.loop')?.getAttribute('data-step-id') ?? null;
nodeLayer.addEventListener('dblclick', (e) => {
  const id = loopOf(e.target);
  if (id) void toggleLoop(id, !!ui.nodeEls.get(id)?.classList.contains('collapsed'));
});
nodeLayer.addEventListener('keydown', (e) => {
  const id = loopOf(e.target);
  if (id && (e.key === '+' || e.key === '-')) void toggleLoop(id, e.key === '+');
});
startTick();
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') saveNow();
});
listenToHost(insights);

// restored from a hidden panel or a reload: draw what was there, then ask for the current graph
if (ui.saved.graph) void relayout(!ui.saved.view);
renderHeader(Date.now());
showPanel();
vscode.postMessage({ type: 'ready' });

/** For tests and the benchmark page: the statuses the DOM shows. */
(window as unknown as { __orchestratorStatuses?: () => Record<string, string> }).__orchestratorStatuses = () => statusesOf(ui.saved.run);
/** For tests and the benchmark page: the view, the layout's node boxes and the layouts computed. */
(window as unknown as { __orchestratorView?: () => unknown }).__orchestratorView = () => ({
  view: ui.view,
  direction: ui.saved.direction,
  layoutsComputed: ui.layoutsComputed,
  width: ui.layout?.width ?? 0,
  height: ui.layout?.height ?? 0,
  nodes: ui.layout?.nodes.length ?? 0,
});
/** For tests and the benchmark page: where each step's box is, and the edges laid out. */
(window as unknown as { __orchestratorPlaces?: () => unknown }).__orchestratorPlaces = () => ({
  nodes: Object.fromEntries((ui.layout?.nodes ?? []).map((n) => [n.id, [n.x, n.y]])),
  edges: (ui.layout?.edges ?? []).map((e) => e.id),
});
