// The end of a run: its outputs rendered from the top-level results, and the result document
// (statuses, step results in the document's order, totals, the prediction beside what happened).
import { hasOwnKeys } from '../util/none';
import { renderValue } from '../template/index';
import type { Pipeline, Plan } from '../spec/types';
import { definitionHash, type Prediction } from './predict';
import { cancelledBeforeStart, emptyStepResult, type ResultDocument, type StepResult } from './events';
import type { ListOutcome } from './runContext';
import { workingMs } from './pauseClock';
import type { ListScope } from './scope';
import type { Redactor } from '../toolkit/redact';

/** Totals over the steps, summed in the order they ended. */
function summaryOf(outcome: ListOutcome) {
  let tokensIn = 0;
  let tokensOut = 0;
  let cost = 0;
  for (const i of outcome.endOrder) {
    const r = outcome.byIndex[i]!;
    tokensIn += r.tokens_in;
    tokensOut += r.tokens_out;
    cost += r.cost_usd;
  }
  return { tokensIn, tokensOut, cost: Math.round(cost * 1e6) / 1e6 };
}

export interface RenderedOutputs {
  outputs: Record<string, unknown>;
  /** Outputs that could not be rendered after a run that did not fail otherwise, by name. */
  outputErrors: Record<string, string>;
}

/** Outputs render after the run, from the top-level results. After a failed run they are best
 * effort: one that needs a step that did not run is left out, its cause already reported. */
export function renderOutputs(pipeline: Pipeline, outcome: ListOutcome, scope: ListScope, redactor: Redactor): RenderedOutputs {
  const outputs: Record<string, unknown> = {};
  const outputErrors: Record<string, string> = {};
  if (!outcome.cancelled) {
    // (a walk of the keys: Object.entries made an array per run)
    for (const name in pipeline.outputs) {
      if (!Object.prototype.hasOwnProperty.call(pipeline.outputs, name)) continue;
      const tpl = pipeline.outputs[name];
      try {
        // an output that echoes a secret (a key, a `secret: true` parameter) is redacted as a step's result is
        outputs[name] = redactor.value(typeof tpl === 'string' ? renderValue(tpl, scope) : tpl);
      } catch (e) {
        if (!outcome.failed) outputErrors[name] = redactor.text((e as Error).message);
      }
    }
  }
  return { outputs, outputErrors };
}

/** What the result document says about the run besides its steps' outcome. */
export interface RunFacts {
  pipeline: Pipeline;
  plan: Plan;
  executionId: string;
  /** When the run first started (a resumed run keeps its record's). */
  started: Date;
  /** When this process's session of the run started. */
  sessionStarted: Date;
  resumed: boolean;
  /** The run was asked to predict: the document records definition hashes and the prediction. */
  predict: boolean;
  prediction: Prediction | null;
  /** The run's signal was aborted. */
  aborted: boolean;
  /** Time a debugger held the run (ms). */
  pausedMs?: number;
}

/** Each top-level step's result in the document's key order, and which failed or were skipped. */
function stepResults(pipeline: Pipeline, outcome: ListOutcome) {
  const steps: Record<string, StepResult> = {};
  // in the document's key order: the steps' order, unless an id looks like an array index (those come first)
  let indexLike = false;
  const inOrder = pipeline.steps.map((s, i) => {
    const r = outcome.byIndex[i] ?? cancelledBeforeStart();
    steps[s.id] = r;
    const c = s.id.charCodeAt(0);
    if (c >= 48 && c <= 57) indexLike = true;
    return r;
  });
  const failedSteps: string[] = [];
  const skippedSteps: string[] = [];
  const listStatus = (id: string, r: StepResult) => {
    if (r.status === 'failed') failedSteps.push(id);
    else if (r.status === 'skipped') skippedSteps.push(id);
  };
  if (indexLike) for (const id of Object.keys(steps)) listStatus(id, steps[id]);
  else pipeline.steps.forEach((s, i) => listStatus(s.id, inOrder[i]));
  return { steps, failedSteps, skippedSteps };
}

/** The prediction made before the run beside what happened. */
function predictionBeside(prediction: Prediction, doc: ResultDocument): NonNullable<ResultDocument['prediction']> {
  const steps = doc.steps;
  return {
    makespan_ms: { predicted: prediction.makespan_ms, actual: doc.duration_ms - (doc.paused_ms ?? 0) },
    cost_usd: { predicted: prediction.cost_usd, actual: doc.cost_usd },
    steps: Object.fromEntries(
      prediction.steps.map((p) => [p.step, { predicted_ms: p.duration_ms?.expected ?? null, actual_ms: workingMs(steps[p.step]), predicted_cost_usd: p.cost_usd?.expected ?? null, actual_cost_usd: steps[p.step]?.cost_usd ?? 0, source: p.source }]),
    ),
    unknown: prediction.unknown,
  };
}

/** The run's result document (listener errors are added by the caller, after every event). */
export function resultDocument(facts: RunFacts, outcome: ListOutcome, rendered: RenderedOutputs): ResultDocument {
  const { pipeline, plan } = facts;
  const { outputs, outputErrors } = rendered;
  const cancelled = outcome.cancelled || facts.aborted;
  const anyOutputError = hasOwnKeys(outputErrors);
  const failed = outcome.failed || anyOutputError;
  const status = cancelled ? 'cancelled' : failed ? 'failed' : 'completed';
  const ended = new Date();
  const { steps, failedSteps, skippedSteps } = stepResults(pipeline, outcome);
  const { tokensIn, tokensOut, cost } = summaryOf(outcome);
  // one literal up to duration_ms, then resumed_at (when resumed) and the totals added in that order:
  // the same keys in the same order as before, and a spread inside the literal had made the
  // document a slow dictionary object
  const doc = {
    pipeline_id: pipeline.id,
    execution_id: facts.executionId,
    status,
    success: status === 'completed',
    outputs,
    steps,
    execution_order: plan.executionOrder,
    execution_levels: plan.levels,
    failed_steps: failedSteps,
    skipped_steps: skippedSteps,
    started_at: facts.started.toISOString(),
    ended_at: ended.toISOString(),
    duration_ms: ended.getTime() - facts.sessionStarted.getTime(),
  } as ResultDocument;
  if (facts.resumed) doc.resumed_at = facts.sessionStarted.toISOString();
  doc.tokens_in = tokensIn;
  doc.tokens_out = tokensOut;
  doc.cost_usd = cost;
  if (facts.pausedMs) doc.paused_ms = facts.pausedMs;
  if (anyOutputError) doc.output_errors = outputErrors;
  if (facts.predict) {
    doc.definitions = Object.fromEntries(pipeline.steps.map((s) => [s.id, definitionHash(s)]));
    if (facts.prediction) doc.prediction = predictionBeside(facts.prediction, doc);
  }
  return doc;
}
