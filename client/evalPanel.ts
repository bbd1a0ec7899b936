// The eval panel: one webview per eval file showing its latest results as a case × variant matrix
// (media/evalView.ts), the per-variant summary and the deltas against the baseline. A re-run of one
// cell or one row updates those cells in the matrix it shows (the rest stay as they were).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type CaseResult, TRAJECTORY_KINDS, wilson } from '../engine/api/index';
import type { EvalCellTrials, EvalCellView, EvalResultsMessage, EvalVariantView, FromEvalView, OptimizeViewMessage } from '../media/protocol';
import type { EvalOutcomeView } from './evalTests';
import { makeNonce, webviewHtml } from './panelHtml';

export const EVAL_PANEL_TYPE = 'orchestrator.evalResults';

interface Shown {
  panel: vscode.WebviewPanel;
  message: EvalResultsMessage | null;
  /** The optimize section's latest (Optimize Models…: client/optimizeModels.ts). */
  optimize: OptimizeViewMessage | null;
  rendered: { cells: number; failing: string[] } | null;
  /** Every case × variant result shown, the latest of each. */
  results: Map<string, CaseResult>;
  order: { cases: string[]; variants: string[] };
  /** The folder holding the eval's `.orchestrator/` (its case runs are there). */
  root: string;
}

const key = (c: string, v: string) => `${c}\u0000${v}`;

/**
 * The agent step a case's run opens with selected, for its transcript: the step of the case's first
 * failed trajectory assertion (the one to look into), else the pipeline's first agent step.
 */
export function agentStepOf(r: CaseResult, agentSteps: string[]): string | null {
  if (!r.run_id || !agentSteps.length) return null;
  const judged = r.assertions.find((a) => !a.pass && TRAJECTORY_KINDS.has(a.kind) && a.target.startsWith('step '))?.target.slice('step '.length);
  return judged && agentSteps.includes(judged) ? judged : agentSteps[0];
}

/** A case run in trials as its cell shows it (undefined: it ran once). */
export function cellTrials(r: CaseResult): EvalCellTrials | undefined {
  const t = r.trials;
  if (!t) return undefined;
  return { passed: t.passed, run: t.run, max: t.max, low: t.interval.low, high: t.interval.high, confidence: t.confidence, threshold: t.threshold, flaky: t.flaky, quarantined: r.quarantined === true, stopped: t.stopped ?? null };
}

/** The message for the panel: cells of the latest results, the summary computed from them. */
export function evalMessage(file: string, o: EvalOutcomeView, results: CaseResult[], order: { cases: string[]; variants: string[] }, running: boolean): EvalResultsMessage {
  const deltas = new Map((o.baseline?.deltas ?? []).filter((d) => d.repeat === 0).map((d) => [key(d.case, d.variant), d]));
  const first = results.filter((r) => r.repeat === 0);
  const cells: EvalCellView[] = first.map((r) => {
    const d = deltas.get(key(r.case, r.variant));
    const cell: EvalCellView = { case: r.case, variant: r.variant, status: r.status, score: r.score, cost_usd: r.cost_usd, latency_ms: r.latency_ms, run_id: r.run_id, agent_step: agentStepOf(r, o.agentSteps), flip: d?.flip ?? null, score_delta: d ? d.score_delta : null };
    const trials = cellTrials(r);
    if (trials) cell.trials = trials;
    return cell;
  });
  const summary: EvalVariantView[] = order.variants.map((v) => {
    const rs = results.filter((r) => r.variant === v && r.status !== 'skipped');
    const passed = rs.filter((r) => r.pass).length;
    const i = wilson(passed, rs.length);
    const before = o.baseline?.variants.find((x) => x.variant === v);
    return {
      variant: v,
      passed,
      total: rs.length,
      pass_rate: rs.length ? passed / rs.length : 0,
      low: i.low,
      high: i.high,
      tokens: rs.reduce((s, r) => s + r.tokens_in + r.tokens_out, 0),
      cost_usd: rs.reduce((s, r) => s + r.cost_usd + r.judge_cost_usd, 0),
      pass_rate_before: before ? before.pass_rate.before : null,
      cost_before: before ? before.cost_usd.before : null,
    };
  });
  return {
    type: 'eval-results',
    file,
    evalId: o.meta.eval_id,
    variants: order.variants,
    cases: order.cases,
    cells,
    summary,
    baseline: o.baseline ? { evalId: o.baseline.baseline_id, verdict: o.baseline.verdict_line, regressions: o.baseline.regressions, fixed: o.baseline.fixed } : null,
    running,
  };
}

