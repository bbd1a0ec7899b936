// A session's conversation as one agent step's run uses it: read before the first turn (its
// messages before the prompt, its summary after the system prompt), the run's new messages added at
// the end, redacted, and the session compacted when it grows past its bound: the oldest messages
// folded into a summary by one model call, which the step records and pays for like any turn.
// A fork of a run (`orc fork`) reads the session as its parent run read it, and adds nothing to it
// (`SessionMemory.forked`).
import type { MemoryDecl } from '../spec/types';
import type { ChatMessage } from '../models/provider';
import type { Redactor } from '../toolkit/redact';
import type { SessionStore, StoredSession } from './sessions';

/** The rendered `memory.session` among an agent step's parameters (the run renders it with them: engine/run/stepExecutor.ts). */
export const SESSION_PARAM = '@memory.session';

/** What the step's result says of its session. */
export interface SessionRecord {
  id: string;
  /** Messages read from the session before the first turn. */
  loaded: number;
  /** Messages the session holds after the run. */
  stored: number;
  /** The run compacted the session into a summary. */
  compacted?: true;
  /** A fork's run of the step (`orc fork`): it added nothing to the session (`stored`: what the session holds, unchanged). */
  forked?: true;
  /** A fork that read the session as its parent run did: the `loaded` latest messages stored before this run's first one. Absent: it read the session as it is now. */
  before_run?: string;
}

/** What a fork's step knows of how its parent run read the step's session. */
export interface ForkOfSession {
  /** The parent run's id. */
  parent: string;
  /** The parent's record of this step's session (its result's `session`); absent when the step did not run there or had no session. */
  record?: SessionRecord;
  /** The parent run's other steps (checkpoint keys) whose results name this session too. */
  shared: string[];
  /** How the parent's step ended when it did not complete (`failed`, `cancelled`): it may have added nothing. */
  ended?: string;
}

/**
 * Where a conversation may be cut: before a user's message that does not answer calls (a tool
 * result must stay after the call it answers, and every provider wants a user's message first).
 */
function cutPoints(messages: ChatMessage[]): number[] {
  const out: number[] = [];
  messages.forEach((m, i) => {
    if (m.role === 'user') out.push(i);
  });
  return out;
}

/** The latest messages, at most `n`, starting at a cut point (none when even the last exchange is longer). */
export function latest(messages: ChatMessage[], n: number): ChatMessage[] {
  if (messages.length <= n) return messages;
  const from = cutPoints(messages).find((i) => messages.length - i <= n);
  return from === undefined ? [] : messages.slice(from);
}

/** A conversation as text, for the model that summarizes it. */
export function transcriptText(messages: ChatMessage[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.role === 'user') lines.push(`User: ${m.content}`);
    else if (m.role === 'assistant') {
      if (m.text) lines.push(`Assistant: ${m.text}`);
      for (const c of m.toolCalls) lines.push(`Assistant called ${c.name}(${c.argumentsText})`);
    } else for (const r of m.results) lines.push(`Tool ${r.name}${r.isError ? ' failed' : ''}: ${r.content.length > 2000 ? `${r.content.slice(0, 2000)} [...]` : r.content}`);
  }
  return lines.join('\n');
}

/** The request that asks for a summary (its own user message: the conversation is given as text). */
export function summaryRequest(summary: string | null, older: ChatMessage[]): string {
  return [
    'Summarize the conversation below for the assistant who continues it: the facts the user gave, what was decided and done, and what is still open. Be brief; write only the summary.',
    summary ? `\nThe summary of what came before it:\n${summary}` : '',
    `\nThe conversation:\n${transcriptText(older)}`,
  ].join('\n');
}

export class SessionMemory {
  private readonly stored: StoredSession;
  readonly record: SessionRecord;
  /** A fork's: `save` adds nothing. */
  private readOnly = false;

  private constructor(
    readonly id: string,
    readonly decl: MemoryDecl,
    private readonly store: SessionStore,
    private readonly runId: string,
    private readonly redactor: Redactor,
    s: StoredSession,
  ) {
    // a bound lowered since the session was written: only its latest messages are sent
    this.stored = { summary: s.summary, messages: latest(s.messages, decl.maxMessages) };
    this.record = { id, loaded: this.stored.messages.length, stored: s.messages.length };
  }

  /** The session `id` as the store holds it now, for one run. */
  static async open(id: string, decl: MemoryDecl, store: SessionStore, runId: string, redactor: Redactor): Promise<SessionMemory> {
    return new SessionMemory(id, decl, store, runId, redactor, await store.load(id));
  }

