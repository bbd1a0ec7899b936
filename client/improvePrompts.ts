// Improve Prompts… (the palette, an eval file's lens, its editor title and context menus, the Testing
// view's context menu on an eval): pick the model steps whose prompts to search, the evals and the
// budget allowed, replay the search's cassette or call the models live, and run `improvePrompts()`
// (the search `orc improve` runs) in the extension host behind a cancellable notification; the panel
// (client/improvePanel.ts → media/improveView.ts) draws its candidates as they come. A point opens
// that candidate's prompts as a diff against the pipeline (a virtual document of its own scheme,
// made with the engine's promptEdits); the chosen one's diff opens by itself when the search ends.
// Apply writes the chosen prompts as one WorkspaceEdit (one Undo takes it back), refused when the
// pipeline changed since the search started. The Runs view lists the searches' records and reopens
// their panels (client/improveRecords.ts).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeEval, evalHasErrors, type ImproveCandidate, improveCassetteFile, type ImproveResult, improvePrompts, modelSteps, promptEdits, type TextEdit } from '../engine/api/index';
import { runFolder } from './configuration';
import { ImprovePanels, type ImproveRendered } from './improvePanel';
import { ImproveProgress, progressLine, sameHash, withEdits } from './improvePanelState';
import type { Log } from './log';
import type { ModelAccess } from './models';
import { canRun } from './trust';

export const IMPROVE_COMMANDS = {
  improve: 'orchestrator.improvePrompts',
  /** The panel's Apply, also callable with the eval's URI. */
  apply: 'orchestrator.improvePrompts.apply',
  /** The Runs view's record: its panel reopened (not in the palette). */
  open: 'orchestrator.improvePrompts.open',
  /** A candidate's diff against the pipeline (the panel's points; not in the palette). */
  diff: 'orchestrator.improvePrompts.diff',
  /** Hidden: what the panel of an eval shows (the in-host tests read it). */
  state: 'orchestrator.improvePrompts.state',
  /** Hidden: the notification's Cancel, from code (other extensions, tests). */
  cancel: 'orchestrator.improvePrompts.cancel',
} as const;

/** The candidates' virtual documents: `orchestrator-improve:/NAME.pipeline.yaml?{eval,id}`. */
export const IMPROVE_SCHEME = 'orchestrator-improve';

/** Given instead of the quick picks (tests, other extensions). */
export interface ImproveArgs {
  steps?: string[];
  maxEvals?: number;
  budgetUsd?: number;
  replay?: boolean;
}

/** What the command returns: the search's end, or why it did not run (null: the person dismissed a pick). */
export type ImproveSummary = { improveId: string; status: string; stopped: string; chosen: string | null; evals: number; calls: number; cost_usd: number; train: ImproveResult['train'] | null; validation: ImproveResult['validation'] | null } | { problem: string } | null;

interface Improvement {
  evalUri: vscode.Uri;
  progress: ImproveProgress;
  pipelineFile: string;
  /** The pipeline's hash when the search read it (the result's; null until it ends). */
  pipelineHash: string | null;
  running: boolean;
  /** The running search's signal (the notification's Cancel aborts it). */
  abort: AbortController | null;
}

/** The eval an argument names: its URI (string or Uri), the Testing view's item, else the active eval editor, else a pick of the workspace's evals. */
async function evalUri(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return arg.includes('://') ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  const item = arg as { uri?: unknown } | undefined;
  if (item?.uri instanceof vscode.Uri) return item.uri;
  const d = vscode.window.activeTextEditor?.document;
  if (d && /\.eval\.ya?ml$/i.test(d.fileName)) return d.uri;
  const evals = await vscode.workspace.findFiles('**/*.eval.{yaml,yml}', '**/{node_modules,.orchestrator}/**', 200);
  if (!evals.length) {
    void vscode.window.showWarningMessage('Improve Prompts: there is no eval file (*.eval.yaml) in the workspace to improve against.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    evals.sort((a, b) => a.fsPath.localeCompare(b.fsPath)).map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(path.dirname(u.fsPath)), uri: u })),
    { title: 'Improve Prompts: against which eval?', ignoreFocusOut: true },
  );
  return picked?.uri;
}

async function pickSteps(all: string[]): Promise<string[] | undefined> {
  if (all.length <= 1) return all;
  const picked = await vscode.window.showQuickPick(
    all.map((s) => ({ label: s, picked: true })),
    { canPickMany: true, title: 'Improve Prompts: the steps whose prompts to search', placeHolder: 'Every model step is picked; untick the ones to keep as they are', ignoreFocusOut: true },
  );
  return picked?.map((p) => p.label);
}

async function askNumber(title: string, prompt: string, value: string, valid: (n: number) => boolean, problem: string): Promise<number | null | undefined> {
  const text = await vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: (v) => (v.trim() === '' || (Number.isFinite(Number(v)) && valid(Number(v))) ? undefined : problem) });
  if (text === undefined) return undefined;
  return text.trim() === '' ? null : Number(text);
}

