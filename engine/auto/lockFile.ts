// AUTO-tag resolutions locked next to a pipeline: `<file>.auto.lock.json`. An entry is keyed by the
// tag's text, its path and the model that answered, so changing the tag (or the orchestrator
// model) leaves it without a resolution until it is resolved again.
import { readFileSync, statSync } from 'node:fs';
import { formatPath } from '../parse/yamlDocument';
import type { AutoTag } from '../analyze/model';

export interface AutoLockEntry {
  /** Where the tag stands, as findings print paths: `steps[0].model`. */
  path: string;
  /** The question inside the tag, trimmed. */
  text: string;
  /** The model that answered (`provider:model`). */
  model: string;
  value: unknown;
  resolved_at?: string;
}

export interface AutoLock {
  format: 1;
  entries: AutoLockEntry[];
}

export function lockFileFor(pipelineFile: string): string {
  return `${pipelineFile}.auto.lock.json`;
}

const cache = new Map<string, { mtimeMs: number; lock: AutoLock | null }>();

/** The lock file of a pipeline, or null when there is none or it cannot be read. */
export function readAutoLock(pipelineFile: string): AutoLock | null {
  const file = lockFileFor(pipelineFile);
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    cache.delete(file);
    return null;
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.lock;
  let lock: AutoLock | null = null;
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as AutoLock;
    if (data && data.format === 1 && Array.isArray(data.entries)) lock = data;
  } catch {
    lock = null;
  }
  cache.set(file, { mtimeMs, lock });
  return lock;
}

/** The locked answer of a tag for the model that resolves it, if any. */
export function lockedEntry(lock: AutoLock | null, tag: AutoTag, model: string | null): AutoLockEntry | undefined {
  if (!lock) return undefined;
  const path = formatPath(tag.path);
  return lock.entries.find((e) => e.text === tag.text && e.path === path && (model === null || e.model === model));
}
