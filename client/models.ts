// What a run started in the editor may call models with: the engine's model runner (the one `orc run`
// uses) with the API keys stored by "Orchestrator: Set API Key" in VS Code's secret storage — ahead of
// the environment's variables — the base URLs and default model from settings, and the editor's own
// language models as the `vscode:` provider; a Redactor that knows the stored keys, so they never
// reach results, events, checkpoints or the log. When a step's provider has no key here, the editor's
// models can stand in for it (the run controller asks).
import * as vscode from 'vscode';
import { createModelRunner, KEY_VARIABLES, KEYLESS_PROVIDERS, type ModelRunner, type Pipeline, ProviderModelRunner, readiness, type Readiness, Redactor } from '../engine/api/index';
import { storedConnectionSecrets } from './connectionSecrets';
import { settings } from './configuration';
import { environmentFor, rerouted } from './modelChoice';
import { languageModelProvider, VSCODE_PROVIDER } from './languageModels';

/** The providers whose API keys can be stored (local providers need none); asked when used, so loading this module loads no engine. */
export function keyProviders(): string[] {
  return Object.keys(KEY_VARIABLES).filter((p) => KEY_VARIABLES[p].length > 0);
}

export function secretKey(provider: string): string {
  return `orchestrator.apiKey.${provider}`;
}

export interface RunServices {
  models: ModelRunner;
  redactor: Redactor;
}

export class ModelAccess {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  private async storedKeys(): Promise<Map<string, string>> {
    const stored = new Map<string, string>();
    for (const p of keyProviders()) {
      const v = await this.secrets.get(secretKey(p));
      if (v) stored.set(p, v);
    }
    return stored;
  }

  private runner(stored: Map<string, string>): ProviderModelRunner {
    const s = settings().models;
    return createModelRunner({
      env: environmentFor(process.env, [...stored.keys()]),
      secrets: async (provider) => stored.get(provider),
      baseUrls: s.baseUrls,
      registryFile: process.env.ORC_MODEL_REGISTRY || undefined,
      providers: { [VSCODE_PROVIDER]: languageModelProvider() },
    }) as ProviderModelRunner;
  }

  /** Reads the stored keys once per run: the run's model runner and its redactor. `reroute` sends providers to other models. */
  async forRun(reroute: Map<string, string> = new Map()): Promise<RunServices> {
    const stored = await this.storedKeys();
    return { models: rerouted(this.runner(stored), reroute), redactor: new Redactor(process.env, [...stored.values()]) };
  }

  /** The database secrets stored for this pipeline's connections (Set Connection Secret). */
  connectionSecrets(pipeline: Pipeline | null): Promise<Record<string, string>> {
    return storedConnectionSecrets(this.secrets, pipeline);
  }

  /** Of these providers, the ones that cannot be called here and why: no key (stored, in the environment); for a keyless one (Ollama), no server at its address. */
  async unready(providers: string[]): Promise<Readiness[]> {
    const r = this.runner(await this.storedKeys());
    const out: Readiness[] = [];
    for (const p of new Set(providers)) {
      if (p === VSCODE_PROVIDER) continue;
      const ready = await readiness(r, p);
      if (!ready.ready) out.push(ready);
    }
    return out;
  }

  async unconfigured(providers: string[]): Promise<string[]> {
    return (await this.unready(providers)).map((x) => x.provider);
  }

  /** A provider that takes no key: storing one would not help it. */
  keyless(provider: string): boolean {
    return KEYLESS_PROVIDERS.has(provider);
  }

  /** "Set API Key": a provider (or the one given), then the key in a password box; an empty key removes the stored one. */
  async askAndStore(given?: string): Promise<boolean> {
    const provider = given ?? (await vscode.window.showQuickPick(keyProviders(), { title: 'Orchestrator: store an API key for which provider?' }));
    if (!provider) return false;
    const key = await vscode.window.showInputBox({ title: `API key for ${provider}`, prompt: "Kept in VS Code's secret storage (used ahead of environment variables); empty removes the stored key.", password: true, ignoreFocusOut: true });
    if (key === undefined) return false;
    if (key.trim()) await this.secrets.store(secretKey(provider), key.trim());
    else await this.secrets.delete(secretKey(provider));
    void vscode.window.showInformationMessage(key.trim() ? `The ${provider} API key is stored.` : `The stored ${provider} API key is removed.`);
    return Boolean(key.trim());
  }
}
