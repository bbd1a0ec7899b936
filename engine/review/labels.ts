// A person's verdicts on runs from service (or imported traces): `.orchestrator/review/labels.jsonl`,
// one line per label, appended; the last line for a run is its label (a relabel never rewrites the
// file, so two editors labelling at once lose nothing). Read bounded, as every record under
// `.orchestrator/` is.
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { readBoundedText } from '../util/boundedRead';

export type Verdict = 'good' | 'bad';

export interface RunLabel {
  run_id: string;
  verdict: Verdict;
  /** What the run should have answered: the outputs (by name), or one text for a one-output pipeline. */
  expected?: unknown;
  note?: string;
  labelled_at: string;
}

/** 64 MiB of labels (about 200,000 of them): a file past that is refused, not read in part. */
const MAX_LABELS_BYTES = 64 * 1024 * 1024;
const MAX_NOTE = 4_000;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class ReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewError';
  }
}

export const labelsFile = (root: string) => path.join(root, '.orchestrator', 'review', 'labels.jsonl');

/** Every run's latest label, by run id. */
export function readLabels(root: string): Map<string, RunLabel> {
  const text = readBoundedText(labelsFile(root), MAX_LABELS_BYTES);
  const out = new Map<string, RunLabel>();
  if (text === 'missing') return out;
  if (text === 'unreadable') throw new ReviewError(`${labelsFile(root)} is not a regular file of at most 64 MiB: move it away to start the labels again`);
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      // a line cut short by a crash: the labels before and after it stand
      continue;
    }
    const l = v as Partial<RunLabel>;
    if (typeof l.run_id !== 'string' || (l.verdict !== 'good' && l.verdict !== 'bad')) continue;
    out.set(l.run_id, l as RunLabel);
  }
  return out;
}

/** Appends a label (the run's latest from now on). */
export function labelRun(root: string, runId: string, verdict: Verdict, o: { expected?: unknown; note?: string } = {}): RunLabel {
  if (!RUN_ID.test(runId)) throw new ReviewError(`'${runId}' is not a run id`);
  if (verdict !== 'good' && verdict !== 'bad') throw new ReviewError(`a label is 'good' or 'bad', not '${String(verdict)}'`);
  if (o.note !== undefined && o.note.length > MAX_NOTE) throw new ReviewError(`a note is at most ${MAX_NOTE} characters (this one has ${o.note.length})`);
  const label: RunLabel = { run_id: runId, verdict, ...(o.expected !== undefined ? { expected: o.expected } : {}), ...(o.note ? { note: o.note } : {}), labelled_at: new Date().toISOString() };
  mkdirSync(path.dirname(labelsFile(root)), { recursive: true });
  appendFileSync(labelsFile(root), `${JSON.stringify(label)}\n`);
  return label;
}

/** Agreement of a judge with the people who labelled the same runs: the share that agree and Cohen's kappa. */
export interface Agreement {
  /** Runs both judged. */
  n: number;
  agree: number;
  rate: number;
  /** Cohen's kappa: 1 full agreement, 0 what chance gives, below 0 worse than chance; null when undefined (one class only on both sides). */
  kappa: number | null;
}

export function agreement(pairs: Array<{ human: boolean; judge: boolean }>): Agreement {
  const n = pairs.length;
  if (!n) return { n: 0, agree: 0, rate: 0, kappa: null };
  const agree = pairs.filter((p) => p.human === p.judge).length;
  const po = agree / n;
  const h = pairs.filter((p) => p.human).length / n;
  const j = pairs.filter((p) => p.judge).length / n;
  const pe = h * j + (1 - h) * (1 - j);
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return { n, agree, rate: round(po), kappa: pe === 1 ? null : round((po - pe) / (1 - pe)) };
}
