// `cache: true`: a step's successful result, reused for identical rendered inputs and step
// definition. Stored in .orchestrator/cache/<sha256>.json; errors are never cached.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { StepResult } from './events';
import { atomicWriteSync, sha256, STATE_DIR } from './checkpointStore';
import { makeStateDir } from '../toolkit/stateDir';
import { readStateFile } from '../util/boundedRead';

const DESCRIPTIVE = new Set(['name', 'description', 'metadata', 'cache', 'dependencies', 'depends_on', 'on_success', 'on_false', 'on_failure']);

export function cacheKey(raw: Record<string, unknown>, renderedParams: unknown, model: string | null): string {
  const definition = Object.fromEntries(Object.entries(raw).filter(([k]) => !DESCRIPTIVE.has(k)).sort(([a], [b]) => a.localeCompare(b)));
  return sha256(JSON.stringify({ definition, params: renderedParams, model }));
}

type Cached = Pick<StepResult, 'result' | 'vars' | 'model' | 'tokens_in' | 'tokens_out' | 'cost_usd'>;

export class StepCache {
  private dirMade: string | null = null;
  constructor(private readonly cwd: string) {}

  /** Joined when first used: most runs cache no step. */
  private get dir(): string {
    return (this.dirMade ??= path.join(this.cwd, STATE_DIR, 'cache'));
  }

  get(key: string): Cached | null {
    const file = path.join(this.dir, `${key}.json`);
    if (!existsSync(file)) return null;
    try {
      return JSON.parse(readStateFile(file, 64 * 1024 * 1024)) as Cached;
    } catch {
      return null; // a damaged entry is a miss
    }
  }

  put(key: string, r: StepResult): void {
    if (r.status !== 'completed' || r.success !== true) return;
    makeStateDir(this.dir);
    const entry: Cached = { result: r.result, vars: r.vars, model: r.model, tokens_in: r.tokens_in, tokens_out: r.tokens_out, cost_usd: r.cost_usd };
    atomicWriteSync(path.join(this.dir, `${key}.json`), JSON.stringify(entry));
  }
}
