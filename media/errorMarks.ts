// The marks of a graph drawn with errors: each step with errors is drawn red (drawing.ts asks here
// which), and hovering or focusing it shows its errors in a tooltip beside it (line and message).
// A click on it reveals its first error's line in the editor (the host does that: client/webviewHost.ts).
import type { GraphDocument, GraphNodeError } from '../engine/plan/graph';
import { el, graphPane, nodeLayer } from './page';
import { ui } from './viewState';

let indexed: GraphDocument | null = null;
let byId = new Map<string, GraphNodeError[]>();

/** The errors of a step in the graph the panel holds (undefined: none). */
export function nodeErrors(id: string): GraphNodeError[] | undefined {
  const g = ui.saved.graph;
  if (g !== indexed) {
    indexed = g;
    byId = new Map();
    const walk = (d: GraphDocument) => d.nodes.forEach((n) => (n.errors?.length && byId.set(n.id, n.errors), n.children && walk(n.children)));
    if (g) walk(g);
  }
  return byId.get(id);
}

/** The steps with errors in a graph (to mark the nodes whose marks changed with a new graph). */
export function stepsWithErrors(g: GraphDocument | null): string[] {
  const ids: string[] = [];
  const walk = (d: GraphDocument) => d.nodes.forEach((n) => (n.errors?.length && ids.push(n.id), n.children && walk(n.children)));
  if (g) walk(g);
  return ids;
}

const plural = (n: number) => `${n} error${n === 1 ? '' : 's'}`;

/** The badge of a step with errors and no run status. */
export const errorBadge = (errors: GraphNodeError[]) => `✖ ${plural(errors.length)}`;

/** The lines of a step's errors, for its tooltip and its screen-reader label. */
export const errorLines = (errors: GraphNodeError[]) => errors.map((e) => `line ${e.range.start.line + 1}: ${e.message}`);

const tip = el('div', { class: 'error-tip', 'data-testid': 'error-tip', role: 'tooltip', hidden: '' });
let tipFor: string | null = null;

function show(node: Element | null): void {
  const id = node?.getAttribute('data-step-id') ?? null;
  const errors = id ? nodeErrors(id) : undefined;
  if (!node || !id || !errors) {
    hide();
    return;
  }
  if (tipFor !== id) {
    tipFor = id;
    tip.replaceChildren(el('div', { class: 'error-tip-title' }, `${plural(errors.length)} in ${id} (click to go to the first)`), ...errorLines(errors).map((l) => el('div', { class: 'error-tip-line' }, l)));
    tip.setAttribute('data-step-id', id);
  }
  tip.hidden = false;
  // under the node, inside the pane (above it when there is no room below)
  const pane = graphPane.getBoundingClientRect();
  const box = node.getBoundingClientRect();
  const left = Math.max(4, Math.min(box.left - pane.left, pane.width - tip.offsetWidth - 4));
  const below = box.bottom - pane.top + 6;
  const top = below + tip.offsetHeight > pane.height && box.top - pane.top > tip.offsetHeight + 6 ? box.top - pane.top - tip.offsetHeight - 6 : below;
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
}

function hide(): void {
  tipFor = null;
  tip.hidden = true;
}

/** The tooltip over the graph pane, shown while a marked node is hovered or focused. */
export function installErrorTips(): void {
  graphPane.append(tip);
  const nodeOf = (t: EventTarget | null) => (t as Element | null)?.closest?.('.node[data-error="true"]') ?? null;
  nodeLayer.addEventListener('pointerover', (e) => show(nodeOf(e.target)));
  nodeLayer.addEventListener('pointerout', (e) => {
    if (!nodeOf(e.relatedTarget)) hide();
  });
  nodeLayer.addEventListener('focusin', (e) => show(nodeOf(e.target)));
  nodeLayer.addEventListener('focusout', hide);
  // a pan or zoom moves the node from under its tooltip
  graphPane.addEventListener('wheel', hide, { passive: true });
  graphPane.addEventListener('pointerdown', (e) => {
    if (!nodeOf(e.target)) hide();
  });
}
