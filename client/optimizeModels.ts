// Optimize Models… (an eval file's lens, the Testing view's context menu on an eval): pick the
// candidate models (the registry's, with their prices, the providers with a key first), replay the
// eval's cassette or call the models live, and run `optimize()` (the search `orc optimize` runs) in the
// extension host behind a cancellable notification; the eval panel's optimize section draws it as it
// goes (client/optimizeProgress.ts → media/optimizeView.ts). Its Apply writes the chosen models into
// the pipeline as one WorkspaceEdit of set-model edits (client/modelEdits.ts): one Undo takes it back.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeEval, type Assignment, DatasetError, evalHasErrors, EvalInputError, modelSteps, optimize, registryOrShipped, type RegistryModel } from '../engine/api/index';
import { runFolder } from './configuration';
import type { EvalPanels } from './evalPanel';
import { evalCassetteFile } from './evalReplay';
import type { Log } from './log';
import { modelEdits } from './modelEdits';
import type { ModelAccess } from './models';
import { assignmentLabel, OptimizeProgress } from './optimizeProgress';

export const OPTIMIZE_COMMAND = 'orchestrator.optimizeModels';
/** The panel's Apply, also callable with the eval's URI. */
export const APPLY_OPTIMIZED_COMMAND = 'orchestrator.applyOptimizedModels';

/** Given instead of the quick picks (tests, other extensions). */
export interface OptimizeArgs {
  models?: string[];
  replay?: boolean;
}

/** What the command returns: the search's end, or why it did not run (null: the person dismissed a pick). */
export type OptimizeSummary = { status: string; chosen: Assignment | null; runsUsed: number; bruteForceRuns: number; trials: number } | { problem: string } | null;

interface Optimization {
  progress: OptimizeProgress;
  pipelineFile: string;
  running: boolean;
}

/** The eval an argument names: its URI (string or Uri), the Testing view's item, else the active eval editor. */
function evalUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return arg.includes('://') ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  const item = arg as { uri?: unknown } | undefined;
  if (item?.uri instanceof vscode.Uri) return item.uri;
  const d = vscode.window.activeTextEditor?.document;
  if (d && /\.eval\.ya?ml$/i.test(d.fileName)) return d.uri;
  void vscode.window.showWarningMessage('Optimize Models: open an eval file (*.eval.yaml) first.');
  return undefined;
}

const perMillion = (m: RegistryModel) => `$${m.price_in} in · $${m.price_out} out per M tokens`;

/** The candidates: every registry model, those of providers with a key first (cheapest first in each group), the pipeline's own picked. */
async function pickModels(access: ModelAccess, current: string[]): Promise<string[] | undefined> {
  const registry = registryOrShipped();
  const providers = [...new Set(registry.map((m) => m.provider))];
  const keyed = providers.filter((p) => !access.keyless(p));
  const missing = new Set(await access.unconfigured(keyed));
  const group = (m: RegistryModel) => (access.keyless(m.provider) ? 1 : missing.has(m.provider) ? 2 : 0);
  const sorted = [...registry].sort((a, b) => group(a) - group(b) || a.price_in + a.price_out - (b.price_in + b.price_out) || a.id.localeCompare(b.id));
  const titles = ['With an API key', 'Local (their server must be running)', 'No API key set'];
  const items: (vscode.QuickPickItem & { id?: string })[] = [];
  let last = -1;
  for (const m of sorted) {
    const g = group(m);
    if (g !== last) items.push({ label: titles[g], kind: vscode.QuickPickItemKind.Separator });
    last = g;
    items.push({ label: m.id, id: m.id, description: perMillion(m), picked: current.includes(m.id) });
  }
  const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Optimize Models: the candidate models', placeHolder: 'Pick the models each step may take (tried cheapest first)', matchOnDescription: true, ignoreFocusOut: true });
  return picked?.map((p) => p.id!).filter(Boolean);
}

async function pickReplay(cassette: string): Promise<boolean | undefined> {
  if (!existsSync(cassette)) return false;
  const replay = { label: `Replay ${path.basename(cassette)}`, description: 'offline, free: every call answered from the cassette' };
  const live = { label: 'Live', description: 'call the models (costs what the runs cost)' };
  const picked = await vscode.window.showQuickPick([replay, live], { title: 'Optimize Models: how to run the cases', ignoreFocusOut: true });
  return picked ? picked === replay : undefined;
}

