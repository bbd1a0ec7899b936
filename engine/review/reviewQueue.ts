// What a reviewer works through: the runs from service (`orc serve`: a request, a cron, a webhook)
// and imported traces, newest first, each with its latest label; and the labelled ones turned into
// an eval's cases in one go (`orc review cases`, the Review view's Make Cases).
import * as path from 'node:path';
import { CheckpointError, listRuns, type RunSummary } from '../run/checkpointReader';
import { readRunResult } from '../run/runPacks';
import { addRunToEval, EvalAddError } from '../eval/editorAdd';
import { readLabels, type RunLabel } from './labels';
import { readFlags } from './flags';

export interface ReviewItem {
  run: RunSummary;
  label: RunLabel | null;
  /** Why a machine put it here: `monitor:NAME` for a run a monitor's check failed (flags.ts). */
  flags: string[];
}

/** Runs that came from service or an import (not a person's own `orc run`, unless a monitor flagged it), newest first, with their labels. */
export function reviewQueue(root: string, o: { unlabelledOnly?: boolean } = {}): ReviewItem[] {
  const labels = readLabels(root);
  const flagged = readFlags(root);
  const out: ReviewItem[] = [];
  for (const r of listRuns(root)) {
    if ('error' in r || r.status === 'running') continue;
    const flags = flagged.get(r.execution_id) ?? [];
    if (!r.trigger && !flags.length) continue;
    const label = labels.get(r.execution_id) ?? null;
    if (o.unlabelledOnly && label) continue;
    out.push({ run: r, label, flags });
  }
  return out;
}

export interface CasesOutcome {
  added: Array<{ run_id: string; verdict: RunLabel['verdict']; expects: 'its outputs' | 'the reviewer’s value' | 'nothing' }>;
  /** Runs already in the eval, of another pipeline, or not readable: why each was left out. */
  left: Array<{ run_id: string; why: string }>;
  written: string | null;
}

/** The expected value a label gives, as outputs by name (a text for a one-output pipeline names that output). */
function expectedOutputs(root: string, label: RunLabel): Record<string, unknown> | null {
  if (label.expected === undefined) return null;
  if (label.expected && typeof label.expected === 'object' && !Array.isArray(label.expected)) return label.expected as Record<string, unknown>;
  const doc = readRunResult(root, label.run_id);
  const names = typeof doc === 'string' ? [] : Object.keys(doc.outputs);
  return { [names.length === 1 ? names[0] : 'answer']: label.expected };
}

/**
 * Every labelled run of the eval's pipeline not yet among its cases becomes one (its id the run id):
 * a good run expects its own outputs, a bad one the value the reviewer wrote (or nothing: the eval's
 * own assertions still judge it).
 */
export function labelledRunsToCases(root: string, evalFile: string): CasesOutcome {
  const labels = readLabels(root);
  const out: CasesOutcome = { added: [], left: [], written: null };
  for (const [runId, label] of labels) {
    const expected = expectedOutputs(root, label);
    const expect = expected ? { outputs: expected } : label.verdict === 'good';
    try {
      const r = addRunToEval(evalFile, root, runId, expect);
      out.written = r.written;
      out.added.push({ run_id: runId, verdict: label.verdict, expects: expected ? 'the reviewer’s value' : expect ? 'its outputs' : 'nothing' });
    } catch (e) {
      if (!(e instanceof EvalAddError) && !(e instanceof CheckpointError)) throw e;
      out.left.push({ run_id: runId, why: (e as Error).message });
    }
  }
  if (out.written) out.written = path.resolve(out.written);
  return out;
}
