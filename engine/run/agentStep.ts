// An `action: agent` step's attempt: the agent loop (engine/agent) given what the run has — its
// models and cassette, its tools and MCP servers, the person to ask — with each turn and call told
// as a RunEvent, and each turn's tokens and cost added to the step's. With a debugger attached,
// each call is shown to it before it runs (engine/run/debugHooks.ts, `beforeToolCall`).
import type { MemoryDecl, Step } from '../spec/types';
import { ToolError, type ToolOutcome } from '../toolkit/runtime';
import type { ModelCallRecord } from '../models/modelRunner';
import { runAgent, type AgentEvent, type AgentHost } from '../agent/index';
import type { CallDecision, HeldCall, HeldHandoff } from '../agent/host';
import { guardText, toolResultGuard } from '../guard/modelGuards';
import { stepGuards } from './stepGuards';
import type { StepResult, StepScope } from './events';
import type { ActionContext } from './runContext';
import { addModelFigures, AttemptToolContext, stepLabel } from './toolContext';
import { personalityPrompt } from './stepModel';
import { SESSION_PARAM, SessionMemory } from '../agent/sessionMemory';
import type { SessionStore } from '../agent/sessions';
import { openSessionStore } from '../agent/sessionStores';
import { SessionStoreError } from '../agent/redisSessions';
import { checkPartsFor, readParts } from '../models/contentParts';
import { TurnReplay } from '../agent/turnReplay';

export interface AgentSetup {
  model: string;
  fallbacks: string[];
  system: string | null;
  /** The final answer's schema (the step's `vars`), or null. */
  schema: Record<string, unknown> | null;
  output: (stream: 'text', chunk: string) => void;
  onCall: (c: ModelCallRecord) => void;
}

const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
const float = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export async function agentAction(step: Step, params: Record<string, unknown>, ctx: ActionContext, signal: AbortSignal, scopePath: StepScope[], r: StepResult, s: AgentSetup): Promise<ToolOutcome> {
  const prompt = params.prompt;
  if (typeof prompt !== 'string' || !prompt.trim()) throw new ToolError(`Agent step '${step.id}' needs 'parameters.prompt': the task for its model`, 'ValueError');
  // guards: the prompt checked before the first turn, the final answer (held, not streamed) before anyone sees it
  const guards = step.guardrails ? stepGuards(step, ctx, scopePath, r) : null;
  const holdAnswer = !!guards?.guardrails.output.length;
  const task = guards ? await guardText(ctx.models, s.model, guards, 'input', prompt, signal) : prompt;
  const emit = (e: AgentEvent) => {
    if (ctx.emitter.listening) ctx.emitter.emit({ time: Date.now(), stepId: step.id, scope: scopePath, ...e });
  };
  const host: AgentHost = {
    stepId: step.id,
    pipeline: { agents: ctx.pipeline.agents, experts: ctx.pipeline.experts, personalities: ctx.pipeline.personalities, model: ctx.pipeline.model },
    models: ctx.models,
    tools: ctx.tools,
    ...(ctx.mcp ? { mcp: ctx.mcp } : {}),
    redactor: ctx.redactor,
    ...(ctx.interaction ? { interaction: { host: ctx.interaction, stepId: step.id, label: stepLabel(step.id, scopePath) } } : {}),
    ...(ctx.cassette ? { tape: ctx.cassette.toolTape(step.id) } : {}),
    pipelineFile: ctx.pipelineFile,
    cwd: ctx.cwd,
    workspace: ctx.workspace,
    allowOutsideWorkspace: ctx.allowOutsideWorkspace,
    defaultModel: ctx.defaultModel,
    toolContext: (callSignal) => new AttemptToolContext(step, ctx, callSignal, scopePath, r),
    emit,
    onText: (c) => (holdAnswer ? undefined : s.output('text', c)),
    onCall: s.onCall,
    spent: (res) => addModelFigures(r, res),
    personality: (name) => personalityPrompt(name, ctx),
    ...(ctx.debug?.hooks.beforeToolCall ? { beforeCall: (call: HeldCall) => askDebugger(step, ctx, scopePath, r, call) } : {}),
    ...(guards?.guardrails.toolResults.length ? { checkToolResult: toolResultGuard(ctx.models, s.model, guards, signal) } : {}),
    ...(ctx.debug?.hooks.atHandoff ? { atHandoff: (h: HeldHandoff) => ctx.debug!.handoff(step, scopePath, h, r, ctx.pauses) } : {}),
  };
  // `memory:`: the session's conversation before the prompt, and this run's added to it
  const memory = step.agent!.memory;
  const sessionId = params[SESSION_PARAM];
  if (memory && (sessionId === undefined || sessionId === null || String(sessionId).trim() === '')) throw new ToolError(`Agent step '${step.id}' has 'memory' but its session is empty ('${memory.session}' rendered to nothing)`, 'ValueError');
  // images, files, audio with the prompt: read in the workspace, and refused before any call when a model of the chain cannot take them
  const parts = readParts(params, ctx);
  for (const m of parts.length ? [s.model, ...s.fallbacks] : []) checkPartsFor(m.slice(0, m.indexOf(':')), parts);
  const store = memory ? await sessionStoreOf(ctx.cwd) : null;
  let result;
  try {
    const session = memory ? await openSession(step, String(sessionId), memory, store!, ctx, scopePath) : undefined;
    result = await runAgent(
      { ref: { name: step.id, path: [] }, models: [s.model, ...s.fallbacks], system: s.system, prompt: task, decl: step.agent!, schema: s.schema, maxTokens: int(params.max_tokens), temperature: float(params.temperature), stream: params.stream !== false, depth: 0, ...(session ? { session } : {}), ...(parts.length ? { parts } : {}), ...replayOf(step, ctx, scopePath) },
      host,
      signal,
      r,
    );
  } finally {
    await store?.close();
  }
  if (holdAnswer && typeof result.answer === 'string') {
    result.answer = await guardText(ctx.models, s.model, guards!, 'output', result.answer, signal);
    s.output('text', result.answer);
  }
  return { success: true, result };
}