  /**
   * The session for a fork's run of a step: as the parent run read it — the parent's `loaded`
   * latest messages stored before the parent's first one, and the summary, which no compaction has
   * changed while the parent's messages are there — and never written (`save` adds nothing). Where
   * the store cannot say (it keeps no run ids; the parent's messages were compacted or cleared
   * since; the parent compacted it itself, or wrote it from more than one step), the session as it
   * is now, and `warning` says why.
   */
  static async forked(id: string, decl: MemoryDecl, store: SessionStore, runId: string, redactor: Redactor, fork: ForkOfSession): Promise<{ memory: SessionMemory; warning: string | null }> {
    const now = await store.load(id);
    const rec = fork.record;
    const readBefore = rec?.before_run ?? fork.parent;
    let why: string | null = null;
    let read: StoredSession | null = null;
    if (!rec) why = `that run did not read session '${id}' at this step`;
    else if (rec.id !== id) why = `that run read session '${rec.id}' at this step, not '${id}'`;
    else if (rec.forked && !rec.before_run) why = `that run was a fork which read the session as it was then, which the store cannot say`;
    else if (rec.compacted) why = `that run compacted the session as it ran: the summary it wrote replaced the messages it had read`;
    else if (fork.shared.length) why = `that run used the session in more than one step (${fork.shared.map((k) => `'${k}'`).join(', ')} too), so the store cannot say which of its messages this step read`;
    else if (!store.loadBefore) why = `this session store keeps no run ids (Redis), so it cannot say which messages came before that run's`;
    else {
      const before = await store.loadBefore(id, readBefore);
      if (!before) why = fork.ended && readBefore === fork.parent ? `the session holds no message of that run, whose step ended ${fork.ended} (an agent that did not answer adds nothing), so the store cannot say which messages came before it` : `the session holds no message of run ${readBefore} any more: it was compacted or cleared since`;
      else if (before.messages.length < rec.loaded) why = `the session holds ${before.messages.length} message${before.messages.length === 1 ? '' : 's'} from before run ${readBefore}'s, and that run read ${rec.loaded}`;
      else read = { summary: before.summary, messages: before.messages.slice(before.messages.length - rec.loaded) };
    }
    const memory = new SessionMemory(id, decl, store, runId, redactor, read ?? now);
    memory.readOnly = true;
    memory.record.stored = now.messages.length;
    memory.record.forked = true;
    if (read) memory.record.before_run = readBefore;
    return { memory, warning: why ? `session '${id}' is read as it is now, not as run ${fork.parent} read it: ${why}. The conversation may differ from that run's; the fork adds nothing to the session` : null };
  }

  /** The messages before this run's prompt. */
  get history(): ChatMessage[] {
    return this.stored.messages.slice();
  }

  /** The system prompt with the session's summary after it. */
  system(system: string | null): string | null {
    if (!this.stored.summary) return system;
    const note = `Summary of the conversation so far (earlier messages of this session):\n${this.stored.summary}`;
    return system ? `${system}\n\n${note}` : note;
  }

  /** The bound past which the session is compacted. */
  private get bound(): number {
    return Math.min(this.decl.summarizeAfter ?? this.decl.maxMessages, this.decl.maxMessages);
  }

  /**
   * Adds this run's messages (redacted) to the session; past its bound, `summarize` is asked for a
   * summary of the oldest ones (with the summary before them), and the session keeps that summary
   * and its latest messages, at most half its bound. `summarize` returning null (no budget left):
   * the messages are added, and the next run compacts. A fork's (`forked`) adds nothing.
   */
  async save(runMessages: ChatMessage[], summarize: (request: string) => Promise<string | null>): Promise<void> {
    if (this.readOnly) return; // a fork's: a what-if, never part of the conversation
    // a session keeps what media was sent by name, not its bytes
    const added = this.redactor.value(runMessages.map((m): ChatMessage => (m.role === 'user' && m.parts?.length ? { role: 'user', content: `${m.content}\n[sent with it: ${m.parts.map((p) => `${p.kind} ${p.name}`).join(', ')}]` } : m)));
    const now = await this.store.load(this.id);
    const all = [...now.messages, ...added];
    if (all.length <= this.bound) {
      await this.store.append(this.id, added, this.runId);
      this.record.stored = all.length;
      return;
    }
    const keep = latest(all, Math.floor(this.bound / 2));
    const older = all.slice(0, all.length - keep.length);
    const summary = await summarize(summaryRequest(now.summary, older));
    if (summary === null) {
      await this.store.append(this.id, added, this.runId);
      this.record.stored = all.length;
      return;
    }
    await this.store.replace(this.id, { summary: this.redactor.text(summary), messages: keep }, this.runId);
    this.record.stored = keep.length;
    this.record.compacted = true;
  }
}
