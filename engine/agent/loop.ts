// The agent loop: ask the model, run the calls it asks for (allowed, validated, approved, at once
// when parallel), answer each with its result or its error, and ask again, until it answers without
// a call or a limit ends it. A limit never passes silently: with `on_limit: fail` the step fails
// with AgentLimitError naming it (its result the loop so far); with `answer`, one last call without
// tools asks for the answer, and `stop_reason` still names the limit.
import type { AgentDecl, AgentLimit, NamedAgent } from '../spec/types';
import type { ChatMessage, ToolDecl, ToolResultMessage, WireToolCall } from '../models/provider';
import type { ChatResponse } from '../models/modelRunner';
import { fallThroughReason } from '../models/fallback';
import { notJsonReason } from '../models/notJson';
import { ToolError, untilAborted } from '../toolkit/runtime';
import { buildCatalog, type AgentCatalog } from './catalog';
import type { AgentHost, AgentRun } from './host';
import { costFigure, usageFigures } from '../models/usageFigures';
import { AgentLimitError, copyOfResult, limitMessage, toolCallCount, type AgentStepResult, type AgentToolCall, type AgentTurn, type PendingCall, type StopReason } from './types';
import { runCalls, type CallSite, type CallsState } from './calls';
import { Spend } from './spend';
import { TreeBound } from './treeBound';
import { keepBounded, recorded } from './bounds';
import { validatorFor } from './schemas';
import { handoffLimitMessage, MAX_HANDOFFS, transferDecls, transferIn, transfersOf, type Speaker } from './handoffs';

/** How deep named agents may call each other (a step's agent is depth 0). */
export const MAX_AGENT_DEPTH = 4;

export type { AgentHost, AgentRun } from './host';


function limitWords(limit: AgentLimit, decl: AgentDecl): string {
  switch (limit) {
    case 'max_turns':
      return `max_turns (${decl.maxTurns} model call${decl.maxTurns === 1 ? '' : 's'})`;
    case 'max_tool_calls':
      return `max_tool_calls (${decl.maxToolCalls} tool call${decl.maxToolCalls === 1 ? '' : 's'})`;
    case 'budget':
      return `budget (${[decl.budget.maxCostUsd !== null ? `$${decl.budget.maxCostUsd}` : '', decl.budget.maxTokens !== null ? `${decl.budget.maxTokens} tokens` : ''].filter(Boolean).join(', ')})`;
    case 'timeout':
      return 'the step\'s timeout';
    case 'agent_tree':
      return 'the bound of its whole tree of agents';
    case 'handoffs':
      return `handoffs (${MAX_HANDOFFS} in one step)`;
  }
}


export class AgentLoop implements CallSite {
  readonly state: AgentStepResult = { answer: null, stop_reason: 'answered', turns: 0, tool_calls: [], transcript: [], tokens_in: 0, tokens_out: 0, cost_usd: 0 };
  private readonly messages: ChatMessage[];
  private catalog: AgentCatalog | null = null;
  private decls: ToolDecl[] = [];
  /** The models that may answer (the run's chain; a handed-to agent's own model). */
  private models: string[];
  /** The model that answers: the first of the chain, until one fails over to the next. */
  private modelIndex = 0;
  private readonly calls: CallsState;
  /** The agent whose instructions and tools are in force (the step's own until a handoff). */
  private speaker: Speaker;
  /** The handoffs the speaker offers: wire name → named agent. */
  private transfers = new Map<string, NamedAgent>();
  /** Messages that came from the session (the run's own follow them). */
  private readonly fromSession: number;

  constructor(
    readonly run: AgentRun,
    private readonly host: AgentHost,
    private readonly signal: AbortSignal,
    readonly spend: Spend,
    /** The step's count of identical tool calls (cassette keys), shared with its sub-agents. */
    occurrences: Map<string, number>,
    /** The bound of the step's whole tree of agents, shared with its sub-agents (a step's own: made from its limits). */
    tree: TreeBound = TreeBound.of(run.decl),
  ) {
    const history = run.session?.history ?? [];
    this.fromSession = history.length;
    this.messages = [...history, { role: 'user', content: run.prompt, ...(run.parts?.length ? { parts: run.parts } : {}) }];
    this.calls = { made: 0, occurrences, tree };
    this.models = run.models;
    this.speaker = { name: run.ref.name, system: run.session ? run.session.system(run.system) : run.system, decl: run.decl, model: null };
    if (run.session) this.state.session = run.session.record;
  }

  private get model(): string {
    return this.models[this.modelIndex];
  }

