// Continuous run of the Run (replay) profile: while it is on, saving a pipeline or an eval file
// re-runs the cases that save affects, under replay (every model call answered from the eval's
// cassette: never a provider). Affected: every case of the evals on a saved pipeline (or on a saved
// dataset file); for a saved eval file, the cases whose own text changed (values, assertions,
// settings) and the new ones, or every case when what they share changed (the pipeline, variants,
// `assert:`, thresholds, trials). Only the items the continuous run was started on (not excluded)
// and tagged `offline` are run. Saves close together are one run; a save during a run waits for it.
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { analyzeEval, type EvalSpec } from '../engine/api/index';
import { OFFLINE_TAG_ID } from './evalTestActions';

export interface ContinuousHost {
  readonly controller: vscode.TestController;
  /** Lists the eval file again (its new cases become items). */
  refresh(uri: vscode.Uri): Promise<vscode.TestItem | undefined>;
  /** Runs a request under replay. */
  runReplay(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void>;
}

/** What an eval file's cases share, and each case's own text, as comparable strings. */
interface EvalShape {
  shared: string;
  cases: Map<string, string>;
  /** The files whose save affects every case: the pipeline, a dataset. */
  files: string[];
}

const DEBOUNCE_MS = 250;

function shapeOf(spec: EvalSpec): EvalShape {
  // an assertion's line and place in the file move when another case is edited: not its meaning
  const assertion = (a: EvalSpec['assert'][number]) => ({ ...a, path: undefined, line: undefined });
  const shared = JSON.stringify({
    pipeline: spec.pipeline,
    cases: spec.cases.kind === 'file' ? spec.cases.file : 'inline',
    variants: spec.variants.map((v) => ({ ...v, path: undefined })),
    assert: spec.assert.map(assertion),
    rest: [spec.threshold, spec.repeat, spec.judge, spec.embedding, spec.maxParallel, spec.answers, spec.trials, spec.trialThreshold],
  });
  const cases = new Map<string, string>();
  if (spec.cases.kind === 'inline') for (const c of spec.cases.cases) cases.set(c.id, JSON.stringify({ values: c.values, skip: c.skip, options: c.options, assert: c.assert.map(assertion) }));
  return { shared, cases, files: [spec.pipeline, ...(spec.cases.kind === 'file' ? [spec.cases.file] : [])] };
}

function readShape(uri: vscode.Uri): EvalShape | null {
  try {
    const spec = analyzeEval(readFileSync(uri.fsPath, 'utf8'), uri.fsPath).eval;
    return spec ? shapeOf(spec) : null;
  } catch {
    return null;
  }
}

/** The cases of an eval to run again after its save (null: all of them). */
function changedCases(before: EvalShape | undefined, after: EvalShape): Set<string> | null {
  if (!before || before.shared !== after.shared || !after.cases.size) return null;
  return new Set([...after.cases].filter(([id, text]) => before.cases.get(id) !== text).map(([id]) => id));
}

export class EvalContinuousRuns {
  /** Continuous runs on now (each until its token is cancelled). */
  active = 0;
  /** The runs a save started: the items each ran (`file > variant > case`), and whether it ended. */
  readonly runs: { items: string[]; done: boolean }[] = [];

  constructor(private readonly host: ContinuousHost) {}

  /** A continuous request of the replay profile: watches saves until `token` is cancelled. */
  start(request: vscode.TestRunRequest, token: vscode.CancellationToken): void {
    const shapes = new Map<string, EvalShape>();
    this.host.controller.items.forEach((f) => {
      const s = readShape(vscode.Uri.parse(f.id));
      if (s) shapes.set(f.id, s);
    });
    const saved = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let queue: Promise<void> = Promise.resolve();
    const flush = () => {
      const files = [...saved];
      saved.clear();
      queue = queue.then(() => this.runAffected(files, shapes, request, token)).catch(() => undefined);
    };
    const sub = vscode.workspace.onDidSaveTextDocument((d) => {
      if (token.isCancellationRequested || d.uri.scheme !== 'file') return;
      saved.add(d.uri.fsPath);
      clearTimeout(timer);
      timer = setTimeout(flush, DEBOUNCE_MS);
    });
    this.active++;
    token.onCancellationRequested(() => {
      this.active--;
      clearTimeout(timer);
      sub.dispose();
    });
  }

  private async runAffected(files: string[], shapes: Map<string, EvalShape>, request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    if (token.isCancellationRequested) return;
    const items: vscode.TestItem[] = [];
    const fileIds: string[] = [];
    this.host.controller.items.forEach((f) => void fileIds.push(f.id));
    for (const id of fileIds) {
      const uri = vscode.Uri.parse(id);
      const before = shapes.get(id);
      let only: Set<string> | null | undefined;
      if (files.includes(uri.fsPath)) {
        await this.host.refresh(uri);
        const after = readShape(uri);
        if (!after) continue;
        only = changedCases(before, after);
        shapes.set(id, after);
      } else if (before && before.files.some((f) => files.includes(f))) only = null;
      else continue;
      const file = this.host.controller.items.get(id);
      file?.children.forEach((v) => v.children.forEach((c) => {
        if (!only || only.has(c.label)) items.push(c);
      }));
    }
    const run = items.filter((c) => this.inScope(c, request));
    if (!run.length || token.isCancellationRequested) return;
    const record = { items: run.map((c) => `${c.parent?.parent?.label} > ${c.parent?.label} > ${c.label}`), done: false };
    this.runs.push(record);
    if (this.runs.length > 20) this.runs.shift();
    try {
      await this.host.runReplay(new vscode.TestRunRequest(run, undefined, request.profile, true), token);
    } finally {
      record.done = true;
    }
  }

  /** Under the items the continuous run was started on, none of its exclusions, and offline. */
  private inScope(item: vscode.TestItem, request: vscode.TestRunRequest): boolean {
    const chain = new Set<string>();
    for (let i: vscode.TestItem | undefined = item; i; i = i.parent) chain.add(i.id);
    if (request.exclude?.some((x) => chain.has(x.id))) return false;
    if (request.include && !request.include.some((x) => chain.has(x.id))) return false;
    return item.tags.some((t) => t.id === OFFLINE_TAG_ID);
  }
}