/** The sessions' store ORC_SESSION_STORE names; one that cannot be opened fails the step (not retried: its configuration). */
async function sessionStoreOf(cwd: string) {
  try {
    return await openSessionStore(cwd);
  } catch (e) {
    if (e instanceof SessionStoreError) throw new ToolError(e.message, 'ConfigurationError');
    throw e;
  }
}

/** The step's session: as the store holds it now; in a fork, as the parent run read it (added to by nothing), or as it is now with a warning why not. */
async function openSession(step: Step, id: string, memory: MemoryDecl, store: SessionStore, ctx: ActionContext, scopePath: StepScope[]): Promise<SessionMemory> {
  const runId = ctx.executionId ?? 'run';
  const f = ctx.forkSessions;
  if (!f) return SessionMemory.open(id, memory, store, runId, ctx.redactor);
  const key = scopePath.map((s) => `${s.loop}[${s.index}]/`).join('') + step.id;
  const shared = Object.entries(f.sessions).filter(([k, r]) => k !== key && r.id === id).map(([k]) => k);
  const { memory: session, warning } = await SessionMemory.forked(id, memory, store, runId, ctx.redactor, { parent: f.parent, record: f.sessions[key], shared, ...(f.ended[key] ? { ended: f.ended[key] } : {}) });
  if (warning) ctx.emitter.emit({ type: 'warning', time: Date.now(), stepId: step.id, message: `Step '${key}' of this fork: ${warning}` });
  return session;
}

/** A fork at a turn of this step (`orc fork RUN --at STEP.TURN`): its turns before it, from the parent's record. */
function replayOf(step: Step, ctx: ActionContext, scopePath: StepScope[]): { replay?: TurnReplay } {
  const f = ctx.forkTurns;
  if (!f || f.key !== scopePath.map((s) => `${s.loop}[${s.index}]/`).join('') + step.id) return {};
  return { replay: new TurnReplay(f.recorded, f.turn, `agent step '${f.key}'`) };
}

/** The debugger's answer for a call; a debugger that fails lets the call run as asked, with a warning. */
async function askDebugger(step: Step, ctx: ActionContext, scopePath: StepScope[], r: StepResult, call: HeldCall): Promise<CallDecision | void> {
  try {
    return await ctx.debug!.toolCall(step, scopePath, call, r, ctx.pauses);
  } catch (e) {
    ctx.emitter.emit({ type: 'warning', time: Date.now(), stepId: step.id, message: `The debugger failed before a call of ${call.tool} (it runs as asked): ${(e as Error).message}` });
  }
}
