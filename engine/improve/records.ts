// A search's record, `.orchestrator/improve/<id>/`, written as it goes (plain JSON and JSONL):
//   meta.json        what is searched (files and their sha256, steps, split, options), its status
//   candidates.jsonl each candidate when it has run: its prompts, parent, per-case results, cost
//   cases.jsonl      each case run: candidate, case, phase (minibatch, train, validation), pass, cost
//   runs.jsonl       the case runs' run records, a line each (the run pack an eval's record has)
//   refused.jsonl    each proposal refused before any case ran, and why
//   front.json       the Pareto front, rewritten each time it changes (a cancelled search keeps it)
//   result.json      the result (ImproveResult) once the search has ended
import { appendFileSync, existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { STATE_DIR_NAME, makeStateDir } from '../toolkit/stateDir';
import { readStateFile } from '../util/boundedRead';

export const IMPROVE_FORMAT = 1;
const MAX_META_BYTES = 1024 * 1024;
const MAX_RESULT_BYTES = 16 * 1024 * 1024;
const ONE_COMPONENT = /^\w[\w.-]*$/;

export interface ImproveMeta {
  format: number;
  improve_id: string;
  eval_file: string;
  eval_sha256: string;
  pipeline_file: string;
  pipeline_sha256: string;
  steps: string[];
  train: string[];
  validation: string[];
  reflect: string;
  seed: number;
  validation_share: number;
  max_evals: number | null;
  budget_usd: number | null;
  cassette: 'record' | 'replay' | null;
  status: 'running' | 'done';
  stopped: string | null;
  started_at: string;
  ended_at: string | null;
}

export function improveDir(root: string): string {
  return path.join(root, STATE_DIR_NAME, 'improve');
}

export class ImproveRecord {
  readonly dir: string;

  constructor(root: string, readonly meta: ImproveMeta) {
    if (!ONE_COMPONENT.test(meta.improve_id)) throw new Error(`${JSON.stringify(meta.improve_id)} is not a search id`);
    this.dir = path.join(improveDir(root), meta.improve_id);
  }

  static create(root: string, meta: ImproveMeta): ImproveRecord {
    const r = new ImproveRecord(root, meta);
    makeStateDir(r.dir);
    for (const f of ['candidates.jsonl', 'cases.jsonl', 'refused.jsonl']) writeFileSync(path.join(r.dir, f), '');
    r.writeJson('front.json', []);
    r.writeMeta();
    return r;
  }

  /** Whole files are written beside and renamed, so a reader (or a Ctrl+C) never sees half of one. */
  writeJson(name: string, value: unknown): void {
    const file = path.join(this.dir, name);
    writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2) + '\n');
    renameSync(`${file}.tmp`, file);
  }

  writeMeta(): void {
    this.writeJson('meta.json', this.meta);
  }

  append(name: 'candidates.jsonl' | 'cases.jsonl' | 'refused.jsonl', line: unknown): void {
    appendFileSync(path.join(this.dir, name), JSON.stringify(line) + '\n');
  }
}

function readJson<T>(file: string, max: number): T | null {
  try {
    return JSON.parse(readStateFile(file, max)) as T;
  } catch {
    return null;
  }
}

export interface ImproveListing {
  id: string;
  dir: string;
  evalFile: string;
  startedAt: string;
  stopped: string | null;
  train: { before: number; after: number } | null;
}

/** Every search recorded under `root`, newest first (a record that does not read is passed over). */
export function listImproveRecords(root: string): ImproveListing[] {
  const dir = improveDir(root);
  if (!existsSync(dir)) return [];
  const out: ImproveListing[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !ONE_COMPONENT.test(e.name)) continue;
    const m = readJson<ImproveMeta>(path.join(dir, e.name, 'meta.json'), MAX_META_BYTES);
    if (!m || m.format !== IMPROVE_FORMAT || m.improve_id !== e.name) continue;
    const r = readJson<{ train?: { before?: unknown; after?: unknown } }>(path.join(dir, e.name, 'result.json'), MAX_RESULT_BYTES);
    const t = r?.train;
    out.push({ id: m.improve_id, dir: path.join(dir, e.name), evalFile: m.eval_file, startedAt: m.started_at, stopped: m.stopped, train: t && typeof t.before === 'number' && typeof t.after === 'number' ? { before: t.before, after: t.after } : null });
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
}
