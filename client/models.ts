// What a run started in the editor may call models with: the engine's model runner (the one `orc run`
// uses), with API keys from the environment's variables, else from VS Code's secret storage (set
// with "Orchestrator: Set API Key"), and a Redactor that knows those stored keys too, so they never reach results, events,
// checkpoints or the log.
import * as vscode from 'vscode';
import { createModelRunner, KEY_VARIABLES, type ModelRunner } from '../engine/models/index';
import { Redactor } from '../engine/run/redact';

/** The providers whose API keys can be stored (local providers need none). */
export const KEY_PROVIDERS = Object.keys(KEY_VARIABLES).filter((p) => KEY_VARIABLES[p].length > 0);

export function secretKey(provider: string): string {
  return `orchestrator.apiKey.${provider}`;
}

export interface RunServices {
  models: ModelRunner;
  redactor: Redactor;
}

export class ModelAccess {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  /** Reads the stored keys once per run: the run's model runner and its redactor. */
  async forRun(): Promise<RunServices> {
    const stored = new Map<string, string>();
    for (const p of KEY_PROVIDERS) {
      const v = await this.secrets.get(secretKey(p));
      if (v) stored.set(p, v);
    }
    return { models: this.runner(stored), redactor: new Redactor(process.env, [...stored.values()]) };
  }

  private runner(stored: Map<string, string>): ModelRunner {
    return createModelRunner({ env: process.env, secrets: async (provider) => stored.get(provider), registryFile: process.env.ORC_MODEL_REGISTRY || undefined });
  }

  /** "Set API Key": a provider, then the key in a password box; an empty key removes the stored one. */
  async askAndStore(): Promise<void> {
    const provider = await vscode.window.showQuickPick([...KEY_PROVIDERS], { title: 'Orchestrator: store an API key for which provider?' });
    if (!provider) return;
    const key = await vscode.window.showInputBox({ title: `API key for ${provider}`, prompt: 'Kept in VS Code\'s secret storage; empty removes the stored key.', password: true, ignoreFocusOut: true });
    if (key === undefined) return;
    if (key.trim()) await this.secrets.store(secretKey(provider), key.trim());
    else await this.secrets.delete(secretKey(provider));
    void vscode.window.showInformationMessage(key.trim() ? `The ${provider} API key is stored.` : `The stored ${provider} API key is removed.`);
  }
}