  /** The speaker's tools: its allow-list made concrete, and its handoffs. */
  private async enter(speaker: Speaker): Promise<void> {
    const { host } = this;
    this.speaker = speaker;
    this.catalog = await buildCatalog(speaker.decl.tools, { pipeline: host.pipeline, tools: host.tools, mcp: host.mcp, pipelineFile: host.pipelineFile, cwd: host.cwd, workspace: host.workspace, allowOutsideWorkspace: host.allowOutsideWorkspace, signal: this.signal });
    this.transfers = transfersOf(speaker.decl, host.pipeline.agents, speaker.name === this.run.ref.name && !this.state.handoffs ? `Agent step '${speaker.name}'` : `Agent '${speaker.name}'`);
    this.decls = [...this.catalog.decls(), ...transferDecls(this.transfers)];
  }

  async start(): Promise<AgentStepResult> {
    const { run, host, state } = this;
    const decl = run.decl;
    await this.enter(this.speaker);
    for (;;) {
      if (this.signal.aborted) throw this.signal.reason;
      if (state.turns >= decl.maxTurns) return this.atLimit('max_turns');
      if (this.spend.over()) return this.atLimit('budget');
      if (this.calls.tree.modelCallsSpent()) return this.atLimit('agent_tree');
      const res = await this.turn('tools');
      if (!res.toolCalls.length) {
        state.answer = res.text;
        const conversation = [...this.messages, res.message];
        if (run.schema) await this.structured(res);
        await this.remember(conversation);
        return this.end('answered');
      }
      this.messages.push(res.message);
      const transfer = transferIn(res.toolCalls, this.transfers);
      if (transfer) {
        await this.handOff(transfer.agent, transfer.call.id, res.toolCalls);
        continue;
      }
      const lastTurn = state.turns >= decl.maxTurns;
      const { results, limit } = await runCalls(this, res.toolCalls, state.turns, lastTurn, this.catalog!, this.calls);
      this.messages.push({ role: 'tool', results });
      if (limit) return this.atLimit(limit);
    }
  }

  /** The step's host, its cancellation, what the loop has made so far (for the calls). */
  get env(): { host: AgentHost; signal: AbortSignal } {
    return { host: this.host, signal: this.signal };
  }

  /** A call of a named agent: its own loop, a child of this one (its spend counts here too). */
  async child(agent: NamedAgent, prompt: string, callId: string, signal: AbortSignal): Promise<AgentStepResult> {
    if (this.run.depth + 1 > MAX_AGENT_DEPTH) throw new ToolError(`Agents nest deeper than ${MAX_AGENT_DEPTH} levels (agent '${agent.name}' called from '${this.run.ref.name}')`, 'LimitError');
    const { host } = this;
    const model = agent.model ?? (agent.expert && host.pipeline.experts && Object.prototype.hasOwnProperty.call(host.pipeline.experts, agent.expert) ? host.pipeline.experts[agent.expert] : null) ?? this.model;
    const system = agent.instructions ?? (agent.personality ? host.personality(agent.personality) : null);
    const loop = new AgentLoop(
      { ref: { name: agent.name, path: [...this.run.ref.path, callId] }, models: [model], system, prompt, decl: agent, schema: null, maxTokens: agent.maxTokens, temperature: agent.temperature, stream: this.run.stream, depth: this.run.depth + 1 },
      host,
      signal,
      this.spend.child(agent.budget),
      this.calls.occurrences,
      this.calls.tree,
    );
    try {
      return await loop.start();
    } finally {
      // the result's figures are the whole loop's, sub-agents included (as the step's are)
      this.state.tokens_in += loop.state.tokens_in;
      this.state.tokens_out += loop.state.tokens_out;
      this.state.cost_usd += loop.state.cost_usd;
    }
  }

