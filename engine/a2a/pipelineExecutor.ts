// A served pipeline as an A2A agent's executor: a message's text is given to the pipeline's message
// parameter (as `orc chat` gives it a line) and runs it as any served run (the A2aRunner `orc
// serve` gives: recorded in .orchestrator/runs/, within --max-runs, a durable run with --restate). The task goes submitted,
// working (its metadata names the run), then completed with the run's outputs as an artifact and
// the answer's text as the status message, failed with the error, or canceled when cancelled. A
// pipeline with a `session` parameter is given the message's contextId as its session, so the
// messages of one A2A conversation continue one agent conversation (`memory:`).
import { Role, TaskState, type Message, type Part } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import type { ResultDocument } from '../api/index';
import type { A2aAgent } from './agentCards';

/** A run an agent's task started. */
export interface A2aRun {
  id: string;
  /** Settles with the (redacted) result document; never rejects. */
  done: Promise<ResultDocument>;
}

/** Who runs the agents' pipelines: `orc serve`'s runs (engine/serve/servedRuns.ts), so an agent's run is a served run. */
export interface A2aRunner {
  /** Starts a run of the agent's pipeline with these inputs; throws (with the reason as its message) when it cannot start. */
  start(agent: A2aAgent, inputs: Record<string, unknown>): Promise<A2aRun>;
  cancel(run: A2aRun, why: string): Promise<unknown>;
}

/** The text of a message's text parts, in order, a line each. */
export function messageText(m: Message): string {
  return m.parts.flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join('\n');
}

/** What a finished run answers: its one output as text, else each output on its line (`orc chat`'s answer). */
export function answerText(doc: ResultDocument): string {
  const outs = Object.entries(doc.outputs ?? {});
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  if (outs.length === 1) return text(outs[0][1]);
  return outs.map(([k, v]) => `${k}: ${text(v)}`).join('\n');
}

function textPart(value: string): Part {
  return { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

function agentMessage(taskId: string, contextId: string, text: string): Message {
  return { messageId: `${taskId}-answer`, contextId, taskId, role: Role.ROLE_AGENT, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] };
}

export class PipelineAgentExecutor implements AgentExecutor {
  /** The runs of the tasks still working, by task id. */
  private readonly running = new Map<string, A2aRun>();

  constructor(
    private readonly agent: () => A2aAgent | undefined,
    private readonly runs: A2aRunner,
  ) {}

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = ctx;
    const now = () => new Date().toISOString();
    const status = (state: TaskState, text?: string, metadata?: Record<string, unknown>) =>
      bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: { state, message: text === undefined ? undefined : agentMessage(taskId, contextId, text), timestamp: now() }, metadata }));
    bus.publish(AgentEvent.task({ id: taskId, contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now() }, artifacts: [], history: [ctx.userMessage], metadata: undefined }));
    const agent = this.agent();
    if (!agent) {
      status(TaskState.TASK_STATE_FAILED, 'This pipeline is no longer served as an agent');
      return bus.finished();
    }
    let run: A2aRun;
    try {
      // the A2A conversation (its contextId) is the pipeline's session, as `orc chat --session` and a served run's `session` give it
      const session = agent.sp.analysis.pipeline?.parameters.some((p) => p.name === 'session') ? { session: contextId } : {};
      run = await this.runs.start(agent, { [agent.parameter]: messageText(ctx.userMessage), ...session });
    } catch (e) {
      // a refusal (422 inputs, 429 too many runs, 503 Restate): the task fails with its message
      status(TaskState.TASK_STATE_FAILED, (e as Error).message);
      return bus.finished();
    }
    this.running.set(taskId, run);
    status(TaskState.TASK_STATE_WORKING, undefined, { run_id: run.id });
    const doc = await run.done;
    this.running.delete(taskId);
    if (doc.status === 'cancelled') status(TaskState.TASK_STATE_CANCELED, 'The run was cancelled', { run_id: run.id });
    else if (doc.success) {
      const answer = answerText(doc);
      bus.publish(AgentEvent.artifactUpdate({ taskId, contextId, artifact: { artifactId: `${run.id}-outputs`, name: 'outputs', description: "The run's outputs", parts: [textPart(answer), { content: { $case: 'data', value: doc.outputs }, metadata: undefined, filename: '', mediaType: 'application/json' }], metadata: undefined, extensions: [] }, append: false, lastChunk: true, metadata: undefined }));
      status(TaskState.TASK_STATE_COMPLETED, answer, { run_id: run.id });
    } else {
      const why = Object.values(doc.output_errors ?? {})[0] ?? doc.failed_steps.map((s) => `${s}: ${doc.steps[s]?.error ?? 'failed'}`).join('; ');
      status(TaskState.TASK_STATE_FAILED, `The run ${doc.status === 'failed' ? 'failed' : `ended ${doc.status}`}${why ? `: ${why}` : ''}`, { run_id: run.id });
    }
    bus.finished();
  }

  async cancelTask(taskId: string, _bus: ExecutionEventBus): Promise<void> {
    const run = this.running.get(taskId);
    // the run's end publishes the canceled status (execute above)
    if (run) await this.runs.cancel(run, 'cancelled over A2A (tasks/cancel)');
  }
}
