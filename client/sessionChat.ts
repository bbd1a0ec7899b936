// The graph panel's chat input, in the extension: whether a document offers it and for which
// session (client/chatTarget.ts, from the saved text and the inputs of the run its panel shows), and
// a message sent: the next run of that session, started as Run Pipeline starts one (the same checks),
// with the message and the session as its inputs. A conversation not started yet gets a new session
// id, kept for the document until a run records it.
import * as vscode from 'vscode';
import { analyze, loadCheckpoint, type ResultDocument } from '../engine/api/index';
import { chatInputs, chatTarget, newSessionId } from './chatTarget';
import { runFolder } from './configuration';
import type { ChatTarget } from '../media/protocol';

export interface ChatRunner {
  run(uri: vscode.Uri, request: { inputs: Record<string, unknown> }): Promise<ResultDocument | undefined>;
}

export class SessionChat {
  /** A new conversation's id, by document: the same one until a run of it is recorded. */
  private readonly fresh = new Map<string, string>();

  constructor(private readonly runner: ChatRunner) {}

  private previousInputs(uri: vscode.Uri, runId: string | undefined): Record<string, unknown> | null {
    if (!runId) return null;
    try {
      const c = loadCheckpoint(runFolder(uri), runId);
      return c.pipeline_file === uri.fsPath ? c.inputs : null;
    } catch {
      // a run not recorded here (followed from a server, deleted): the defaults
      return null;
    }
  }

  private async targetAndPipeline(uri: vscode.Uri, runId: string | undefined) {
    const doc = await vscode.workspace.openTextDocument(uri);
    const pipeline = analyze(doc.getText()).pipeline;
    const previous = this.previousInputs(uri, runId);
    const key = uri.toString();
    const target = chatTarget(pipeline, previous, () => {
      let id = this.fresh.get(key);
      if (!id) this.fresh.set(key, (id = newSessionId()));
      return id;
    });
    return { pipeline, previous, target };
  }

  /** What the document's panel offers (null: no chat input). */
  async targetOf(uri: vscode.Uri, runId: string | undefined): Promise<ChatTarget | null> {
    return (await this.targetAndPipeline(uri, runId)).target;
  }

  /** The message as the session's next run; resolves when that run ended (undefined: it did not start). */
  async send(uri: vscode.Uri, runId: string | undefined, message: string): Promise<ResultDocument | undefined> {
    const { pipeline, previous, target } = await this.targetAndPipeline(uri, runId);
    if (!pipeline || !target) {
      void vscode.window.showWarningMessage(`${uri.path.split('/').pop()} has no agent step with 'memory:' (or no parameter for the message): there is no conversation to continue.`);
      return undefined;
    }
    const doc = await this.runner.run(uri, { inputs: chatInputs(pipeline, target, message, previous) });
    // recorded: the run's own inputs say the session from now on
    if (doc) this.fresh.delete(uri.toString());
    return doc;
  }
}