  /**
   * A transfer the model called: every call of the turn answered (the transfer as done, the others
   * as not run), the handoff recorded, and the named agent's instructions, tools and model in force
   * from the next turn. Past MAX_HANDOFFS the step fails, the chain of agents in the message.
   */
  private async handOff(agent: NamedAgent, transferId: string, calls: WireToolCall[]): Promise<void> {
    const { run, host, state } = this;
    const turn = state.turns;
    if ((state.handoffs?.length ?? 0) >= MAX_HANDOFFS) {
      host.emit({ type: 'agent-ended', agent: run.ref, stop_reason: 'handoffs', turns: turn, tool_calls: toolCallCount(state), answer: null });
      throw new AgentLimitError('handoffs', handoffLimitMessage(run.ref.name, run.ref.name, [...(state.handoffs ?? []), { to: agent.name, turn }]), copyOfResult(state, 'handoffs'));
    }
    const results: ToolResultMessage['results'] = [];
    for (const c of calls) {
      const pending = { id: c.id, tool: c.name, arguments: recorded(host.redactor.value(c.arguments ?? c.argumentsText)) };
      host.emit({ type: 'tool-call-started', agent: run.ref, turn, call: pending, approval: false });
      const done = c.id === transferId;
      const content = done ? `Transferred to ${agent.name}: it continues the conversation.` : `Not run: the conversation was handed to ${agent.name}.`;
      const call: AgentToolCall = { ...pending, ...(done ? { result: { handoff_to: agent.name } } : { error: content }), status: done ? 'ok' : 'refused', duration_ms: 0, turn };
      this.calls.made++;
      keepBounded(state, 'tool_calls', call);
      host.emit({ type: 'tool-call-ended', agent: run.ref, call });
      results.push({ id: c.id, name: c.name, content, isError: !done, ...(c.generatedId ? { generatedId: true as const } : {}) });
    }
    this.messages.push({ role: 'tool', results });
    (state.handoffs ??= []).push({ to: agent.name, turn });
    const last = state.transcript[state.transcript.length - 1];
    if (last?.turn === turn) last.handoff = agent.name;
    host.emit({ type: 'agent-handoff', agent: run.ref, turn, from: this.speaker.name, to: agent.name });
    // a debugger may hold the conversation here, before the new agent's first turn
    if (host.atHandoff) await untilAborted(Promise.resolve(host.atHandoff({ agent: run.ref, turn, from: this.speaker.name, to: agent.name, conversation: copyOfResult(state) }, this.signal)), this.signal);
    const model = agent.model ?? (agent.expert && host.pipeline.experts && Object.prototype.hasOwnProperty.call(host.pipeline.experts, agent.expert) ? host.pipeline.experts[agent.expert] : null);
    if (model) {
      this.models = [model];
      this.modelIndex = 0;
    }
    const system = agent.instructions ?? (agent.personality ? host.personality(agent.personality) : null);
    await this.enter({ name: agent.name, system: run.session ? run.session.system(system) : system, decl: agent, model });
  }

  /** The conversation of this run added to its session (`memory:`), compacted past its bound by a summary the model writes. */
  private async remember(conversation: ChatMessage[]): Promise<void> {
    const session = this.run.session;
    if (!session) return;
    await session.save(conversation.slice(this.fromSession), async (request) => {
      // compaction waits for a run with budget left: the messages are kept meanwhile
      if (this.spend.over()) return null;
      const res = await this.turn('summary', null, [{ role: 'user', content: request }]);
      return res.text;
    });
  }

  /** One model call; `none`: the model must answer without a call (the last call after a limit); `summary`: the session's compaction (its own conversation, no tools). */
  private async turn(mode: 'tools' | 'none' | 'structured' | 'summary', schema: Record<string, unknown> | null = null, messages: ChatMessage[] = this.messages): Promise<ChatResponse> {
    const { run, host, state } = this;
    const n = state.turns + 1;
    // counted in the tree before the call: agents running side by side see each other's calls at once
    this.calls.tree.modelCalls++;
    host.emit({ type: 'agent-turn-started', agent: run.ref, turn: n, model: this.model });
    const t0 = performance.now();
    let res: ChatResponse;
    // a fork's turn before its fork point: the parent's answer, no call
    const past = mode === 'tools' && run.replay ? run.replay.response(n, (s) => this.catalog?.tools.find((t) => t.spelling === s)?.wire ?? s) : null;
    if (past) res = past;
    else for (;;) {
      try {
        if (!host.models.chat) throw new ToolError(`Model '${this.model}' cannot call tools here: this host's models have no function calling`, 'ConfigurationError');
        res = await host.models.chat({
          model: this.model,
          system: mode === 'summary' ? null : this.speaker.system,
          messages,
          tools: mode === 'summary' ? [] : this.decls,
          parallelToolCalls: run.decl.parallelToolCalls,
          toolChoice: mode === 'tools' ? 'auto' : 'none',
          schema,
          maxTokens: run.maxTokens,
          temperature: run.temperature,
          stream: run.stream && mode !== 'structured' && mode !== 'summary',
          signal: this.signal,
          onText: (c) => host.onText(c),
          onCall: (c) => host.onCall(c),
          stepId: host.stepId,
        });
        break;
      } catch (e) {
        // a turn the model could not answer for a reason another provider could fix: the next model of the chain takes the conversation on
        if (this.signal.aborted || this.modelIndex >= this.models.length - 1 || !fallThroughReason(e)) throw e;
        host.emit({ type: 'agent-turn-ended', agent: run.ref, turn: { turn: n, model: this.model, text: '', tool_calls: [], tokens_in: 0, tokens_out: 0, cost_usd: 0, latency_ms: Math.round(performance.now() - t0), finish_reason: `failed: ${host.redactor.text((e as Error).message)}` }, calls: [] });
        this.modelIndex++;
        host.emit({ type: 'agent-turn-started', agent: run.ref, turn: n, model: this.model });
      }
    }
    // a host's models may not pass the runner's check (engine/models/usageFigures.ts): the figures are checked here too
    const u = usageFigures(res.tokens_in, res.tokens_out);
    res.tokens_in = u.tokensIn;
    res.tokens_out = u.tokensOut;
    res.cost_usd = costFigure(res.cost_usd);
    const usage = res.usage ?? u.unknown;
    this.spend.add(res.tokens_in + res.tokens_out, res.cost_usd);
    host.spent(res);
    state.turns = n;
    state.tokens_in += res.tokens_in;
    state.tokens_out += res.tokens_out;
    state.cost_usd += res.cost_usd;
    const pending: PendingCall[] = res.toolCalls.map((c) => ({ id: c.id, tool: this.spellingOf(c), arguments: recorded(host.redactor.value(c.arguments ?? c.argumentsText)) }));
    const record: AgentTurn = { turn: n, model: res.model, text: res.text, tool_calls: pending.map((c) => c.id), tokens_in: res.tokens_in, tokens_out: res.tokens_out, cost_usd: res.cost_usd, latency_ms: res.latency_ms, ...(res.finish_reasons?.[0] ? { finish_reason: res.finish_reasons[0] } : {}), ...(usage ? { usage } : {}), ...(mode === 'none' ? { kind: 'final' as const } : mode === 'structured' ? { kind: 'structured' as const } : mode === 'summary' ? { kind: 'summary' as const } : {}), ...(this.state.handoffs ? { agent: this.speaker.name } : {}), ...(past ? { from_record: true as const } : {}) };
    keepBounded(state, 'transcript', record);
    host.emit({ type: 'agent-turn-ended', agent: run.ref, turn: record, calls: pending });
    return res;
  }

