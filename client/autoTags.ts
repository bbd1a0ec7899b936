// AUTO tags in the editor: "Resolve AUTO tags" (the lens above a pipeline with unanswered tags, and
// the palette) asks the orchestrator model for each tag without a locked answer and writes the lock
// file, whose change refreshes the inline answers; a run from the editor applies the locked answers
// and asks for the missing ones first, as `orc run` does.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type Analysis, analyze, answerContext, answersOf, lockFileFor, orchestratorOf, readAutoLock, resolveAutoTags, type ResolveResult, writeAutoLock } from '../engine/api/index';
import type { Log } from './log';
import { settings } from './configuration';
import type { RunServices } from './models';

export interface AutoSummary {
  resolved: number;
  locked: number;
  runtime: number;
  failed: { path: string; line: number; error: string }[];
  lockFile: string | null;
}

function summarize(r: ResolveResult, lockFile: string | null): AutoSummary {
  const n = (s: string) => r.outcomes.filter((o) => o.status === s).length;
  return {
    resolved: n('resolved'),
    locked: n('locked'),
    runtime: n('runtime'),
    failed: r.outcomes.filter((o) => o.status === 'failed').map((o) => ({ path: o.path, line: o.tag.range.start.line + 1, error: o.error ?? 'no answer' })),
    lockFile,
  };
}

/** Resolves a document's compile-time AUTO tags (the missing ones, or all with `refresh`) and writes the lock. */
export async function resolveDocumentTags(doc: vscode.TextDocument, a: Analysis, services: RunServices, refresh: boolean, log: Log): Promise<{ result: ResolveResult; summary: AutoSummary }> {
  const file = doc.uri.scheme === 'file' ? doc.uri.fsPath : null;
  const model = (a.pipeline ? orchestratorOf(a.pipeline) : null) ?? settings(doc.uri).models.orchestrator;
  const result = await resolveAutoTags(a, { models: services.models, orchestrator: model, lock: file ? readAutoLock(file) : null, refresh, context: answerContext(a) });
  const lockFile = file ? lockFileFor(file) : null;
  const summary = summarize(result, lockFile);
  if (lockFile && (summary.resolved || refresh)) writeAutoLock(lockFile, result.lock);
  log.line(services.redactor.text(`AUTO tags of ${path.basename(doc.uri.fsPath)}: ${summary.resolved} resolved with ${model ?? 'no model'} (${result.calls} calls), ${summary.locked} from the lock, ${summary.runtime} at run time, ${summary.failed.length} failed`));
  for (const f of summary.failed) log.line(services.redactor.text(`  line ${f.line} (${f.path}): ${f.error}`));
  return { result, summary };
}

/** The analysis a run uses: the locked and newly resolved answers in place; a refusal when a tag has none. */
export async function withAutoAnswers(doc: vscode.TextDocument, a: Analysis, services: RunServices, log: Log): Promise<{ analysis: Analysis } | { refused: string }> {
  if (!a.autoTags.some((t) => !t.runtime)) return { analysis: a };
  const { result, summary } = await resolveDocumentTags(doc, a, services, false, log);
  if (summary.failed.length) {
    const f = summary.failed[0];
    return { refused: `${path.basename(doc.uri.fsPath)}: ${summary.failed.length} AUTO tag${summary.failed.length === 1 ? '' : 's'} could not be resolved (line ${f.line}: ${f.error}): nothing ran.` };
  }
  return { analysis: analyze(doc.getText(), { autoAnswers: answersOf(result.outcomes) }) };
}

/** The "Resolve AUTO tags" command. */
export async function resolveAutoCommand(uri: vscode.Uri, refresh: boolean, services: () => Promise<RunServices>, log: Log): Promise<AutoSummary | undefined> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const a = analyze(doc.getText());
  if (!a.autoTags.length) {
    void vscode.window.showInformationMessage(`${path.basename(uri.fsPath)} has no AUTO tags.`);
    return undefined;
  }
  const { summary } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Resolving AUTO tags of ${path.basename(uri.fsPath)}` }, async () => resolveDocumentTags(doc, a, await services(), refresh, log));
  const parts = [`${summary.resolved} resolved`, `${summary.locked} from the lock`];
  if (summary.runtime) parts.push(`${summary.runtime} at run time`);
  if (summary.failed.length) {
    void vscode.window.showErrorMessage(`AUTO tags: ${parts.join(', ')}; ${summary.failed.length} could not be resolved (line ${summary.failed[0].line}: ${summary.failed[0].error}).`, 'Show Log').then((pick) => pick && log.show());
  } else {
    void vscode.window.showInformationMessage(`AUTO tags: ${parts.join(', ')}${summary.lockFile ? `; locked in ${path.basename(summary.lockFile)}` : ''}.`);
  }
  return summary;
}
