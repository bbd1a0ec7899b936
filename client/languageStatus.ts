// The status bar item that names the language of the file in front and why it is in it: detected
// from its keys, chosen with a command, or given by its file name. A click undoes it (plain YAML),
// or, on a file set to plain YAML, makes it a pipeline again.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EVAL_LANGUAGE_ID, LANGUAGE_ID } from './languageClient';
import { LANGUAGE_COMMAND_IDS, type LanguageChoice, type LanguageSwitch } from './languageSwitch';

export interface LanguageStatus {
  text: string;
  tooltip: string;
  command: string;
}

/** What the item says for a document in this language with this remembered choice (undefined: hidden). */
export function languageStatusOf(languageId: string, fileName: string, choice: LanguageChoice | undefined): LanguageStatus | undefined {
  const base = path.basename(fileName);
  if (languageId === 'yaml') {
    if (choice?.language !== 'yaml') return undefined;
    return {
      text: '$(file-code) Plain YAML (your choice)',
      tooltip: `${base} was set to plain YAML with "Treat File as Plain YAML": it is not checked as a pipeline and is never switched back by itself. Click to treat it as a pipeline.`,
      command: LANGUAGE_COMMAND_IDS.treatAsPipeline,
    };
  }
  const kind = languageId === LANGUAGE_ID ? 'Pipeline' : languageId === EVAL_LANGUAGE_ID ? 'Eval' : null;
  if (!kind) return undefined;
  const what = kind === 'Pipeline' ? 'an Orchestrator pipeline' : 'an Orchestrator eval';
  const undo = 'Click to treat it as plain YAML (remembered for this file).';
  if (choice?.by === 'detected' && choice.reason) {
    const keys = choice.reason.split(' + ').map((k) => `\`${k}:\``).join(' and ');
    return { text: `$(type-hierarchy) ${kind} (detected: ${choice.reason})`, tooltip: `${base} opened as ${what}: its top level has ${keys}. ${undo}`, command: LANGUAGE_COMMAND_IDS.treatAsPlainYaml };
  }
  if (choice?.by === 'chosen') {
    return { text: `$(type-hierarchy) ${kind} (your choice)`, tooltip: `${base} was set to ${what} with "Treat File as Pipeline". ${undo}`, command: LANGUAGE_COMMAND_IDS.treatAsPlainYaml };
  }
  const pattern = kind === 'Pipeline' ? '*.pipeline.yaml' : '*.eval.yaml';
  return { text: `$(type-hierarchy) ${kind} (file name)`, tooltip: `${base} is ${what} by its name (${pattern}). ${undo}`, command: LANGUAGE_COMMAND_IDS.treatAsPlainYaml };
}

export class LanguageStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('orchestrator.language', vscode.StatusBarAlignment.Right, 99);
  private readonly disposables: vscode.Disposable[] = [this.item];
  private current: LanguageStatus | undefined;

  constructor(private readonly languages: LanguageSwitch) {
    this.item.name = 'Orchestrator language';
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      // a switch reopens the document: the editor in front shows it in its new language
      vscode.workspace.onDidOpenTextDocument(() => this.render()),
      languages.onDidChange(() => this.render()),
    );
    this.render();
  }

  /** What the item shows now (undefined: hidden). */
  shown(): LanguageStatus | undefined {
    return this.current;
  }

  private render(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const status = doc ? languageStatusOf(doc.languageId, doc.fileName, this.languages.choiceOf(doc.uri)) : undefined;
    this.current = status;
    if (!status || !doc) {
      this.item.hide();
      return;
    }
    this.item.text = status.text;
    this.item.tooltip = status.tooltip;
    this.item.command = { title: status.command === LANGUAGE_COMMAND_IDS.treatAsPlainYaml ? 'Treat File as Plain YAML' : 'Treat File as Pipeline', command: status.command, arguments: [doc.uri] };
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
