// The Test Explorer used fully (#61 item 6): what a failed eval case's messages carry beyond their
// text, and the actions on them.
// - a stack trace: the tool call, the step and the pipeline where the case went wrong, each frame
//   opening its line of the pipeline file (evalStackFrames.ts);
// - a contextValue naming what can be done with it, read by the `testing/message/context` and
//   `testing/message/content` menus (package.json): `orcEvalRun` (Open Run: the case's run record
//   in the pipeline's graph panel, at the step it went wrong), `orcEvalRunAccept` (and Accept Actual
//   as Expected: one WorkspaceEdit of the eval file, engine/eval/acceptActual.ts);
// - the tags `offline` (the eval has a cassette, NAME.cassette.jsonl beside it: its cases replay
//   without a provider) and `live` (it has none), on every item of the eval file; the Run (replay)
//   profile is bound to `offline`.
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { acceptActualEdit, acceptedValue, type Analysis, type AssertionResult, type CaseResult, type ResultDocument } from '../engine/api/index';
import { evalCassetteFile } from './evalReplay';
import { failureFrames, failureStep } from './evalStackFrames';

// VS Code reserves NUL in test ids: the parts of an item's id are joined with ␟ (a printable unit separator)
export const SEP = '\u241f';

export const EVAL_TEST_ACTIONS = {
  accept: 'orchestrator.evalAcceptActual',
  openRun: 'orchestrator.evalOpenRun',
} as const;

/** The tag of an eval whose cases replay from a cassette; the replay profile is bound to it. */
export const OFFLINE_TAG_ID = 'offline';
const LIVE_TAG_ID = 'live';
// made when first asked, not when this module loads: activation (and a host whose API lacks TestTag)
// loads it before any test is listed
const tags = new Map<string, vscode.TestTag>();
export function evalTag(id: typeof OFFLINE_TAG_ID | typeof LIVE_TAG_ID): vscode.TestTag {
  let t = tags.get(id);
  if (!t) tags.set(id, (t = new vscode.TestTag(id)));
  return t;
}

/** The tags of an eval file's items: offline when it has a cassette to replay, live otherwise. */
export function evalTags(evalFile: string): vscode.TestTag[] {
  return [evalTag(existsSync(evalCassetteFile(evalFile)) ? OFFLINE_TAG_ID : LIVE_TAG_ID)];
}

/** What a case item's latest run left for its actions. */
interface CaseRecord {
  result: CaseResult;
  root: string;
  evalUri: vscode.Uri;
  doc: ResultDocument | null;
  /** The step the case went wrong at (the panel opens with it selected). */
  step: string | null;
  messages: vscode.TestMessage[];
}

/** What the message menus give a command: the case's item (if still listed) and the message. */
interface MessageArgs {
  test?: vscode.TestItem;
  message?: vscode.TestMessage;
}

export type AcceptOutcome = { accepted: true; text: string } | { accepted: false; problem: string };

/** A case item's id, from its own or a trial child's (`…␟#2`). */
const caseItemId = (id: string) => id.split(SEP).slice(0, 3).join(SEP);

export class EvalTestActions {
  private readonly cases = new Map<string, CaseRecord>();

  /**
   * Gives a failed case's messages their stack trace and context value (a message at an assertion's
   * line of the eval file is that assertion's failure), and keeps what the actions need.
   */
  decorate(itemId: string, r: CaseResult, messages: vscode.TestMessage[], at: { root: string; evalUri: vscode.Uri; pipelineUri: vscode.Uri; pipeline: Analysis | null | undefined; doc: ResultDocument | null }): void {
    const failed = r.assertions.filter((a) => !a.pass);
    for (const m of messages) {
      const inEval = m.location?.uri.toString() === at.evalUri.toString();
      const a = inEval ? failed.find((x) => x.line === m.location!.range.start.line) ?? null : null;
      const frames = failureFrames(at.pipeline, at.doc, a);
      // the type is there from VS Code 1.93 (our floor is above it); a host without it gets the message alone
      if (frames.length && typeof vscode.TestMessageStackFrame === 'function') {
        m.stackTrace = frames.map((f) => new vscode.TestMessageStackFrame(f.label, f.at ? at.pipelineUri : undefined, f.at ? new vscode.Position(f.at.line, f.at.character) : undefined));
      }
      const acceptable = !!a && 'value' in acceptedValue(a, at.doc);
      const value = `${r.run_id ? 'orcEvalRun' : 'orcEval'}${acceptable ? 'Accept' : ''}`;
      if (value !== 'orcEval') m.contextValue = value;
    }
    const step = at.pipeline ? failureStep(at.pipeline, at.doc, failed[0] ?? null) : null;
    this.cases.set(itemId, { result: r, root: at.root, evalUri: at.evalUri, doc: at.doc, step, messages });
  }

