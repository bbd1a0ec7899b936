// Database secrets in VS Code's secret storage: "Orchestrator: Set Connection Secret" stores the value
// of a variable that a pipeline's `connections:` names (`password_env`, `url_env`), and a run started
// in the editor takes the stored values ahead of the environment's (the engine redacts them). Secret
// storage cannot list its keys: the variables are those the pipeline and the user's connections name.
import * as vscode from 'vscode';
import { analyze, connectionSecretVariables, loadUserConnections, type Pipeline } from '../engine/api/index';

export function connectionSecretKey(variable: string): string {
  return `orchestrator.connectionSecret.${variable}`;
}

/** The pipeline of an open YAML document, if it is one. */
export function pipelineOf(doc: vscode.TextDocument | undefined): Pipeline | null {
  if (!doc || !/\.ya?ml$/i.test(doc.fileName)) return null;
  return analyze(doc.getText()).pipeline ?? null;
}

/** The variables a pipeline's connections and the user's name. */
export function secretVariablesOf(pipeline: Pipeline | null): string[] {
  return [...new Set([...connectionSecretVariables(pipeline?.connections ?? {}), ...connectionSecretVariables(loadUserConnections().connections)])];
}

/** The stored values of the variables this pipeline can use, by name. */
export async function storedConnectionSecrets(secrets: vscode.SecretStorage, pipeline: Pipeline | null): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const v of secretVariablesOf(pipeline)) {
    const value = await secrets.get(connectionSecretKey(v));
    if (value) out[v] = value;
  }
  return out;
}

/** "Set Connection Secret": a variable (of the pipeline open, or typed), then its value in a password box; empty removes it. */
export async function askAndStoreConnectionSecret(secrets: vscode.SecretStorage, pipeline: Pipeline | null): Promise<boolean> {
  const known = secretVariablesOf(pipeline);
  const typed = 'Another variable…';
  let variable = known.length ? await vscode.window.showQuickPick([...known, typed], { title: 'Orchestrator: store the value of which connection variable?' }) : typed;
  if (variable === typed) variable = await vscode.window.showInputBox({ title: 'Variable name', prompt: 'The name password_env or url_env gives under connections:', validateInput: (v) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'A variable name: letters, digits and _') });
  if (!variable) return false;
  const value = await vscode.window.showInputBox({ title: `Value of ${variable}`, prompt: "Kept in VS Code's secret storage (used ahead of the environment variable); empty removes the stored value.", password: true, ignoreFocusOut: true });
  if (value === undefined) return false;
  if (value) await secrets.store(connectionSecretKey(variable), value);
  else await secrets.delete(connectionSecretKey(variable));
  void vscode.window.showInformationMessage(value ? `${variable} is stored.` : `The stored ${variable} is removed.`);
  return Boolean(value);
}