export function registerOptimizeModels(context: vscode.ExtensionContext, panels: EvalPanels, access: ModelAccess, log: Log): void {
  const optimizations = new Map<string, Optimization>();
  const post = (uri: vscode.Uri, o: Optimization) => panels.optimize(uri, o.progress.message());

  const run = async (arg?: unknown, given?: OptimizeArgs): Promise<OptimizeSummary> => {
    const uri = evalUri(arg);
    if (!uri) return null;
    const name = path.basename(uri.fsPath);
    const problem = (text: string) => {
      void vscode.window.showWarningMessage(`Optimize Models: ${text}`);
      return { problem: text };
    };
    if (optimizations.get(uri.toString())?.running) return problem(`${name} is being optimized already: cancel it from its notification first.`);
    const evalText = (await vscode.workspace.openTextDocument(uri)).getText();
    const analysis = analyzeEval(evalText, uri.fsPath);
    if (evalHasErrors(analysis) || !analysis.pipeline?.pipeline) return problem(`${name} does not compile: fix its errors (Problems view) first.`);
    const pipeline = analysis.pipeline.pipeline;
    const current = [...new Set(modelSteps(pipeline.steps).map((s) => s.model ?? pipeline.model).filter((m): m is string => !!m))];
    const candidates = given?.models ?? (await pickModels(access, current));
    if (!candidates?.length) return null;
    const cassette = evalCassetteFile(uri.fsPath);
    const replay = given?.replay ?? (await pickReplay(cassette));
    if (replay === undefined) return null;
    if (replay && !existsSync(cassette)) return problem(`there is no cassette ${path.basename(cassette)} to replay: record one with \`orc eval ${name} --record\`.`);

    const progress = new OptimizeProgress(analysis.eval!.threshold, replay);
    const o: Optimization = { progress, pipelineFile: analysis.eval!.pipeline, running: true };
    optimizations.set(uri.toString(), o);
    post(uri, o);
    // at most one post per 100 ms while it runs; the last always goes
    let timer: NodeJS.Timeout | null = null;
    const soon = () => (timer ??= setTimeout(() => {
      timer = null;
      post(uri, o);
    }, 100));
    const services = await access.forRun();
    log.line(`optimize ${name}: ${candidates.join(', ')}${replay ? ' (replay)' : ''}`);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Optimize Models: ${name}`, cancellable: true }, async (bar, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        try {
          const outcome = await optimize({
            root: runFolder(uri),
            analysis,
            evalText,
            models: services.models,
            candidates,
            cassette: replay ? { mode: 'replay', file: cassette } : undefined,
            registry: registryOrShipped(),
            signal: abort.signal,
            onEvent: (e) => {
              progress.event(e);
              const m = progress.message();
              if (e.kind !== 'run') bar.report({ message: `${m.detail ? `${m.detail} · ` : ''}runs ${m.runsUsed} of brute force ${m.bruteForceRuns}` });
              soon();
            },
          });
          progress.finish(outcome);
          log.line(`optimize ${name}: ${outcome.stopped ?? 'completed'}, ${outcome.runs_used} runs of ${outcome.brute_force_runs}, chosen ${outcome.chosen ? assignmentLabel(outcome.chosen.assignment) : 'none'}`);
          return { status: outcome.stopped ?? 'completed', chosen: outcome.chosen?.assignment ?? null, runsUsed: outcome.runs_used, bruteForceRuns: outcome.brute_force_runs, trials: outcome.trials.length };
        } catch (e) {
          if (!(e instanceof EvalInputError || e instanceof DatasetError)) log.line(`optimize ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          progress.fail(e instanceof Error ? e.message : String(e));
          return problem(e instanceof Error ? e.message : String(e));
        }
      });
    } finally {
      if (timer) clearTimeout(timer);
      o.running = false;
      post(uri, o);
    }
  };

  /** Apply: the chosen models written into the pipeline as one edit; the panel lists the model lines changed. */
  const apply = async (arg?: unknown): Promise<{ changed: string[] } | { problem: string } | null> => {
    const uri = evalUri(arg);
    const o = uri && optimizations.get(uri.toString());
    const chosen = o?.progress.chosen();
    if (!uri || !o || o.running || !chosen) {
      void vscode.window.showWarningMessage('Optimize Models: there is no finished optimization with a chosen assignment to apply.');
      return null;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(o.pipelineFile));
    const made = modelEdits(doc.getText(), chosen);
    let result: { changed: string[] } | { problem: string };
    if (!made.ok) result = { problem: `Apply: ${made.reason}; ${path.basename(o.pipelineFile)} is unchanged` };
    else if (!made.edits.length) result = { changed: [] };
    else {
      const edit = new vscode.WorkspaceEdit();
      for (const e of made.edits) edit.replace(doc.uri, new vscode.Range(e.start.line, e.start.character, e.end.line, e.end.character), e.newText);
      result = (await vscode.workspace.applyEdit(edit)) ? { changed: made.changed } : { problem: `Apply: the editor refused the edit; ${path.basename(o.pipelineFile)} is unchanged` };
      // where the eval file is (the panel stays in view beside it), else the first group
      const column = vscode.window.visibleTextEditors.find((ed) => ed.document.uri.toString() === uri.toString())?.viewColumn ?? vscode.ViewColumn.One;
      if ('changed' in result) await vscode.window.showTextDocument(doc, { preview: false, viewColumn: column });
    }
    if ('problem' in result) {
      o.progress.applied(null, result.problem);
      void vscode.window.showWarningMessage(`Optimize Models: ${result.problem}`);
    } else {
      o.progress.applied(result.changed, null);
      log.line(`optimize apply ${path.basename(o.pipelineFile)}: ${result.changed.join('; ') || 'nothing to change'}`);
    }
    post(uri, o);
    return result;
  };

  panels.onOptimizeApply = (uri) => void apply(uri);
  context.subscriptions.push(vscode.commands.registerCommand(OPTIMIZE_COMMAND, run), vscode.commands.registerCommand(APPLY_OPTIMIZED_COMMAND, apply));
}