async function pickReplay(cassette: string): Promise<boolean | undefined> {
  if (!existsSync(cassette)) return false;
  const replay = { label: `Replay ${path.basename(cassette)}`, description: 'offline, free: every call answered from the cassette' };
  const live = { label: 'Live', description: 'call the models (costs what the evals and the reflection cost)' };
  const picked = await vscode.window.showQuickPick([replay, live], { title: 'Improve Prompts: how to run the search', ignoreFocusOut: true });
  return picked ? picked === replay : undefined;
}

/** The record of a finished search (`.orchestrator/improve/ID/`, engine/improve/records.ts): its result, its
 * candidates (candidates.jsonl, figured on the train cases of meta.json), its eval, whether it replayed. */
export function readImproveRecord(dir: string): { result: ImproveResult; candidates: ImproveCandidate[]; evalFile: string | null; replay: boolean; maxEvals: number | null } | { problem: string } {
  const file = path.join(dir, 'result.json');
  if (!existsSync(file)) return { problem: `the search ${path.basename(dir)} has no result (it is running, or it was stopped before it ended)` };
  try {
    const result = JSON.parse(readFileSync(file, 'utf8')) as ImproveResult;
    const metaFile = path.join(dir, 'meta.json');
    const meta = existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as { eval_file?: string; cassette?: string | null; train?: string[]; max_evals?: number | null }) : {};
    const train = meta.train ?? [];
    const candidates: ImproveCandidate[] = [];
    const lines = path.join(dir, 'candidates.jsonl');
    if (existsSync(lines) && train.length) {
      for (const l of readFileSync(lines, 'utf8').split('\n')) {
        if (!l.trim()) continue;
        const c = JSON.parse(l) as { id: string; parent: string | null; prompts: Record<string, string>; results: Record<string, boolean>; cost_usd: number };
        const ran = train.filter((x) => x in c.results);
        const passed = ran.filter((x) => c.results[x]).length;
        candidates.push({ id: c.id, parent: c.parent, steps: c.prompts, train_pass_rate: ran.length ? passed / ran.length : 0, train_passed: passed, train_cases: ran.length, cost_usd: c.cost_usd });
      }
    }
    // meta.json names the eval relative to the folder holding .orchestrator/ (DIR is ROOT/.orchestrator/improve/ID)
    const root = path.dirname(path.dirname(path.dirname(dir)));
    return { result: { ...result, dir: result.dir ?? dir }, candidates, evalFile: meta.eval_file ? path.resolve(root, meta.eval_file) : null, replay: meta.cassette === 'replay', maxEvals: typeof meta.max_evals === 'number' ? meta.max_evals : null };
  } catch (e) {
    return { problem: `the record ${path.basename(dir)} cannot be read: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function registerImprovePrompts(context: vscode.ExtensionContext, access: ModelAccess, log: Log): ImprovePanels {
  const panels = new ImprovePanels(context.extensionUri);
  const improvements = new Map<string, Improvement>();
  const post = (o: Improvement) => panels.post(o.evalUri, o.progress.message());

  /** The candidate's document: the pipeline as it is now with the candidate's prompts written in. */
  const candidateUri = (o: Improvement, id: string) => vscode.Uri.from({ scheme: IMPROVE_SCHEME, path: `/${id}/${path.basename(o.pipelineFile)}`, query: JSON.stringify({ eval: o.evalUri.toString(), id }) });
  const pipelineText = async (file: string) => (await vscode.workspace.openTextDocument(vscode.Uri.file(file))).getText();
  const provider: vscode.TextDocumentContentProvider = {
    async provideTextDocumentContent(uri) {
      const q = JSON.parse(uri.query) as { eval: string; id: string };
      const o = improvements.get(q.eval);
      const prompts = o?.progress.prompts(q.id);
      if (!o || !prompts) return `# the candidate ${q.id} is no longer known: run Improve Prompts… again`;
      const text = await pipelineText(o.pipelineFile);
      try {
        return withEdits(text, promptEdits(text, o.progress.changedPrompts(q.id) ?? prompts));
      } catch (e) {
        return `# the prompts of ${q.id} cannot be written into ${path.basename(o.pipelineFile)}: ${e instanceof Error ? e.message : String(e)}\n${text}`;
      }
    },
  };

  /** Opens a candidate's diff: the pipeline file on the left, the file with its prompts on the right. */
  const diff = async (arg?: unknown, id?: unknown): Promise<{ left: string; right: string } | null> => {
    const uri = await evalUri(arg);
    const o = uri && improvements.get(uri.toString());
    const candidate = typeof id === 'string' ? id : o?.progress.chosen();
    if (!o || !candidate || !o.progress.prompts(candidate)) {
      void vscode.window.showWarningMessage('Improve Prompts: there is no such candidate to show.');
      return null;
    }
    const left = vscode.Uri.file(o.pipelineFile);
    const right = candidateUri(o, candidate);
    const point = o.progress.message().points.find((p) => p.id === candidate);
    const rate = point ? ` (train ${(point.train_pass_rate * 100).toFixed(point.train_pass_rate === 1 || point.train_pass_rate === 0 ? 0 : 1)} %)` : '';
    await vscode.commands.executeCommand('vscode.diff', left, right, `${path.basename(o.pipelineFile)} ↔ ${candidate}${rate}${candidate === o.progress.chosen() ? ', chosen' : ''}`, { preview: true, preserveFocus: false, viewColumn: vscode.ViewColumn.One });
    return { left: left.toString(), right: right.toString() };
  };

  const run = async (arg?: unknown, given?: ImproveArgs): Promise<ImproveSummary> => {
    const uri = await evalUri(arg);
    if (!uri) return null;
    const name = path.basename(uri.fsPath);
    const problem = (text: string) => {
      void vscode.window.showWarningMessage(`Improve Prompts: ${text}`);
      return { problem: text };
    };
    if (improvements.get(uri.toString())?.running) return problem(`${name} is being searched already: cancel it from its notification first.`);
    // the search calls models the workspace's files direct, with the user's keys
    let untrusted = '';
    if (!canRun((reason) => (untrusted = reason))) return { problem: untrusted };
    const evalText = (await vscode.workspace.openTextDocument(uri)).getText();
    const analysis = analyzeEval(evalText, uri.fsPath);
    if (evalHasErrors(analysis) || !analysis.pipeline?.pipeline || !analysis.eval) return problem(`${name} does not compile: fix its errors (Problems view) first.`);
    const all = [...new Set(modelSteps(analysis.pipeline.pipeline.steps).map((s) => s.id))];
    if (!all.length) return problem(`the pipeline of ${name} has no model step whose prompt could be improved.`);
    const steps = given?.steps ?? (await pickSteps(all));
    if (!steps?.length) return null;
    const maxEvals = given && 'maxEvals' in given ? given.maxEvals : await askNumber('Improve Prompts: at most how many case runs?', 'The search stops after this many case runs (empty: no limit but the budget)', '150', (n) => Number.isInteger(n) && n > 0, 'a whole number above 0');
    if (maxEvals === undefined && !(given && 'maxEvals' in given)) return null;
    const budgetUsd = given && 'budgetUsd' in given ? given.budgetUsd : await askNumber('Improve Prompts: budget in USD', 'The search stops before its calls and evals cost more (empty: no budget)', '1.00', (n) => n > 0, 'an amount above 0, like 0.50');
    if (budgetUsd === undefined && !(given && 'budgetUsd' in given)) return null;
    const cassette = improveCassetteFile(uri.fsPath);
    const replay = given?.replay ?? (await pickReplay(cassette));
    if (replay === undefined) return null;
    if (replay && !existsSync(cassette)) return problem(`there is no cassette ${path.basename(cassette)} to replay: record one with \`orc improve ${name} --record\`.`);

    const pipelineFile = analysis.eval.pipeline;
    const o: Improvement = { evalUri: uri, progress: new ImproveProgress(name, path.basename(pipelineFile), replay), pipelineFile, pipelineHash: null, running: true, abort: new AbortController() };
    improvements.set(uri.toString(), o);
    post(o);
    // at most one post per 100 ms while it runs; the last always goes
    let timer: NodeJS.Timeout | null = null;
    const soon = () => (timer ??= setTimeout(() => {
      timer = null;
      post(o);
    }, 100));
    log.line(`improve ${name}: steps ${steps.join(', ')}, max evals ${maxEvals ?? 'none'}, budget ${budgetUsd ?? 'none'}${replay ? ' (replay)' : ''}`);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Improve Prompts: ${name}`, cancellable: true }, async (bar, token) => {
        const abort = o.abort!;
        token.onCancellationRequested(() => abort.abort());
        try {
          const result = await improvePrompts({
            root: runFolder(uri),
            evalFile: uri.fsPath,
            steps,
            ...(maxEvals != null ? { maxEvals } : {}),
            ...(budgetUsd != null ? { budgetUsd } : {}),
            ...(replay ? { cassette: 'replay' as const } : {}),
            // the editor's model runner: the keys stored by Set API Key, the base URLs of the settings
            models: (await access.forRun()).models,
            signal: abort.signal,
            onEvent: (e) => {
              o.progress.event(e);
              if (e.kind === 'candidate' || e.kind === 'start') bar.report({ message: progressLine(o.progress.message()) });
              soon();
            },
          });
          o.progress.finish(result);
          o.pipelineHash = result.pipelineHash;
          o.pipelineFile = result.pipelineFile || o.pipelineFile;
          log.line(`improve ${name}: ${result.stopped}, ${result.evals} evals, ${result.calls} calls, $${result.cost_usd.toFixed(4)}, chosen ${result.chosen}, train ${result.train.before} → ${result.train.after}`);
          return { improveId: result.improveId, status: o.progress.message().status, stopped: result.stopped, chosen: result.chosen, evals: result.evals, calls: result.calls, cost_usd: result.cost_usd, train: result.train, validation: result.validation };
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          if (abort.signal.aborted) {
            // cancelled: what it found stays on screen (and on disk, in its record)
            o.progress.cancelled();
            const m = o.progress.message();
            log.line(`improve ${name}: cancelled after ${m.evals} evals`);
            return { improveId: m.improveId ?? '', status: 'cancelled', stopped: 'cancelled', chosen: null, evals: m.evals, calls: m.calls, cost_usd: m.cost_usd, train: null, validation: null };
          }
          log.line(`improve ${name} failed: ${e instanceof Error ? (e.stack ?? message) : message}`);
          o.progress.fail(message);
          return problem(message);
        }
      });
    } finally {
      if (timer) clearTimeout(timer);
      o.running = false;
      o.abort = null;
      post(o);
      // the chosen candidate's diff, once the search has ended with one (not when it was cancelled)
      if (o.pipelineHash && o.progress.chosen() && o.progress.message().status === 'done') await diff(uri, o.progress.chosen());
    }
  };

  /** Apply: the chosen prompts written into the pipeline as one edit. */
  const apply = async (arg?: unknown): Promise<{ applied: string[] } | { problem: string } | null> => {
    const uri = arg === undefined ? [...improvements.values()].find((x) => panels.isOpen(x.evalUri) && x.pipelineHash)?.evalUri : await evalUri(arg);
    const o = uri && improvements.get(uri.toString());
    const chosen = o?.progress.chosen();
    if (!uri || !o || o.running || !chosen || !o.pipelineHash) {
      void vscode.window.showWarningMessage('Improve Prompts: there is no finished search with a chosen candidate to apply.');
      return null;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(o.pipelineFile));
    const text = doc.getText();
    const file = path.basename(o.pipelineFile);
    let result: { applied: string[] } | { problem: string };
    const changed = o.progress.changedPrompts(chosen) ?? {};
    if (!sameHash(text, o.pipelineHash)) result = { problem: `Apply: ${file} changed since the search started (${doc.isDirty ? 'unsaved edits' : 'its text is not what the search read'}); nothing was written. Run Improve Prompts… again on the file as it is now.` };
    else if (!Object.keys(changed).length) result = { applied: [] };
    else {
      let edits: TextEdit[] | null = null;
      try {
        edits = promptEdits(text, changed);
      } catch (e) {
        result = { problem: `Apply: ${e instanceof Error ? e.message : String(e)}; ${file} is unchanged` };
      }
      if (edits) {
        const edit = new vscode.WorkspaceEdit();
        for (const e of edits) edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText);
        result = (await vscode.workspace.applyEdit(edit)) ? { applied: Object.keys(changed) } : { problem: `Apply: the editor refused the edit; ${file} is unchanged` };
        if ('applied' in result!) await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.One });
      }
    }
    if ('problem' in result!) {
      o.progress.applied(null, result.problem);
      void vscode.window.showWarningMessage(`Improve Prompts: ${result.problem}`);
    } else {
      o.progress.applied(result!.applied, null);
      log.line(`improve apply ${file}: ${result!.applied.join(', ') || 'nothing to change'}`);
    }
    post(o);
    return result!;
  };

  /** A record of the Runs view: its panel, from its result. */
  const open = async (arg?: unknown): Promise<{ improveId: string } | { problem: string } | null> => {
    const rec = arg as { dir?: unknown; evalFile?: unknown } | string | undefined;
    const dir = typeof rec === 'string' ? rec : typeof rec?.dir === 'string' ? rec.dir : undefined;
    if (!dir) return null;
    const read = readImproveRecord(dir);
    if ('problem' in read) {
      void vscode.window.showWarningMessage(`Improve Prompts: ${read.problem}.`);
      return read;
    }
    const evalFile = (typeof rec === 'object' && typeof rec.evalFile === 'string' ? rec.evalFile : null) ?? read.evalFile;
    if (!evalFile) return { problem: `the record ${path.basename(dir)} does not name its eval` };
    const uri = vscode.Uri.file(evalFile);
    if (improvements.get(uri.toString())?.running) {
      panels.reveal(uri);
      return { improveId: read.result.improveId };
    }
    const o: Improvement = { evalUri: uri, progress: ImproveProgress.fromResult(read.result, path.basename(evalFile), path.basename(read.result.pipelineFile), read.replay, read.candidates, read.maxEvals), pipelineFile: read.result.pipelineFile, pipelineHash: read.result.pipelineHash, running: false, abort: null };
    improvements.set(uri.toString(), o);
    post(o);
    panels.reveal(uri);
    return { improveId: read.result.improveId };
  };

  const state = (arg?: unknown): { rendered: ImproveRendered | null; message: ReturnType<ImproveProgress['message']> | null } => {
    const key = arg instanceof vscode.Uri ? arg.toString() : typeof arg === 'string' ? (arg.includes('://') ? arg : vscode.Uri.file(arg).toString()) : '';
    const o = improvements.get(key);
    return { rendered: o ? panels.rendered(o.evalUri) : null, message: o ? o.progress.message() : null };
  };

  /** Cancel: the running search of this eval (else the only one running) stops; true when one was running. */
  const cancel = async (arg?: unknown): Promise<boolean> => {
    const uri = arg === undefined ? [...improvements.values()].find((x) => x.running)?.evalUri : await evalUri(arg);
    const o = uri && improvements.get(uri.toString());
    if (!o?.running || !o.abort) {
      void vscode.window.showInformationMessage('Improve Prompts: no search is running.');
      return false;
    }
    o.abort.abort();
    return true;
  };

  panels.onApply = (uri) => void apply(uri);
  panels.onOpenCandidate = (uri, id) => void diff(uri, id);
  context.subscriptions.push(
    panels,
    vscode.workspace.registerTextDocumentContentProvider(IMPROVE_SCHEME, provider),
    vscode.commands.registerCommand(IMPROVE_COMMANDS.improve, run),
    vscode.commands.registerCommand(IMPROVE_COMMANDS.apply, apply),
    vscode.commands.registerCommand(IMPROVE_COMMANDS.open, open),
    vscode.commands.registerCommand(IMPROVE_COMMANDS.diff, diff),
    vscode.commands.registerCommand(IMPROVE_COMMANDS.state, state),
    vscode.commands.registerCommand(IMPROVE_COMMANDS.cancel, cancel),
  );
  return panels;
}
