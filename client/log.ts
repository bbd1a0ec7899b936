// The "Orchestrator" output channel: the runs' log, with timestamps.
import * as vscode from 'vscode';

export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Orchestrator');

  line(text: string): void {
    this.channel.appendLine(`[${new Date().toISOString().slice(11, 23)}] ${text}`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
