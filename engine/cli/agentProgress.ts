// The lines `orc run` prints on stderr for an agent step, under the step's own lines: one per tool
// call as it ends (`  ↳ filesystem.read {"path":"notes.txt"} 3 ms`, with the status when it is not
// ok), a named agent's calls one level deeper between a line that opens it and one that closes it,
// and a turn whose model failed and handed the conversation to the next model of its chain. The
// step's line itself says how many turns and calls the agent took (agentSummary).
import { type AgentEvent, type AgentStepResult, type AgentToolCall, isAgentResult, toolCallCount } from '../api/index';
import { paint, type Style } from './findingFormat';
import { stripControls } from './terminalText';

/** Characters of a call's arguments shown (its JSON on one line). */
const ARGUMENTS_WIDTH = 80;
/** Characters of an error, denial or refusal shown. */
const MESSAGE_WIDTH = 160;

/** Text from outside (a model's arguments, a tool's error) on one line of at most `max` characters. */
function oneLine(s: string, max: number): string {
  const flat = stripControls(s).replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function argumentsText(args: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(args ?? {}) ?? 'null';
  } catch {
    text = String(args);
  }
  return oneLine(text, ARGUMENTS_WIDTH);
}

function callDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A call that did not succeed, as the line ends: `✗ error: ...`, `✗ denied by ...`, `✗ refused: ...`. */
function statusText(call: AgentToolCall, style: Style): string {
  const said = (call.error ?? '').replace(/\.$/, '');
  switch (call.status) {
    case 'ok':
      return '';
    case 'error':
      return ` ${paint(style, 'error', '✗ error:')} ${oneLine(said || 'the call failed', MESSAGE_WIDTH)}`;
    case 'denied': {
      // "The call was denied by the person ..." / "The call was denied: no one could be asked ..."
      const why = said.replace(/^The call was /, '');
      return ` ${paint(style, 'warning', '✗')} ${oneLine(why.startsWith('denied') ? why : `denied: ${why}`, MESSAGE_WIDTH)}`;
    }
    case 'refused':
      return ` ${paint(style, 'warning', '✗ refused:')} ${oneLine(said.replace(/^(Refused|Not run):\s*/, ''), MESSAGE_WIDTH)}`;
  }
  return ` ${call.status}`;
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** What an agent did, for its step's line or a named agent's closing line: `3 turns, 2 tool calls` (and how it stopped when it did not answer). */
export function agentSummary(r: AgentStepResult): string {
  return `${plural(r.turns, 'turn')}, ${plural(toolCallCount(r), 'tool call')}${r.stop_reason === 'answered' ? '' : `, stopped at ${r.stop_reason}`}`;
}

interface Started {
  tool: string;
  arguments: unknown;
  /** Its opening line was printed: a named agent whose loop started. */
  opened: boolean;
}

/** The agent lines of one run's progress. */
export class AgentLines {
  /** Calls running, by step key and the path of call ids that leads to them. */
  private readonly running = new Map<string, Started>();

  constructor(private readonly style: Style) {}

  /** The lines an agent event of the step `key` prints (most print none); `label` names the step when the lines before were about another one. */
  lines(e: AgentEvent, key: string, label: string | null): string[] {
    const at = (path: string[]) => [key, ...path].join('\u0000');
    const indent = (depth: number) => '  '.repeat(depth + 1);
    const named = label ? `${label}: ` : '';
    switch (e.type) {
      case 'tool-call-started':
        this.running.set(at([...e.agent.path, e.call.id]), { tool: e.call.tool, arguments: e.call.arguments, opened: false });
        return [];
      case 'agent-turn-started': {
        // a named agent's first turn: the line that opens its calls
        if (!e.agent.path.length || e.turn !== 1) return [];
        const s = this.running.get(at(e.agent.path));
        if (!s || s.opened) return [];
        s.opened = true;
        return [`${indent(e.agent.path.length - 1)}↳ ${named}${s.tool} ${paint(this.style, 'dim', argumentsText(s.arguments))}`];
      }
      case 'agent-turn-ended': {
        const why = e.turn.finish_reason;
        if (!why?.startsWith('failed: ')) return [];
        return [`${indent(e.agent.path.length)}${paint(this.style, 'warning', '⟳')} ${named}turn ${e.turn.turn}: ${e.turn.model} ${oneLine(why, MESSAGE_WIDTH)}; the next model of the chain takes over`];
      }
      case 'tool-call-ended': {
        const k = at([...e.agent.path, e.call.id]);
        const s = this.running.get(k);
        this.running.delete(k);
        const c = e.call;
        const took = paint(this.style, 'dim', callDuration(c.duration_ms));
        if (s?.opened) {
          // the closing line of a named agent: how long it took and what it did
          const did = c.agent ? paint(this.style, 'dim', ` (${agentSummary(c.agent)})`) : '';
          return [`${indent(e.agent.path.length)}↳ ${named}${c.tool} ${took}${did}${statusText(c, this.style)}`];
        }
        return [`${indent(e.agent.path.length)}↳ ${named}${c.tool} ${paint(this.style, 'dim', argumentsText(c.arguments))} ${took}${statusText(c, this.style)}`];
      }
      default:
        return [];
    }
  }

  /** The step's attempt ended: calls it left running are forgotten. */
  forget(key: string): void {
    for (const k of this.running.keys()) if (k === key || k.startsWith(`${key}\u0000`)) this.running.delete(k);
  }
}
