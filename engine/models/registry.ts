// The model registry (registry.yaml): models with size, expertise, context window and price.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** registry.yaml sits beside this module in the source tree. */
export const REGISTRY_FILE = path.join(__dirname, 'registry.yaml');
/** Beside the bundles in dist/, the build writes it parsed, as JSON (scripts/registryJson.mjs): the
 * yaml library's parse of its flow-style lines took 13-22 ms at each process's first model. */
const REGISTRY_JSON = path.join(__dirname, 'registry.json');

export type { RegistryModel } from '../toolkit/toolModels';
import type { RegistryModel } from '../toolkit/toolModels';

let models: RegistryModel[] | null = null;

export function registryModels(): RegistryModel[] {
  if (!models) {
    const doc = (existsSync(REGISTRY_JSON) ? JSON.parse(readFileSync(REGISTRY_JSON, 'utf8')) : parse(readFileSync(REGISTRY_FILE, 'utf8'), { prettyErrors: false })) as { models: Omit<RegistryModel, 'id'>[] };
    models = doc.models.map((m) => ({ ...m, id: `${m.provider}:${m.name}` }));
  }
  return models;
}

export function findModel(id: string): RegistryModel | undefined {
  return registryModels().find((m) => m.id === id);
}

/**
 * The shipped registry with a user's file laid over it: an entry with the same `provider:name`
 * replaces the shipped one, a new one is added. A bad file is an error naming it.
 */
export function loadRegistry(userFile?: string | null): RegistryModel[] {
  const shipped = registryModels();
  if (!userFile) return shipped;
  let doc: unknown;
  try {
    doc = parse(readFileSync(userFile, 'utf8'), { prettyErrors: false });
  } catch (e) {
    throw new Error(`Could not read the model registry '${userFile}': ${e instanceof Error ? e.message : String(e)}`);
  }
  const list = doc && typeof doc === 'object' && Array.isArray((doc as { models?: unknown }).models) ? (doc as { models: unknown[] }).models : null;
  if (!list) throw new Error(`The model registry '${userFile}' must have a 'models:' list`);
  const byId = new Map(shipped.map((m) => [m.id, m]));
  list.forEach((raw, i) => {
    const m = raw as Partial<RegistryModel>;
    if (!m || typeof m.provider !== 'string' || typeof m.name !== 'string') throw new Error(`The model registry '${userFile}': entry ${i + 1} needs 'provider' and 'name'`);
    const id = `${m.provider}:${m.name}`;
    const base = byId.get(id);
    byId.set(id, {
      provider: m.provider,
      name: m.name,
      id,
      size: m.size ?? base?.size ?? null,
      expertise: m.expertise ?? base?.expertise ?? [],
      capabilities: m.capabilities ?? base?.capabilities ?? [],
      modalities: m.modalities ?? base?.modalities ?? ['text'],
      context_window: m.context_window ?? base?.context_window ?? 0,
      price_in: m.price_in ?? base?.price_in ?? 0,
      price_out: m.price_out ?? base?.price_out ?? 0,
      ...(fallbackList(m.fallbacks, userFile, i) ?? (base?.fallbacks ? { fallbacks: base.fallbacks } : {})),
    });
  });
  return [...byId.values()];
}

function fallbackList(v: unknown, file: string, i: number): { fallbacks: string[] } | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && /^[a-z][a-z0-9-]*:.+$/.test(x)))
    throw new Error(`The model registry '${file}': entry ${i + 1}'s 'fallbacks' must be a list of 'provider:model' ids`);
  return { fallbacks: v as string[] };
}

/** `$0.15 / $0.60 per M tokens · 128k context` */
export function describeModel(m: RegistryModel): string {
  const price = m.price_in === 0 && m.price_out === 0 ? 'free (local)' : `$${m.price_in.toFixed(2)} in / $${m.price_out.toFixed(2)} out per M tokens`;
  const ctx = m.context_window >= 1_000_000 ? `${(m.context_window / 1_000_000).toFixed(1)}M` : `${Math.round(m.context_window / 1000)}k`;
  return `${price} · ${ctx} context`;
}

/** The registry with the user's file laid over it, or the shipped one when that file is bad (the
 * model runner reports the bad file; a prediction should not fail over it). */
export function registryOrShipped(userFile?: string | null): RegistryModel[] {
  try {
    return loadRegistry(userFile);
  } catch {
    return registryModels();
  }
}
