// The attribute names traces carry. The GenAI ones follow the OpenTelemetry semantic conventions
// v1.41.0 (gen-ai-spans, gen-ai-agent-spans: `invoke_workflow`, `invoke_agent`, `execute_tool`, `chat`), the last
// release before the GenAI conventions moved to their own repository; they are "Development" there,
// so they are written out here rather than imported from the package's unstable entry point.

export const GENAI_SEMCONV_VERSION = '1.41.0';

export const GEN_AI = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  workflowName: 'gen_ai.workflow.name',
  agentName: 'gen_ai.agent.name',
  toolName: 'gen_ai.tool.name',
  toolType: 'gen_ai.tool.type',
  toolCallId: 'gen_ai.tool.call.id',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  responseModel: 'gen_ai.response.model',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  // the `gen_ai.evaluation.result` event's attributes
  evaluationName: 'gen_ai.evaluation.name',
  evaluationScore: 'gen_ai.evaluation.score.value',
  evaluationLabel: 'gen_ai.evaluation.score.label',
  evaluationExplanation: 'gen_ai.evaluation.explanation',
} as const;

/** orc's own attributes, under one namespace. */
export const ORC = {
  pipelineId: 'orchestrator.pipeline.id',
  runId: 'orchestrator.run.id',
  resumed: 'orchestrator.run.resumed',
  status: 'orchestrator.status',
  costUsd: 'orchestrator.cost_usd',
  stepId: 'orchestrator.step.id',
  tool: 'orchestrator.tool',
  action: 'orchestrator.action',
  attempt: 'orchestrator.attempt',
  attempts: 'orchestrator.attempts',
  retries: 'orchestrator.retries',
  cached: 'orchestrator.cached',
  loop: 'orchestrator.loop',
  index: 'orchestrator.iteration.index',
  queuedMs: 'orchestrator.queued_ms',
  waitMs: 'orchestrator.wait_ms',
  retryInMs: 'orchestrator.retry_in_ms',
  providerAttempts: 'orchestrator.provider_attempts',
  message: 'orchestrator.message',
  agentStopReason: 'orchestrator.agent.stop_reason',
  agentTurns: 'orchestrator.agent.turns',
  agentToolCalls: 'orchestrator.agent.tool_calls',
  agentTurn: 'orchestrator.agent.turn',
  agentTurnKind: 'orchestrator.agent.turn_kind',
  guardName: 'orchestrator.guard.name',
  guardStage: 'orchestrator.guard.stage',
  guardAction: 'orchestrator.guard.action',
  guardPassed: 'orchestrator.guard.passed',
} as const;

/** An eval's spans (`orc eval`). */
export const EVAL = {
  id: 'orchestrator.eval.id',
  file: 'orchestrator.eval.file',
  pipelineFile: 'orchestrator.eval.pipeline_file',
  variants: 'orchestrator.eval.variants',
  repeat: 'orchestrator.eval.repeat',
  planned: 'orchestrator.eval.planned',
  resumed: 'orchestrator.eval.resumed',
  total: 'orchestrator.eval.total',
  passed: 'orchestrator.eval.passed',
  passRate: 'orchestrator.eval.pass_rate',
  verdict: 'orchestrator.eval.verdict',
  case: 'orchestrator.eval.case',
  variant: 'orchestrator.eval.variant',
  repeatIndex: 'orchestrator.eval.repeat_index',
  caseStatus: 'orchestrator.eval.case_status',
  score: 'orchestrator.eval.score',
  target: 'orchestrator.eval.target',
  line: 'orchestrator.eval.line',
} as const;

export const ERROR_TYPE = 'error.type';

/** `gen_ai.provider.name` of our provider prefixes (the conventions' well-known values where there is one). */
export function providerName(provider: string): string {
  if (provider === 'google') return 'gcp.gemini';
  return provider;
}