  /** The messages the latest run gave a case item (with their stack traces and context values). */
  messages(itemId: string): vscode.TestMessage[] {
    return this.cases.get(caseItemId(itemId))?.messages ?? [];
  }

  private recordOf(args: MessageArgs | undefined): CaseRecord | undefined {
    return args?.test ? this.cases.get(caseItemId(args.test.id)) : undefined;
  }

  /** Accept Actual as Expected: the failed assertion at the message's line now expects the actual value. */
  async accept(args: MessageArgs | undefined): Promise<AcceptOutcome> {
    const rec = this.recordOf(args);
    const line = args?.message?.location?.range.start.line;
    const a: AssertionResult | undefined = rec && line !== undefined ? rec.result.assertions.find((x) => !x.pass && x.line === line) : undefined;
    if (!rec || !a) return this.refused('the message is not a failed assertion of a case the Test Explorer ran in this window');
    const v = acceptedValue(a, rec.doc);
    if ('problem' in v) return this.refused(v.problem);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === rec.evalUri.toString());
    const wasDirty = open?.isDirty ?? false;
    const text = open ? open.getText() : readFileSync(rec.evalUri.fsPath, 'utf8');
    const e = acceptActualEdit(text, rec.evalUri.fsPath, rec.result.case, a.line, a.kind, v.value);
    if ('problem' in e) return this.refused(e.problem);
    const doc = open ?? (await vscode.workspace.openTextDocument(rec.evalUri));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(rec.evalUri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text);
    if (!(await vscode.workspace.applyEdit(edit))) return this.refused('the editor did not apply the edit');
    // saved, unless the person had unsaved changes of their own in it
    if (!wasDirty) await doc.save();
    return { accepted: true, text: doc.getText() };
  }

  private refused(problem: string): AcceptOutcome {
    void vscode.window.showWarningMessage(`Accept Actual as Expected: ${problem}.`);
    return { accepted: false, problem };
  }

  /** Open Run: the case's run, as its record is, in the pipeline's graph panel. */
  async openRun(args: MessageArgs | undefined, open: (root: string, runId: string, step?: string) => Promise<boolean>): Promise<boolean> {
    const rec = this.recordOf(args);
    if (!rec?.result.run_id) {
      void vscode.window.showWarningMessage('Open Run: this case has no run to open.');
      return false;
    }
    return open(rec.root, rec.result.run_id, rec.step ?? undefined);
  }

  /** Accept and Open Run as commands (the message menus hand them `{test, message}`). */
  register(context: vscode.ExtensionContext, open: (root: string, runId: string, step?: string) => Promise<boolean>): void {
    context.subscriptions.push(
      vscode.commands.registerCommand(EVAL_TEST_ACTIONS.accept, (args?: MessageArgs) => this.accept(args)),
      vscode.commands.registerCommand(EVAL_TEST_ACTIONS.openRun, (args?: MessageArgs) => this.openRun(args, open)),
    );
  }

  /** A cassette made or deleted changes its eval's tags: `refresh` lists the eval again. */
  watchCassettes(refresh: (evalUri: vscode.Uri) => unknown): vscode.Disposable[] {
    const w = vscode.workspace.createFileSystemWatcher('**/*.cassette.jsonl', false, true, false);
    const again = (u: vscode.Uri) => {
      for (const ext of ['.eval.yaml', '.eval.yml']) {
        const f = u.fsPath.replace(/\.cassette\.jsonl$/, ext);
        if (existsSync(f)) refresh(vscode.Uri.file(f));
      }
    };
    return [w, w.onDidCreate(again), w.onDidDelete(again)];
  }
}