export class EvalPanels implements vscode.Disposable {
  private readonly shown = new Map<string, Shown>();
  /** The optimize section's Apply was pressed in the panel of this eval file. */
  onOptimizeApply: (uri: vscode.Uri) => void = () => undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly actions: { openRun(root: string, runId: string, step?: string): Promise<unknown>; rerun(uri: vscode.Uri, only: { case?: string; variant?: string }): Promise<unknown> },
  ) {}

  /** What the panel of this eval file last drew (the test API reads it). */
  rendered(uri: string): { cells: number; failing: string[] } | undefined {
    return this.shown.get(uri)?.rendered ?? undefined;
  }

  show(uri: vscode.Uri): Shown {
    const id = uri.toString();
    const had = this.shown.get(id);
    if (had) {
      had.panel.reveal(undefined, true);
      return had;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(EVAL_PANEL_TYPE, `Eval: ${path.basename(uri.fsPath)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [dist] });
    panel.webview.html = webviewHtml({
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'evalView.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'evalView.css')).toString(),
      nonce: makeNonce(),
      cspSource: panel.webview.cspSource,
      title: `Eval: ${path.basename(uri.fsPath)}`,
    });
    const s: Shown = { panel, message: null, optimize: null, rendered: null, results: new Map(), order: { cases: [], variants: [] }, root: path.dirname(uri.fsPath) };
    panel.webview.onDidReceiveMessage((m: FromEvalView) => {
      if (m.type === 'ready') {
        if (s.message) void panel.webview.postMessage(s.message);
        if (s.optimize) void panel.webview.postMessage(s.optimize);
      } else if (m.type === 'optimize-apply') this.onOptimizeApply(uri);
      else if (m.type === 'rendered') s.rendered = { cells: m.cells, failing: m.failing };
      else if (m.type === 'open-run') void this.actions.openRun(s.root, m.runId, m.step);
      else if (m.type === 'rerun') void this.actions.rerun(uri, { case: m.case, variant: m.variant });
    });
    panel.onDidDispose(() => this.shown.delete(id));
    this.shown.set(id, s);
    return s;
  }

  /** An eval of this file finished: its results go into the matrix (a partial re-run updates its cells only). */
  update(o: EvalOutcomeView, reveal: boolean): void {
    const id = o.uri.toString();
    const s = reveal ? this.show(o.uri) : this.shown.get(id);
    if (!s) return;
    s.root = o.root;
    const partial = o.meta.only_cases.length > 0 || o.meta.only_variants.length > 0;
    if (!partial) {
      s.results.clear();
      s.order = { cases: [], variants: [...o.meta.variants] };
    }
    for (const v of o.meta.variants) if (!s.order.variants.includes(v)) s.order.variants.push(v);
    for (const r of o.results) {
      s.results.set(`${key(r.case, r.variant)}\u0000${r.repeat}`, r);
      if (!s.order.cases.includes(r.case)) s.order.cases.push(r.case);
    }
    s.message = evalMessage(path.basename(o.uri.fsPath), o, [...s.results.values()], s.order, false);
    void s.panel.webview.postMessage(s.message);
  }

  /** The optimize section of this eval file's panel (opened when it is not). */
  optimize(uri: vscode.Uri, m: OptimizeViewMessage): void {
    const s = this.shown.get(uri.toString()) ?? this.show(uri);
    s.optimize = m;
    void s.panel.webview.postMessage(m);
  }

  dispose(): void {
    for (const s of this.shown.values()) s.panel.dispose();
    this.shown.clear();
  }
}
