// The "Orchestrator" output channel: the runs' log, with timestamps. Every line passes through the
// engine's Redactor first, so a secret that reaches an error message or a stack never reaches the log.
import * as vscode from 'vscode';
import { Redactor } from '../engine/api/index';

export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Orchestrator');

  /** Made with the first line: the Redactor is the engine's, which activation does not load. */
  constructor(private redactor?: Redactor) {}

  line(text: string): void {
    const redactor = (this.redactor ??= new Redactor());
    this.channel.appendLine(`[${new Date().toISOString().slice(11, 23)}] ${redactor.text(text)}`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