  /** The allow-list's spelling of a call's tool, or its wire name when it names none. */
  spellingOf(c: WireToolCall): string {
    return this.catalog?.byWire(c.name)?.spelling ?? c.name;
  }

  /** The final answer shaped into the step's `vars`: one more call with the schema, once more if it does not fit. */
  private async structured(answer: ChatResponse): Promise<void> {
    const schema = this.run.schema!;
    // the step's schema is a new object each run: compiled once per text, not kept by Ajv (schemas.ts)
    const validate = validatorFor(schema);
    if (!validate) throw new ToolError("The schema of the step's vars is not valid JSON Schema", 'SchemaError');
    this.messages.push(answer.message, { role: 'user', content: 'Give your final answer as JSON that matches the schema exactly.' });
    for (let round = 1; ; round++) {
      const res = await this.turn('structured', schema);
      if (validate(res.data)) {
        this.state.vars = res.data as Record<string, unknown>;
        if (!this.state.answer) this.state.answer = res.text;
        return;
      }
      const e = validate.errors?.[0];
      // an answer that is not JSON (prose around it, a code fence, a cut-off object) is answered as a schema failure is
      const why = res.data === undefined ? `the answer is not JSON (${notJsonReason(res.text)})` : `${e?.instancePath || '(answer)'} ${e?.message ?? 'does not match the schema'}`;
      if (round === 2) throw new ToolError(`The agent's final answer failed validation twice: ${why}`, 'ValidationError');
      this.messages.push(res.message, { role: 'user', content: `That answer was rejected: ${why}. Answer again with JSON that matches the schema exactly.` });
    }
  }

  private async atLimit(limit: AgentLimit): Promise<AgentStepResult> {
    const { run, state } = this;
    // the tree's bound is the step's, in the step's words (a sub-agent's limits are its own)
    const words = limit === 'agent_tree' ? this.calls.tree.words() : limitWords(limit, run.decl);
    if (run.decl.onLimit === 'fail') {
      this.host.emit({ type: 'agent-ended', agent: run.ref, stop_reason: limit, turns: state.turns, tool_calls: toolCallCount(state), answer: null });
      throw new AgentLimitError(limit, limitMessage(run.ref, words, state), copyOfResult(state, limit));
    }
    this.messages.push({ role: 'user', content: `You have reached this task's limit: ${words}. No more tools can be called. Give your final answer now, from what you have found.` });
    const res = await this.turn('none');
    state.answer = res.text;
    const conversation = [...this.messages, res.message];
    if (run.schema) await this.structured(res);
    await this.remember(conversation);
    return this.end(limit);
  }

  private end(stop: StopReason): AgentStepResult {
    const { state, run } = this;
    state.stop_reason = stop;
    this.host.emit({ type: 'agent-ended', agent: run.ref, stop_reason: stop, turns: state.turns, tool_calls: toolCallCount(state), answer: state.answer });
    return state;
  }
}
