// The graph editor's commands: in the palette, in the panel's context menu on a node or an edge, and
// behind the panel's keys. Each asks what it lacks with a quick pick or an input box (so all of it
// works from the keyboard), then makes one edit through GraphEditor. Rename goes through the language
// server's rename, so every reference follows as with F2. Those questions stay open when the focus
// moves (ignoreFocusOut): started from the panel, the panel takes the focus back a moment later (its
// context menu closing), which closed the question before a person could type.
import * as vscode from 'vscode';
import { analyze, BUILTIN_ACTIONS, TOOL_SPECS, type EditOperation, type GraphDocument, type GraphNode } from '../engine/api/index';
import type { GraphCommand, GraphMenuContext } from '../media/protocol';
import type { EditOutcome, GraphEditor } from './graphEdits';
import { LANGUAGE_ID } from './languageClient';
import { innermostAt } from './stepAt';
import type { WebviewHost } from './webviewHost';

export const GRAPH_COMMAND_IDS: Record<GraphCommand, string> = {
  addStep: 'orchestrator.graph.addStep',
  connect: 'orchestrator.graph.connect',
  disconnect: 'orchestrator.graph.disconnect',
  renameStep: 'orchestrator.graph.renameStep',
  removeStep: 'orchestrator.graph.removeStep',
  duplicateStep: 'orchestrator.graph.duplicateStep',
  moveIntoLoop: 'orchestrator.graph.moveIntoLoop',
  moveOutOfLoop: 'orchestrator.graph.moveOutOfLoop',
  reorderStep: 'orchestrator.graph.reorderStep',
};

type GraphOf = (uri: vscode.Uri) => Promise<{ graph: GraphDocument | null }>;

/** Every step of a graph with the list it stands in (the loop that holds it; null: the top level). */
function allSteps(g: GraphDocument, owner: string | null = null): { node: GraphNode; owner: string | null; list: GraphNode[] }[] {
  return g.nodes.flatMap((n) => [{ node: n, owner, list: g.nodes }, ...(n.children ? allSteps(n.children, n.id) : [])]);
}

const isContext = (a: unknown): a is Partial<GraphMenuContext> & { webview?: string } => typeof a === 'object' && a !== null && !(a instanceof vscode.Uri) && ('webviewSection' in a || 'stepId' in a);

/** The document and the step a command is about: from the panel's menu, the arguments, the cursor, or the panel's selection. */
function target(arg: unknown, step: unknown, host: WebviewHost): { uri: vscode.Uri | undefined; stepId: string | undefined; ctx: Partial<GraphMenuContext> } {
  if (isContext(arg)) return { uri: arg.uri ? vscode.Uri.parse(arg.uri) : host.activePanelUri(), stepId: arg.stepId, ctx: arg };
  let uri: vscode.Uri | undefined;
  if (arg instanceof vscode.Uri) uri = arg;
  else if (typeof arg === 'string' && arg) uri = arg.includes('://') ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  const editor = vscode.window.activeTextEditor;
  const panel = host.activePanelUri();
  if (!uri) uri = panel ?? (editor && (editor.document.languageId === LANGUAGE_ID || /\.ya?ml$/i.test(editor.document.fileName)) ? editor.document.uri : undefined);
  return { uri, stepId: typeof step === 'string' ? step : undefined, ctx: {} };
}

