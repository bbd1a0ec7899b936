// A run's figures as OpenTelemetry metrics, from its RunEvents: runs and steps by status, their
// durations, retries, and per provider call the GenAI client metrics (`gen_ai.client.token.usage`,
// `gen_ai.client.operation.duration`), cost and rate-limit waits. A worker records the attempts it
// runs and their calls the same way (`recordAttempt`, `recordCall`).
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import type { NestedRunAt, RunEvent, RunListener } from '../run/events';
import type { RunOptions } from '../run/runPipeline';
import { GEN_AI, ORC, providerName } from './semconv';

type ModelCall = Extract<RunEvent, { type: 'model-call' }>;

/** Bucket bounds (seconds) the GenAI conventions advise for operation durations. */
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

export class RunMetrics {
  private readonly runs: Counter;
  private readonly runDuration: Histogram;
  private readonly steps: Counter;
  private readonly stepDuration: Histogram;
  private readonly attempts: Counter;
  private readonly retries: Counter;
  private readonly tokens: Histogram;
  private readonly callDuration: Histogram;
  private readonly cost: Counter;
  private readonly waits: Histogram;

  constructor(meter: Meter) {
    this.runs = meter.createCounter('orchestrator.runs', { description: 'Runs that ended, by pipeline and status', unit: '{run}' });
    this.runDuration = meter.createHistogram('orchestrator.run.duration', { description: 'How long runs took', unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
    this.steps = meter.createCounter('orchestrator.steps', { description: 'Steps that ended, by pipeline, step and status', unit: '{step}' });
    this.stepDuration = meter.createHistogram('orchestrator.step.duration', { description: 'How long steps took (all attempts)', unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
    this.attempts = meter.createCounter('orchestrator.attempts', { description: 'Step attempts a worker ran, by status', unit: '{attempt}' });
    this.retries = meter.createCounter('orchestrator.retries', { description: 'Attempts that failed and were retried', unit: '{retry}' });
    this.tokens = meter.createHistogram('gen_ai.client.token.usage', { description: 'Tokens per provider call', unit: '{token}', advice: { explicitBucketBoundaries: TOKEN_BUCKETS } });
    this.callDuration = meter.createHistogram('gen_ai.client.operation.duration', { description: 'Provider call duration', unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
    this.cost = meter.createCounter('orchestrator.cost', { description: 'What provider calls cost (the model registry prices)', unit: 'USD' });
    this.waits = meter.createHistogram('orchestrator.rate_limit.wait', { description: "Time calls waited for a provider's rate limiter and concurrency slots", unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  }

  /** One provider call. */
  recordCall(e: ModelCall, pipelineId: string): void {
    const model = e.model.includes(':') ? e.model.slice(e.model.indexOf(':') + 1) : e.model;
    const provider = providerName(e.provider ?? (e.model.includes(':') ? e.model.slice(0, e.model.indexOf(':')) : 'unknown'));
    const attrs: Attributes = { [GEN_AI.operation]: 'chat', [GEN_AI.provider]: provider, [GEN_AI.requestModel]: model, [GEN_AI.responseModel]: e.response_model ?? model };
    this.tokens.record(e.tokens_in, { ...attrs, 'gen_ai.token.type': 'input' });
    this.tokens.record(e.tokens_out, { ...attrs, 'gen_ai.token.type': 'output' });
    this.callDuration.record(e.latency_ms / 1000, attrs);
    this.cost.add(e.cost_usd, { [GEN_AI.provider]: provider, [GEN_AI.requestModel]: model, [ORC.pipelineId]: pipelineId });
    if (e.wait_ms > 0) this.waits.record(e.wait_ms / 1000, { [GEN_AI.provider]: provider });
  }

  /** One attempt a worker ran. */
  recordAttempt(a: { pipelineId: string; stepId: string; tool: string | null; action: string | null; status: 'completed' | 'failed'; ms: number }): void {
    const attrs: Attributes = { [ORC.pipelineId]: a.pipelineId, [ORC.stepId]: a.stepId, [ORC.status]: a.status, [ORC.tool]: a.tool ?? 'model', [ORC.action]: a.action ?? '' };
    this.attempts.add(1, attrs);
    this.stepDuration.record(a.ms / 1000, attrs);
  }

  /**
   * A run's listener. `remoteCalls`: its provider calls ran on workers (`orc run --redis`), which
   * record them; the run then counts its steps only.
   */
  listener(remoteCalls: boolean): Pick<RunOptions, 'listeners' | 'nestedListeners'> {
    let pipelineId = '';
    const on: RunListener = (e) => {
      switch (e.type) {
        case 'run-started':
          pipelineId = e.pipelineId;
          return;
        case 'model-call':
          if (!remoteCalls) this.recordCall(e, pipelineId);
          return;
        case 'attempt-failed':
          if (e.retryInMs !== null) this.retries.add(1, { [ORC.pipelineId]: pipelineId, [ORC.stepId]: e.stepId });
          return;
        case 'step-ended': {
          const r = e.result;
          const attrs: Attributes = { [ORC.pipelineId]: pipelineId, [ORC.stepId]: e.stepId, [ORC.status]: r.status };
          this.steps.add(1, attrs);
          if (r.duration_ms !== null && r.status !== 'skipped') this.stepDuration.record(r.duration_ms / 1000, attrs);
          return;
        }
        case 'run-ended':
          this.runs.add(1, { [ORC.pipelineId]: e.result.pipeline_id, [ORC.status]: e.result.status });
          this.runDuration.record(e.result.duration_ms / 1000, { [ORC.pipelineId]: e.result.pipeline_id, [ORC.status]: e.result.status });
          return;
        default:
          return;
      }
    };
    // nested pipelines run here: their calls are this process's
    const nested = (_from: NestedRunAt): Pick<RunOptions, 'listeners' | 'nestedListeners'> => this.listener(false);
    return { listeners: [on], nestedListeners: nested };
  }
}
