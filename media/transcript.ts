// An agent step's conversation in the step panel: a line with where it is (turn, calls, waiting
// for approval) or how it ended, then each turn (the model, tokens, cost, latency, its text) with
// the calls it asked for, in order: tool, status in words, duration, arguments folded, the result
// (folded when long) or the error, and a named agent's own conversation under the call that started
// it. Every call is a <details> whose <summary> names its tool and status, so the keyboard and a
// screen reader reach each one. The panel is drawn again as events arrive: what a person opened or
// closed stays so (toggled, by key).
import { el } from './page';
import { progressOf, stopWords, type AgentView, type CallState, type CallView, type TurnView } from './conversation';
import { formatCost, formatDuration } from './runState';

/** Details a person opened or closed against their default, by key: kept across redraws of the panel. */
const toggled = new Map<string, boolean>();

/** A result shown as it is up to this many characters (and lines); longer ones are folded, their
 * first characters on the line that opens them, so a turn of many calls reads one line a call. */
const SHORT_RESULT = 200;
const SHORT_LINES = 3;

const STATE_WORDS: Record<CallState, string> = {
  queued: 'queued',
  running: 'running',
  waiting: 'awaits approval',
  ok: 'ok',
  error: 'error',
  denied: 'denied',
  refused: 'refused',
  stopped: 'not finished',
};
/** What the line before a call's error says, by its status. */
const ERROR_WORDS: Partial<Record<CallState, string>> = { error: 'Error', denied: 'Denied', refused: 'Refused', stopped: 'Not finished' };

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const textOf = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v, null, 2) ?? String(v)));
const oneLine = (v: unknown, n: number): string => {
  const t = (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))).replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

/** A <details> whose open state follows the person's last toggle (else `open`). */
function details(key: string, open: boolean, attrs: Record<string, string> = {}): HTMLDetailsElement {
  const d = el('details', { ...attrs, 'data-key': key });
  d.open = toggled.get(key) ?? open;
  // only what differs from the default is kept (setting `open` above fires a toggle too)
  d.addEventListener('toggle', () => (d.open === open ? toggled.delete(key) : toggled.set(key, d.open)));
  return d;
}

function summary(key: string, text?: string, attrs: Record<string, string> = {}): HTMLElement {
  return el('summary', { ...attrs, 'data-focus': key }, text);
}

/** The turn's line: `Turn 2 · openai:gpt-4o-mini · 1200 in / 80 out tokens · $0.0002 · 850 ms`. */
function turnHead(t: TurnView, answer: boolean): HTMLElement {
  const head = el('div', { class: 'turn-head' });
  head.append(el('strong', {}, `Turn ${t.turn}`));
  const parts: string[] = [];
  // after a handoff: the agent whose instructions and tools are in force
  if (t.agent) parts.push(t.agent);
  if (t.notKept) parts.push('not kept in the record');
  else if (t.model) parts.push(t.model);
  if (!t.ended) parts.push(t.text ? 'answering…' : 'waiting for the model…');
  else if (!t.notKept) {
    parts.push(`${t.tokensIn} in / ${t.tokensOut} out tokens`, formatCost(t.costUsd));
    if (t.latencyMs !== null) parts.push(formatDuration(t.latencyMs));
  }
  if (t.kind === 'final') parts.push('the last call after a limit');
  if (t.kind === 'structured') parts.push('the answer as vars');
  if (t.kind === 'summary') parts.push('the session compacted into a summary');
  if (answer) parts.push('final answer');
  if (parts.length) head.append(document.createTextNode(` · ${parts.join(' · ')}`));
  return head;
}