export function registerGraphCommands(context: vscode.ExtensionContext, host: WebviewHost, editor: GraphEditor, graphOf: GraphOf): void {
  const reg = (name: GraphCommand, fn: (uri: vscode.Uri, stepId: string | undefined, rest: unknown[], ctx: Partial<GraphMenuContext>) => Promise<EditOutcome | undefined>) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(GRAPH_COMMAND_IDS[name], async (arg?: unknown, step?: unknown, ...rest: unknown[]) => {
        const t = target(arg, step, host);
        if (!t.uri) {
          void vscode.window.showWarningMessage('Open a pipeline (*.pipeline.yaml) or its graph first.');
          return undefined;
        }
        return fn(t.uri, t.stepId, rest, t.ctx);
      }),
    );

  const graph = async (uri: vscode.Uri): Promise<GraphDocument | undefined> => {
    const g = (await graphOf(uri)).graph;
    if (!g) void vscode.window.showWarningMessage('The pipeline has errors: fix them before editing it through the graph.');
    return g ?? undefined;
  };

  /** The step given, else a pick whose first item is the step under the editor's cursor (or selected in the panel): Enter takes it. */
  const stepOf = async (uri: vscode.Uri, g: GraphDocument, given: string | undefined, title: string, filter: (s: ReturnType<typeof allSteps>[number]) => boolean = () => true): Promise<string | undefined> => {
    if (given) return given;
    const steps = allSteps(g).filter(filter);
    const panelHas = host.activePanelUri()?.toString() === uri.toString();
    const likely = (panelHas ? host.selectedStep(uri) : undefined) ?? cursorStep(uri, g);
    const i = steps.findIndex((s) => s.node.id === likely);
    if (i > 0) steps.unshift(...steps.splice(i, 1));
    return pickStep(steps, title, i >= 0 ? (panelHas ? 'selected in the graph' : 'at the cursor') : undefined);
  };

  reg('addStep', async (uri, stepId) => {
    const g = await graph(uri);
    if (!g) return undefined;
    const after = stepId ?? (host.activePanelUri()?.toString() === uri.toString() ? host.selectedStep(uri) : undefined) ?? cursorStep(uri, g);
    const items = actionItems();
    const picked = await vscode.window.showQuickPick(items, { title: after ? `Add a step after '${after}'` : 'Add a step at the end of the pipeline', placeHolder: 'Search the tools and actions', matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true });
    if (!picked) return undefined;
    const taken = new Set(allSteps(g).map((s) => s.node.id));
    let id = picked.action;
    for (let k = 2; taken.has(id); k++) id = `${picked.action}_${k}`;
    const chosen = await vscode.window.showInputBox({ title: `The new ${picked.label} step's id`, value: id, validateInput: (v) => validId(v, taken), ignoreFocusOut: true });
    if (!chosen) return undefined;
    return editor.apply(uri, { op: 'add-step', id: chosen, tool: picked.tool, action: picked.action, after: after ?? null });
  });

  reg('connect', async (uri, stepId, rest, ctx) => {
    const given = { from: ctx.from ?? stepId, to: ctx.to ?? (typeof rest[0] === 'string' ? rest[0] : undefined) };
    if (given.from && given.to) return editor.apply(uri, { op: 'connect', from: given.from, to: given.to });
    const g = await graph(uri);
    if (!g) return undefined;
    const from = ctx.from ?? (await stepOf(uri, g, stepId, 'Connect: which step comes first?'));
    if (!from) return undefined;
    const list = allSteps(g).find((s) => s.node.id === from)?.list ?? [];
    const to = ctx.to ?? (typeof rest[0] === 'string' ? rest[0] : await pickStep(allSteps(g).filter((s) => s.list === list && s.node.id !== from), `Connect: which step waits for '${from}'?`));
    if (!to) return undefined;
    return editor.apply(uri, { op: 'connect', from, to });
  });

  reg('disconnect', async (uri, stepId, rest, ctx) => {
    let from = ctx.from ?? stepId;
    let to = ctx.to ?? (typeof rest[0] === 'string' ? rest[0] : undefined);
    if (!from || !to) {
      const g = await graph(uri);
      if (!g) return undefined;
      const edges = allEdges(g).filter((e) => e.kind === 'explicit' || e.kind === 'implied');
      const picked = await vscode.window.showQuickPick(
        edges.map((e) => ({ label: `${e.from} → ${e.to}`, description: e.kind === 'implied' ? 'implied by a template' : undefined, from: e.from, to: e.to })),
        { title: 'Disconnect which dependency?', ignoreFocusOut: true },
      );
      if (!picked) return undefined;
      from = picked.from;
      to = picked.to;
    }
    return editor.apply(uri, { op: 'disconnect', from, to });
  });

  reg('renameStep', async (uri, stepId) => {
    const g = await graph(uri);
    if (!g) return undefined;
    const id = await stepOf(uri, g, stepId, 'Rename which step?');
    if (!id) return undefined;
    const doc = await vscode.workspace.openTextDocument(uri);
    const a = analyze(doc.getText());
    const def = a.references.find((r) => r.stepId === id && r.kind === 'definition');
    if (!def) return undefined;
    const taken = new Set(allSteps(g).map((s) => s.node.id));
    const newId = await vscode.window.showInputBox({ title: `Rename step '${id}'`, value: id, validateInput: (v) => (v === id ? null : validId(v, taken)), ignoreFocusOut: true });
    if (!newId || newId === id) return undefined;
    // the language server's rename (the one F2 uses): every reference follows, one edit
    const position = new vscode.Position(def.range.start.line, def.range.start.character);
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit | undefined>('vscode.executeDocumentRenameProvider', uri, position, newId);
    if (!edit || !(await vscode.workspace.applyEdit(edit))) return { made: false, reason: `'${id}' could not be renamed` };
    void host.refreshGraph(uri);
    const outcome: EditOutcome = { made: true, summary: `renamed step '${id}' to '${newId}'` };
    editor.last = outcome;
    host.notice(uri, 'info', `Renamed step '${id}' to '${newId}'. Ctrl+Z in the editor undoes it.`);
    return outcome;
  });

  const simple = (name: GraphCommand, title: string, op: (id: string) => EditOperation, filter?: (s: ReturnType<typeof allSteps>[number]) => boolean) =>
    reg(name, async (uri, stepId) => {
      if (stepId) return editor.apply(uri, op(stepId));
      const g = await graph(uri);
      if (!g) return undefined;
      const id = await stepOf(uri, g, stepId, title, filter);
      return id ? editor.apply(uri, op(id)) : undefined;
    });
  simple('removeStep', 'Remove which step?', (id) => ({ op: 'remove-step', id }));
  simple('duplicateStep', 'Duplicate which step?', (id) => ({ op: 'duplicate-step', id }));
  simple('moveOutOfLoop', 'Move which step out of its loop?', (id) => ({ op: 'move-out', id }), (s) => s.owner !== null);

  reg('moveIntoLoop', async (uri, stepId, rest) => {
    if (stepId && typeof rest[0] === 'string') return editor.apply(uri, { op: 'move-into', loop: rest[0], id: stepId });
    const g = await graph(uri);
    if (!g) return undefined;
    const id = await stepOf(uri, g, stepId, 'Move which step into a loop?', (s) => s.list.some((n) => n.kind === 'loop' && n.id !== s.node.id));
    if (!id) return undefined;
    const list = allSteps(g).find((s) => s.node.id === id)!.list;
    const loop = typeof rest[0] === 'string' ? rest[0] : await pickStep(allSteps(g).filter((s) => s.list === list && s.node.kind === 'loop' && s.node.id !== id), `Move '${id}' into which loop?`);
    return loop ? editor.apply(uri, { op: 'move-into', loop, id }) : undefined;
  });

  reg('reorderStep', async (uri, stepId, rest) => {
    if (stepId && typeof rest[0] === 'string') return editor.apply(uri, { op: 'reorder', id: stepId, before: rest[0] });
    const g = await graph(uri);
    if (!g) return undefined;
    const id = await stepOf(uri, g, stepId, 'Move which step?');
    if (!id) return undefined;
    const list = allSteps(g).find((s) => s.node.id === id)!.list;
    const before = typeof rest[0] === 'string' ? rest[0] : await pickStep(allSteps(g).filter((s) => s.list === list && s.node.id !== id), `Move '${id}' before which step?`);
    return before ? editor.apply(uri, { op: 'reorder', id, before }) : undefined;
  });
}

