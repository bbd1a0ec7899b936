// What a step's guards need of its run (engine/guard/modelGuards.ts): nested pipelines for
// `pipeline:` guards (a file beside the pipeline), the run's Interaction for `ask`, and the record
// of each check: a line of the step's result and a `guardrail` event.
import * as path from 'node:path';
import type { StepGuards } from '../guard/modelGuards';
import type { Step } from '../spec/types';
import type { StepResult, StepScope } from './events';
import type { ActionContext } from './runContext';
import { addModelFigures } from './toolContext';

export function stepGuards(step: Step, ctx: ActionContext, scopePath: StepScope[], r: StepResult): StepGuards {
  return {
    guardrails: step.guardrails!,
    stepId: step.id,
    repairAttempts: step.repairAttempts ?? 1,
    interaction: ctx.interaction,
    runPipeline: (file, inputs, signal) => ctx.runNested(path.resolve(ctx.pipelineFile ? path.dirname(ctx.pipelineFile) : ctx.cwd, file), inputs, { signal }, { stepId: step.id, scope: scopePath }),
    record: (line, ms) => {
      const kept = { ...line, reason: line.reason === null ? null : ctx.redactor.text(line.reason) };
      (r.guardrails ??= []).push(kept);
      if (ctx.emitter.listening) ctx.emitter.emit({ type: 'guardrail', time: Date.now(), stepId: step.id, scope: scopePath, duration_ms: ms, ...kept });
    },
    spent: (figures) => addModelFigures(r, figures),
  };
}
