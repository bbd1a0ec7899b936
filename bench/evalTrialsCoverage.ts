// The trials and coverage parts of `npm run bench eval` (issue #61 item 7): the files they run, the
// scripted answers of their cases, and the comparison of adaptive trials with fixed ones.
//
// Trials: the same cases run with `trials: N` (every case N times) and with `trials: {max: N,
// confidence}` (a case stops once its verdict is known), against the same scripted provider: a third
// of the cases always right, a third always wrong, a third right every other call (a model right half
// the time). The calls saved are counted at the loopback server; the verdicts must be the same case
// for case, or the saving is no saving. Measured at two thresholds: 0.5 and 1 (pass^k).
//
// Coverage: a pipeline with a model step, a step under a condition and a loop with a body, so each
// result document gives the collector steps, a branch and iterations to count.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** The kind of a trials case, from its topic (`trial right 3`, `trial wrong 4`, `trial half 5`). */
export type TrialKind = 'right' | 'wrong' | 'half';

export const trialKindOf = (i: number): TrialKind => (['right', 'wrong', 'half'] as const)[i % 3];

/**
 * The scripted answer to a prompt about `topic`: a trials case's answer by its kind (a `half` case is
 * right at its 1st, 3rd, 5th… call: `calls` counts each topic's calls), anything else right. A right
 * answer is JSON holding the topic (the bench's two assertions pass); a wrong one is neither.
 */
export function scriptedAnswer(topic: string, calls: Map<string, number>): string {
  const kind = /^trial (right|wrong|half) \d+$/.exec(topic)?.[1] as TrialKind | undefined;
  const n = (calls.get(topic) ?? 0) + 1;
  calls.set(topic, n);
  const right = kind === undefined || kind === 'right' || (kind === 'half' && n % 2 === 1);
  return right ? JSON.stringify({ topic, answer: 'ok' }) : 'no idea';
}

/** One eval of the trials cases: fixed `max` trials, or adaptive up to `max`, at a threshold. */
export function trialsEval(dir: string, name: string, trials: string, threshold: number): string {
  const file = `${name}.eval.yaml`;
  writeFileSync(path.join(dir, file), `pipeline: bench.pipeline.yaml\ncases: trials.jsonl\ntrials: ${trials}\ntrial_threshold: ${threshold}\nassert:\n  - contains: "{{ case.topic }}"\n  - is_json: true\n`);
  return file;
}

/** The trials cases' dataset (`n` cases, their kinds in turn). */
export function writeTrialCases(dir: string, n: number): void {
  const rows = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `t${i}`, topic: `trial ${trialKindOf(i)} ${i}` }));
  writeFileSync(path.join(dir, 'trials.jsonl'), rows.join('\n') + '\n');
}

export interface TrialsComparison {
  fixedCalls: number;
  adaptiveCalls: number;
  /** The share of fixed trials' calls adaptive trials did not make. */
  saved: number;
  /** Cases whose verdicts differ (`case [variant]: fixed → adaptive`). */
  differ: string[];
}

/** Adaptive trials against fixed ones: the calls each made and the cases whose verdicts differ. */
export function compareTrials(fixed: { calls: number; verdicts: Record<string, string> }, adaptive: { calls: number; verdicts: Record<string, string> }): TrialsComparison {
  const keys = [...new Set([...Object.keys(fixed.verdicts), ...Object.keys(adaptive.verdicts)])].sort();
  const differ = keys.filter((k) => fixed.verdicts[k] !== adaptive.verdicts[k]).map((k) => `${k}: ${fixed.verdicts[k] ?? 'absent'} → ${adaptive.verdicts[k] ?? 'absent'}`);
  return { fixedCalls: fixed.calls, adaptiveCalls: adaptive.calls, saved: fixed.calls ? 1 - adaptive.calls / fixed.calls : 0, differ };
}

/** The coverage part's pipeline and its eval of `n` cases (the bench's variants and assertions). */
export function coverageFiles(dir: string, n: number): string {
  const rows = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `c${i}`, topic: `topic ${i}` }));
  writeFileSync(path.join(dir, 'cov-cases.jsonl'), rows.join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'cov.pipeline.yaml'),
    `id: covbench
parameters:
  topic:
    type: string
    required: true
steps:
  - id: answer
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Answer in JSON about {{ topic }}"
      stream: false
  - id: check
    tool: data
    action: convert
    dependencies: [answer]
    condition: "{{ answer.result | length > 0 }}"
    parameters:
      data: "{{ answer.result }}"
      format: json
  - id: parts
    dependencies: [answer]
    for_each: "{{ [1, 2, 3] }}"
    steps:
      - id: part
        tool: data
        action: convert
        parameters:
          data: part
          format: json
outputs:
  answer: "{{ answer.result }}"
`,
  );
  writeFileSync(
    path.join(dir, 'cov.eval.yaml'),
    `pipeline: cov.pipeline.yaml\ncases: cov-cases.jsonl\nvariants:\n  - name: mini\n    models: { "*": openai:gpt-4o-mini }\n  - name: big\n    models: { "*": openai:gpt-4o }\nassert:\n  - contains: "{{ case.topic }}"\n  - is_json: true\nthreshold: 1\n`,
  );
  return 'cov.eval.yaml';
}