function valueBlock(key: string, label: string, v: unknown, cls: string): HTMLElement {
  const text = textOf(v);
  if (text.length <= SHORT_RESULT && text.split('\n').length <= SHORT_LINES) {
    const div = el('div', { class: cls });
    div.append(el('span', { class: 'value-label' }, `${label}: `), el('pre', {}, text));
    return div;
  }
  const d = details(key, false, { class: `${cls} long` });
  d.append(summary(key, `${label} (${text.length.toLocaleString('en-US')} characters): ${oneLine(v, 60)}`), el('pre', {}, text));
  return d;
}

function callItem(c: CallView, key: string, live: boolean): HTMLElement {
  const words = STATE_WORDS[c.state];
  const duration = c.durationMs !== null ? formatDuration(c.durationMs) : '';
  const li = el('li', { class: 'call', 'data-call-id': c.id, 'data-status': c.state, 'data-testid': 'tool-call' });
  const d = details(key, true, { class: 'call-details' });
  const label = `${c.tool}: ${words}${duration ? `, ${duration}` : ''}${c.edited ? ', arguments edited' : ''}`;
  const head = summary(key, undefined, { class: 'call-head', 'aria-label': label });
  head.append(el('span', { class: 'call-tool' }, c.tool), document.createTextNode(' '), el('span', { class: 'call-status', 'data-status': c.state }, words));
  if (duration) head.append(document.createTextNode(' '), el('span', { class: 'call-duration' }, duration));
  if (c.edited) head.append(document.createTextNode(' '), el('span', { class: 'call-edited' }, 'arguments edited'));
  d.append(head);
  if (c.arguments !== undefined) {
    const ak = `${key}|arguments`;
    const args = details(ak, false, { class: 'call-arguments' });
    const s = summary(ak, 'Arguments ');
    s.append(el('code', {}, oneLine(c.arguments, 60)));
    args.append(s, el('pre', {}, textOf(c.arguments)));
    d.append(args);
  }
  if (c.error !== undefined) {
    const err = el('div', { class: 'call-error', 'data-status': c.state });
    // the word first (the engine's own messages often start with it: `Refused: …`)
    const word = ERROR_WORDS[c.state] ?? 'Error';
    const said = c.error.toLowerCase().startsWith(word.toLowerCase());
    const cut = said ? word.length + (c.error[word.length] === ':' ? 1 : 0) : 0;
    err.append(el('strong', {}, said ? c.error.slice(0, cut) : `${word}:`), document.createTextNode(said ? c.error.slice(cut) : ` ${c.error}`));
    d.append(err);
  } else if (c.state === 'stopped') {
    d.append(el('div', { class: 'call-error', 'data-status': c.state }, 'Not finished: the step ended before this call did.'));
  }
  if (c.result !== undefined) d.append(valueBlock(`${key}|result`, 'Result', c.result, 'call-result'));
  if (c.agent) d.append(agentBlock(c.agent, `${key}/`, live, true));
  li.append(d);
  return li;
}

function turnItem(t: TurnView, key: string, answer: boolean, live: boolean): HTMLElement {
  const li = el('li', { class: 'turn', 'data-turn': String(t.turn), 'data-state': t.ended ? 'ended' : 'running', 'data-testid': 'turn' });
  if (answer) li.setAttribute('data-answer', 'true');
  li.append(turnHead(t, answer));
  if (t.finishReason?.startsWith('failed: ')) li.append(el('div', { class: 'turn-error' }, `The model failed: ${t.finishReason.slice('failed: '.length)}; the next model of the chain took the turn over.`));
  if (t.text) li.append(el('div', { class: 'turn-text' }, t.textOmitted ? `${t.text}… [${t.textOmitted} more characters]` : t.text));
  if (t.calls.length || t.callsOmitted) {
    const list = el('ol', { class: 'calls', 'aria-label': `Tool calls of turn ${t.turn}` });
    t.calls.forEach((c, i) => list.append(callItem(c, `${key}${t.turn}.${i}:${c.id}`, live)));
    li.append(list);
    if (t.callsOmitted) li.append(el('div', { class: 'muted' }, `… ${plural(t.callsOmitted, 'more call')} of this turn not shown`));
  }
  return li;
}

