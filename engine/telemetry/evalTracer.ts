// An eval's trace: one `evaluate {eval}` span, an `eval_case {case}` span per case run under it with
// the case's pipeline run (its `invoke_workflow` trace) inside, and each assertion's result as a
// `gen_ai.evaluation.result` event on its case (the GenAI conventions' evaluation event). Loaded only
// when traces are on.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { EvalCaseEnd, EvalCaseStart, EvalTraces, EvalTraceStart, TracedEvalCase } from '../run/evalTraces';
import type { RunOptions } from '../run/runPipeline';
import type { Redactor } from '../toolkit/redact';
import { traceparentOf } from './runTracer';
import { ERROR_TYPE, EVAL, GEN_AI, ORC } from './semconv';

/** The hooks of a run whose root span hangs under the span a traceparent names. */
export type RunHooks = (o: { pipelineId: string; redactor: Redactor; parent?: string }) => Pick<RunOptions, 'listeners' | 'nestedListeners'>;

export class EvalTracer implements EvalTraces {
  private root: Span | null = null;
  private pipelineId = '';

  constructor(
    /** null: metrics only (each case's run is counted; no spans). */
    private readonly tracer: Tracer | null,
    private readonly runHooks: RunHooks,
  ) {}

  start(e: EvalTraceStart): void {
    const name = e.evalFile.replace(/^.*[\\/]/, '').replace(/\.eval\.ya?ml$/i, '') || e.evalId;
    this.pipelineId = e.pipelineId;
    if (!this.tracer) return;
    this.root = this.tracer.startSpan(
      `evaluate ${name}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [EVAL.id]: e.evalId,
          [EVAL.file]: e.evalFile,
          [EVAL.variants]: e.variants,
          [EVAL.repeat]: e.repeat,
          [EVAL.planned]: e.planned,
          [EVAL.resumed]: e.resumed,
          [ORC.pipelineId]: e.pipelineId,
          [EVAL.pipelineFile]: e.pipelineFile,
        },
      },
      ROOT_CONTEXT,
    );
  }

  case(c: EvalCaseStart, redactor: Redactor): TracedEvalCase {
    if (!this.tracer) return { run: this.runHooks({ pipelineId: this.pipelineId, redactor }), end: () => undefined };
    const parent = this.root ? trace.setSpan(ROOT_CONTEXT, this.root) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(`eval_case ${c.case}`, { kind: SpanKind.INTERNAL, attributes: { [EVAL.case]: c.case, [EVAL.variant]: c.variant, [EVAL.repeatIndex]: c.repeat } }, parent);
    return {
      run: this.runHooks({ pipelineId: this.pipelineId, redactor, parent: traceparentOf(span) }),
      end: (r) => endCase(span, r),
    };
  }

  end(e: { status: string; total: number; passed: number; passRate: number; verdict: string }): void {
    if (!this.root) return;
    this.root.setAttributes({ [ORC.status]: e.status, [EVAL.total]: e.total, [EVAL.passed]: e.passed, [EVAL.passRate]: e.passRate, [EVAL.verdict]: e.verdict });
    this.root.end();
    this.root = null;
  }
}

function endCase(span: Span, r: EvalCaseEnd | null): void {
  if (!r) {
    span.setAttribute(EVAL.caseStatus, 'cancelled');
    span.end();
    return;
  }
  span.setAttributes({ [EVAL.caseStatus]: r.status, [EVAL.score]: r.score, ...(r.runId ? { [ORC.runId]: r.runId } : {}), ...(r.runStatus ? { [ORC.status]: r.runStatus } : {}) });
  for (const a of r.assertions) {
    span.addEvent('gen_ai.evaluation.result', {
      [GEN_AI.evaluationName]: a.description ? `${a.kind}: ${a.description}` : a.kind,
      [GEN_AI.evaluationScore]: a.score,
      [GEN_AI.evaluationLabel]: a.status,
      [GEN_AI.evaluationExplanation]: a.reason,
      [EVAL.target]: a.target,
      ...(a.line >= 0 ? { [EVAL.line]: a.line + 1 } : {}),
    });
  }
  if (r.status === 'fail' || r.status === 'error') {
    span.setAttribute(ERROR_TYPE, r.status === 'fail' ? 'AssertionFailed' : 'EvalCaseError');
    span.setStatus({ code: SpanStatusCode.ERROR, message: r.error ?? (r.status === 'fail' ? `failed: ${r.assertions.filter((a) => !a.pass).map((a) => a.kind).join(', ') || 'the run did not complete'}` : r.status) });
  }
  span.end();
}
