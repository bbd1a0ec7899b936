// The pipeline panel's state, in one object: what is saved with the panel (the graph, the run, the
// selection, the view) and what is drawn from it (the laid-out graph, the nodes' elements, what
// changed since the last frame). Also the host's API and the panel's saving.
import type { GraphDocument } from '../engine/plan/graph';
import type { Layout } from './layout';
import type { SavedLayout } from './layoutCache';
import type { FromWebview, GraphDirection, GraphDirectionSetting } from './protocol';
import { emptyRun, type RunView } from './runState';

interface VsCodeApi {
  postMessage(msg: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

/** Outside VS Code (the benchmark's page) there is no host: messages go nowhere. */
export const vscode: VsCodeApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : { postMessage: (m) => (window as unknown as { __posted?: FromWebview[] }).__posted?.push(m), getState: () => undefined, setState: () => undefined };

export interface ViewBox {
  x: number;
  y: number;
  k: number;
}

/** What the panel saves (and gets back when it is shown again or reloaded). */
export interface SavedState {
  uri: string | null;
  pipelineId: string | null;
  graph: GraphDocument | null;
  problem: string | null;
  run: RunView;
  selected: string | null;
  view: ViewBox | null;
  /** The direction the graph is laid out in (the setting's, or by the pane's shape when 'AUTO'). */
  direction: GraphDirection;
  directionSetting: GraphDirectionSetting;
  /** The last layout, so a re-opened panel does not lay the graph out again. */
  layout: SavedLayout | null;
  /** The loops opened in a graph big enough to collapse them. */
  expanded: string[];
}

const saved: SavedState = {
  uri: null,
  pipelineId: null,
  graph: null,
  problem: null,
  run: emptyRun(),
  selected: null,
  view: null,
  direction: 'RIGHT',
  directionSetting: 'AUTO',
  layout: null,
  expanded: [],
  ...((vscode.getState() as Partial<SavedState> | undefined) ?? {}),
};

export const ui = {
  saved,
  /** The step the editor's cursor is on (null: none). */
  highlighted: null as string | null,
  /** The step the debugger holds the run at (null: not held). */
  paused: null as string | null,
  layout: null as Layout | null,
  /** Counts layouts: one that ends after a newer one started is dropped. */
  layoutSeq: 0,
  /** Layouts computed (not taken from the cache) since the page loaded; tests read it. */
  layoutsComputed: 0,
  /** The minimap's nodes need drawing again (a new layout or a status shown differently). */
  minimapDirty: true,
  nodeEls: new Map<string, SVGGElement>(),
  /** Nodes to update at the next frame. */
  dirty: new Set<string>(),
  frameRequested: false,
  headerDirty: true,
  panelDirty: true,
  /** What the DOM shows per node (kept as nodes change, so a report reads no attributes). */
  shown: new Map<string, string>(),
  reportDirty: true,
  lastReported: '',
  view: saved.view ?? ({ x: 0, y: 0, k: 1 } as ViewBox),
  /** True while the view is the fitted one: the panel resizing (or the step panel opening) refits
   * it; a pan or zoom by the person keeps theirs. */
  fitted: false,
  /** The critical path as the insights draw it (set once they exist). */
  criticalDrawn: (): string[] => [],
  /** Called after the graph is drawn (or found unchanged): what sits on top of it follows (gestures.ts). */
  afterDraw: (): void => undefined,
  saveTimer: null as ReturnType<typeof setTimeout> | null,
};

/** The whole state is serialized on every save: while events stream, at most twice a second (the
 * host re-sends the run so far when a panel comes back, and a hidden panel saves at once). */
const SAVE_DELAY_MS = 500;

export function saveNow(): void {
  if (ui.saveTimer) clearTimeout(ui.saveTimer);
  ui.saveTimer = null;
  vscode.setState(ui.saved);
}

export function save(): void {
  if (ui.saveTimer) return;
  ui.saveTimer = setTimeout(() => {
    ui.saveTimer = null;
    vscode.setState(ui.saved);
  }, SAVE_DELAY_MS);
}
