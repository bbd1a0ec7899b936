// The model registry (registry.yaml): models with size, expertise, context window and price.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** registry.yaml sits beside this module in the source tree and beside the bundles in dist/. */
export const REGISTRY_FILE = path.join(__dirname, 'registry.yaml');

export interface RegistryModel {
  provider: string;
  name: string;
  /** `provider:name`. */
  id: string;
  size: number | null;
  expertise: string[];
  capabilities: string[];
  modalities: string[];
  context_window: number;
  /** USD per million tokens. */
  price_in: number;
  price_out: number;
}

let models: RegistryModel[] | null = null;

export function registryModels(): RegistryModel[] {
  if (!models) {
    const doc = parse(readFileSync(REGISTRY_FILE, 'utf8'), { prettyErrors: false }) as { models: Omit<RegistryModel, 'id'>[] };
    models = doc.models.map((m) => ({ ...m, id: `${m.provider}:${m.name}` }));
  }
  return models;
}

export function findModel(id: string): RegistryModel | undefined {
  return registryModels().find((m) => m.id === id);
}

/** `$0.15 / $0.60 per M tokens · 128k context` */
export function describeModel(m: RegistryModel): string {
  const price = m.price_in === 0 && m.price_out === 0 ? 'free (local)' : `$${m.price_in.toFixed(2)} in / $${m.price_out.toFixed(2)} out per M tokens`;
  const ctx = m.context_window >= 1_000_000 ? `${(m.context_window / 1_000_000).toFixed(1)}M` : `${Math.round(m.context_window / 1000)}k`;
  return `${price} · ${ctx} context`;
}
