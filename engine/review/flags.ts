// Runs a machine put in the review queue, with why: `.orchestrator/review/flags.jsonl`, one line per
// flag, appended. A monitor that a run failed flags it `monitor:NAME` (engine/serve/monitors.ts); the
// queue shows the flags beside a person's label, which stays theirs to give. Read bounded, as every
// record under `.orchestrator/` is.
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { readBoundedText } from '../util/boundedRead';
import { ReviewError } from './labels';

export interface RunFlag {
  run_id: string;
  /** `monitor:NAME`. */
  flag: string;
  /** Why (a failed check's reasons). */
  reasons: string[];
  flagged_at: string;
}

/** 64 MiB of flags: a file past that is refused, not read in part. */
const MAX_FLAGS_BYTES = 64 * 1024 * 1024;
const MAX_REASON = 1_000;

export const flagsFile = (root: string) => path.join(root, '.orchestrator', 'review', 'flags.jsonl');

/** Appends a flag on a run. */
export function flagRun(root: string, runId: string, flag: string, reasons: string[] = []): RunFlag {
  const f: RunFlag = { run_id: runId, flag, reasons: reasons.slice(0, 20).map((r) => (r.length > MAX_REASON ? `${r.slice(0, MAX_REASON)}…` : r)), flagged_at: new Date().toISOString() };
  mkdirSync(path.dirname(flagsFile(root)), { recursive: true });
  appendFileSync(flagsFile(root), `${JSON.stringify(f)}\n`);
  return f;
}

/** Every run's flags (each once, in the order given), by run id. */
export function readFlags(root: string): Map<string, string[]> {
  const text = readBoundedText(flagsFile(root), MAX_FLAGS_BYTES);
  const out = new Map<string, string[]>();
  if (text === 'missing') return out;
  if (text === 'unreadable') throw new ReviewError(`${flagsFile(root)} is not a regular file of at most 64 MiB: move it away to start the flags again`);
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let v: Partial<RunFlag>;
    try {
      v = JSON.parse(line) as Partial<RunFlag>;
    } catch {
      continue; // a line cut short by a crash: the others stand
    }
    if (typeof v.run_id !== 'string' || typeof v.flag !== 'string') continue;
    const list = out.get(v.run_id) ?? [];
    if (!list.includes(v.flag)) list.push(v.flag);
    out.set(v.run_id, list);
  }
  return out;
}