/** The first line: where the loop is, or how it ended. */
export function agentLine(a: AgentView, live: boolean): string {
  const p = progressOf(a);
  if (a.stopReason) return `${stopWords(a.stopReason)} · ${plural(p.turns, 'turn')} · ${plural(p.calls, 'tool call')}`;
  const parts = [live ? `turn ${p.turn}` : plural(p.turns, 'turn'), plural(p.calls, 'tool call')];
  if (p.waiting) parts.push(`${p.waiting} ${p.waiting === 1 ? 'awaits' : 'await'} approval`);
  if (!live) parts.push('not finished');
  return parts.join(' · ');
}

/** The row after a turn that handed the conversation over: `triage → billing: the turn's text`. */
function handoffItem(from: string, t: TurnView): HTMLElement {
  const to = t.handoff!;
  const li = el('li', { class: 'handoff', 'data-testid': 'handoff', 'data-from': from, 'data-to': to, 'aria-label': `Handed off from ${from} to ${to} at turn ${t.turn}` });
  li.append(el('span', { class: 'handoff-mark', 'aria-hidden': 'true' }, '⇄'), el('strong', {}, `${from} → ${to}`));
  const reason = t.text ? oneLine(t.text, 200) : '';
  if (reason) li.append(document.createTextNode(`: ${reason}`));
  return li;
}

function agentBlock(a: AgentView, key: string, live: boolean, nested: boolean): HTMLElement {
  const box = el('div', nested ? { class: 'sub-agent', role: 'group', 'aria-label': `Agent ${a.name}`, 'data-agent': a.name } : { class: 'transcript', 'data-testid': 'transcript', 'data-agent': a.name });
  box.append(el('div', { class: 'agent-line', 'data-testid': nested ? 'sub-agent-line' : 'agent-line' }, `${nested ? `Agent ${a.name} · ` : ''}${agentLine(a, live)}`));
  if (a.session) {
    const x = a.session;
    const words = [`Session ${x.id}`, x.loaded ? `${plural(x.loaded, 'earlier message')} loaded` : 'a new conversation', `${plural(x.stored, 'message')} kept`];
    if (x.compacted) words.push('compacted into a summary');
    box.append(el('div', { class: 'session-line', 'data-testid': 'session-line' }, words.join(' · ')));
  }
  if (a.turnsOmitted) box.append(el('div', { class: 'muted' }, `… ${plural(a.turnsOmitted, 'earlier turn')} not shown`));
  // the turn whose text is the answer (the last turn, when the loop answered)
  let answerAt = -1;
  if (a.stopReason && a.answer !== null) for (let i = a.turns.length - 1; i >= 0 && answerAt < 0; i--) if (a.turns[i].text && a.turns[i].text === a.answer) answerAt = i;
  // role: a list without its markers is still a list to every screen reader
  const list = el('ol', { class: 'turns', role: 'list', 'aria-label': `Turns of ${nested ? `agent ${a.name}` : 'the agent'}` });
  a.turns.forEach((t, i) => {
    list.append(turnItem(t, key, i === answerAt, live));
    if (t.handoff) list.append(handoffItem(t.agent ?? a.name, t));
  });
  box.append(list);
  return box;
}

/** The conversation of the step's agent; `live` while the step runs. */
export function transcript(stepId: string, a: AgentView, live: boolean, given: HTMLElement | null = null): HTMLElement {
  // keys start with the step's id: a call opened in one step's panel is not opened in another's
  const box = agentBlock(a, `${stepId}#`, live, false);
  // what the model was given with the prompt (images, files, audio), before its first turn
  if (given) {
    const row = el('div', { class: 'given', 'data-testid': 'given' });
    row.append(el('div', { class: 'given-head' }, 'With the prompt:'), given);
    box.querySelector(':scope > ol.turns')?.before(row);
  }
  return box;
}
