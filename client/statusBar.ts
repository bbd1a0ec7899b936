// The status bar item of the running pipeline: progress, elapsed time; a click shows its panel.
import * as vscode from 'vscode';
import { spinningIcon } from './reducedMotion';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('orchestrator.run', vscode.StatusBarAlignment.Left, 50);
  private timer: ReturnType<typeof setInterval> | null = null;
  private hideTimer: ReturnType<typeof setTimeout> | null = null;
  private state: { pipeline: string; uri: string; done: number; total: number; started: number; running: boolean; outcome: string } | null = null;

  constructor() {
    this.item.name = 'Orchestrator run';
  }

  started(pipeline: string, uri: vscode.Uri, total: number): void {
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.state = { pipeline, uri: uri.toString(), done: 0, total, started: Date.now(), running: true, outcome: '' };
    this.item.command = { title: 'Show Graph', command: 'orchestrator.showGraph', arguments: [uri.toString()] };
    if (!this.timer) this.timer = setInterval(() => this.render(), 1000);
    this.render();
    this.item.show();
  }

  progress(done: number, total: number): void {
    if (!this.state) return;
    this.state.done = done;
    this.state.total = total;
    this.render();
  }

  ended(outcome: 'completed' | 'failed' | 'cancelled'): void {
    if (!this.state) return;
    this.state.running = false;
    this.state.outcome = outcome;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.render();
    this.hideTimer = setTimeout(() => this.item.hide(), 30_000);
  }

  private render(): void {
    const s = this.state;
    if (!s) return;
    const secs = Math.round((Date.now() - s.started) / 1000);
    const icon = s.running ? `$(${spinningIcon('sync')})` : s.outcome === 'completed' ? '$(check)' : s.outcome === 'cancelled' ? '$(circle-slash)' : '$(error)';
    this.item.text = `${icon} ${s.pipeline} ${s.done}/${s.total} · ${secs}s`;
    this.item.tooltip = `${s.pipeline}: ${s.running ? 'running' : s.outcome}, ${s.done} of ${s.total} steps done. Click to show the graph.`;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.item.dispose();
  }
}