function validId(v: string, taken: Set<string>): string | null {
  if (taken.has(v)) return `A step '${v}' already exists`;
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(v) ? null : 'A step id is a letter or _, then letters, digits, _ or -';
}

function cursorStep(uri: vscode.Uri, g: GraphDocument): string | undefined {
  const ed = vscode.window.activeTextEditor;
  if (ed?.document.uri.toString() !== uri.toString()) return undefined;
  return innermostAt(g, ed.selection.active.line, ed.selection.active.character)?.id;
}

async function pickStep(steps: { node: GraphNode; owner: string | null }[], title: string, firstIs?: string): Promise<string | undefined> {
  if (!steps.length) {
    void vscode.window.showInformationMessage(`${title} There is no step to choose.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    steps.map((s, i) => ({ label: s.node.id, description: [[s.node.tool, s.node.action].filter(Boolean).join('.') || s.node.kind, i === 0 && firstIs ? `(${firstIs})` : ''].filter(Boolean).join(' '), detail: s.owner ? `in the loop '${s.owner}'` : undefined })),
    { title, matchOnDescription: true, ignoreFocusOut: true },
  );
  return picked?.label;
}

function allEdges(g: GraphDocument): GraphDocument['edges'] {
  return [...g.edges, ...g.nodes.flatMap((n) => (n.children ? allEdges(n.children) : []))];
}

/** The palette of actions: the built-in ones, then every tool's, with their required parameters. */
function actionItems(): (vscode.QuickPickItem & { tool: string | null; action: string })[] {
  const required = (p: Record<string, { required?: boolean; aliasOf?: string }>) =>
    Object.entries(p)
      .filter(([, s]) => s.required && !s.aliasOf)
      .map(([k]) => k);
  const item = (tool: string | null, action: string, spec: { description: string; parameters: Record<string, { required?: boolean; aliasOf?: string }> }) => {
    const req = required(spec.parameters);
    return { label: tool ? `${tool}.${action}` : action, description: spec.description, detail: req.length ? `needs ${req.join(', ')}` : undefined, tool, action };
  };
  return [...Object.entries(BUILTIN_ACTIONS).map(([a, s]) => item(null, a, s)), ...Object.values(TOOL_SPECS).flatMap((t) => Object.entries(t.actions).map(([a, s]) => item(t.name, a, s)))];
}

