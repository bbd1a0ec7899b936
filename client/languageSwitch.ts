// A YAML document that is a pipeline or an eval opens in our language without a command: each
// `yaml` document that opens is read (its first few KB, languageDetection.ts) and switched when it
// is one. The choice is remembered per file in the workspace's state, and so is the user's own:
// "Treat File as Pipeline" and "Treat File as Plain YAML" win over detection from then on (a file
// set to plain YAML is never switched back by itself).
import * as vscode from 'vscode';
import { DETECTION_WINDOW, detectLanguage } from './languageDetection';
import { EVAL_LANGUAGE_ID, LANGUAGE_ID } from './languageClient';

export const LANGUAGE_COMMAND_IDS = {
  treatAsPipeline: 'orchestrator.treatAsPipeline',
  treatAsPlainYaml: 'orchestrator.treatAsPlainYaml',
} as const;

export type LanguageKind = 'pipeline' | 'eval' | 'yaml';

/** Why a document is in the language it is in, as the status bar says it. */
export interface LanguageChoice {
  language: LanguageKind;
  /** `detected` (from its keys) or `chosen` (a command). */
  by: 'detected' | 'chosen';
  /** For a detection: the keys that decided it (`steps + id`). */
  reason?: string;
}

const STATE_KEY = 'orchestrator.languageChoices';
/** Remembered files, newest last; the oldest choices go beyond this. */
const MAX_REMEMBERED = 2000;
/** Schemes of documents a person opens (not git's or the output channel's). */
const SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);
const YAML = 'yaml';

export const languageIdOf = (kind: LanguageKind): string => (kind === 'pipeline' ? LANGUAGE_ID : kind === 'eval' ? EVAL_LANGUAGE_ID : YAML);

export class LanguageSwitch implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a document's language was switched or its choice changed (the status bar listens). */
  readonly onDidChange = this.changed.event;
  /** Documents being switched now: their reopening is not looked at again. */
  /** The switches under way, by document: a command's switch waits for one to end instead of being dropped. */
  private readonly switching = new Map<string, Promise<void>>();

  constructor(private readonly state: vscode.Memento) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => void this.consider(d)),
      vscode.commands.registerCommand(LANGUAGE_COMMAND_IDS.treatAsPipeline, (arg?: unknown) => this.choose(arg, 'pipeline')),
      vscode.commands.registerCommand(LANGUAGE_COMMAND_IDS.treatAsPlainYaml, (arg?: unknown) => this.choose(arg, 'yaml')),
    );
    // the documents open before activation (the one whose opening activated us among them)
    for (const d of vscode.workspace.textDocuments) void this.consider(d);
  }

  /** The remembered choice for this file, if any. */
  choiceOf(uri: vscode.Uri): LanguageChoice | undefined {
    return this.choices()[uri.toString()];
  }

  private choices(): Record<string, LanguageChoice> {
    return this.state.get<Record<string, LanguageChoice>>(STATE_KEY) ?? {};
  }

  private async remember(uri: vscode.Uri, choice: LanguageChoice): Promise<void> {
    const all = { ...this.choices() };
    delete all[uri.toString()];
    all[uri.toString()] = choice;
    const keys = Object.keys(all);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_REMEMBERED))) delete all[k];
    await this.state.update(STATE_KEY, all);
  }

  /** Switches a document that just opened when its remembered choice or its content says so. */
  private async consider(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    if (!SCHEMES.has(doc.uri.scheme) || this.switching.has(key)) return;
    const ours = [LANGUAGE_ID, EVAL_LANGUAGE_ID];
    if (doc.languageId !== YAML && !ours.includes(doc.languageId)) return;
    const remembered = this.choiceOf(doc.uri);
    if (remembered) {
      const want = languageIdOf(remembered.language);
      if (doc.languageId !== want) await this.switchTo(doc, want);
      return;
    }
    if (doc.languageId !== YAML) return;
    // one character past the window, so the detector knows when the document goes on
    const found = detectLanguage(doc.getText(new vscode.Range(new vscode.Position(0, 0), doc.positionAt(DETECTION_WINDOW + 1))));
    // a command's choice made meanwhile wins
    if (!found || this.choiceOf(doc.uri)) return;
    await this.remember(doc.uri, { language: found.language, by: 'detected', reason: found.reason });
    await this.switchTo(doc, languageIdOf(found.language));
  }

  private async switchTo(doc: vscode.TextDocument, languageId: string): Promise<void> {
    const key = doc.uri.toString();
    const done = (async () => {
      try {
        await vscode.languages.setTextDocumentLanguage(doc, languageId);
      } catch {
        // the document was closed meanwhile: it is looked at again when it opens
      }
    })();
    this.switching.set(key, done);
    try {
      await done;
    } finally {
      if (this.switching.get(key) === done) this.switching.delete(key);
    }
    this.changed.fire(doc.uri);
  }

  /** The two commands: the file's language from now on, whatever its content says. */
  private async choose(arg: unknown, language: LanguageKind): Promise<boolean> {
    const uri = targetOf(arg);
    if (!uri) {
      void vscode.window.showWarningMessage(`Treat File as ${language === 'yaml' ? 'Plain YAML' : 'Pipeline'}: open a YAML file first.`);
      return false;
    }
    // remembered first: the document's opening (when it was not open) then follows the choice
    await this.remember(uri, { language, by: 'chosen' });
    const opened = await vscode.workspace.openTextDocument(uri);
    // a switch under way (the document reopening in its detected language) ends first: the choice
    // made meanwhile is then applied to the document as it is after it, never dropped
    await this.switching.get(uri.toString());
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) ?? opened;
    if (doc.languageId !== languageIdOf(language)) await this.switchTo(doc, languageIdOf(language));
    else this.changed.fire(uri);
    return true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** A command's file: the URI it was given (a Uri or a string), else the active editor's. */
function targetOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return arg.includes('://') ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  return vscode.window.activeTextEditor?.document.uri;
}
