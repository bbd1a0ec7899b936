// `handoffs:` of an agent step or a named agent, in the editor: completion offers the named agents of
// `agents:` the list does not hold yet (never the agent itself), in a flow list (`handoffs: [bi`) or a
// block item (`- bi`), each replacing what is typed, with the agent's description, model and tools;
// hovering a name shows that agent and the tool the model is offered for it (`transfer_to_NAME`).
import { CompletionItemKind, MarkupKind, type CompletionItem } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import { lineInfo } from '../engine/analyze/completionContext';
import { spanAt, type Located } from '../engine/analyze/locate';
import { transferName } from '../engine/agent/handoffs';
import type { NamedAgent, ValuePath } from '../engine/spec/types';
import { valueAt } from '../engine/spec/values';
import { namedAgentDoc } from './agentTools';

/** A name being typed: from `start` to the cursor. */
const PARTIAL = /^(["']?)([A-Za-z0-9_.-]*)$/;

/** The `handoffs` list of an agent (an `action: agent` step or a named agent), and the agent's own name (null: a step's). */
function handoffsOwner(a: Analysis, list: ValuePath): { self: string | null } | null {
  if (list[list.length - 1] !== 'handoffs') return null;
  const owner = list.slice(0, -1);
  if (owner.length === 2 && owner[0] === 'agents') return { self: String(owner[1]) };
  const v = valueAt(a.parsed.value, owner) as Record<string, unknown> | undefined;
  return v && typeof v === 'object' && !Array.isArray(v) && v.tool === undefined && (v.action === 'agent' || v.action === undefined) ? { self: null } : null;
}

function keyPathAt(a: Analysis, line: number, column: number): ValuePath | null {
  const found = spanAt(a.parsed.spans, a.parsed.lines.offset({ line, character: column }));
  return found.onKey && found.path[found.path.length - 1] === 'handoffs' ? found.path : null;
}

/** Where a name of a `handoffs` list is typed: the list's path and the range the typed name covers. */
function spotAt(a: Analysis, offset: number): { list: ValuePath; start: number; end: number } | null {
  const lines = a.parsed.lines;
  const pos = lines.position(offset);
  const text = lines.lineText(pos.line);
  const before = text.slice(0, pos.character);
  const end = offset + (/^[A-Za-z0-9_.-]*/.exec(text.slice(pos.character))?.[0].length ?? 0);
  const flow = /^(\s*(?:-\s+)?)handoffs\s*:\s*\[(?:[^\]]*,)?\s*([^\],]*)$/.exec(before);
  if (flow) {
    const typed = PARTIAL.exec(flow[2]);
    const list = typed && keyPathAt(a, pos.line, flow[1].length);
    return list ? { list, start: offset - typed![2].length, end } : null;
  }
  const item = /^(\s*)-[ \t]*(.*)$/.exec(before);
  const typed = item && PARTIAL.exec(item[2]);
  if (!item || !typed) return null;
  const dash = item[1].length;
  for (let l = pos.line - 1; l >= 0; l--) {
    const t = lines.lineText(l);
    if (!t.trim() || t.trim().startsWith('#')) continue;
    const info = lineInfo(t);
    if (info.indent > dash || (info.indent === dash && info.dash)) continue;
    if (info.key !== 'handoffs') return null;
    const list = keyPathAt(a, l, info.keyCol);
    return list ? { list, start: offset - typed[2].length, end } : null;
  }
  return null;
}

function handoffDoc(a: Analysis, agent: NamedAgent): string {
  // its description, model and tools (not how a caller calls it as a tool: a handoff takes no arguments)
  const about = namedAgentDoc(a, agent).replace(/\n\nCalled with one argument[^\n]*$/, '');
  const handoffs = agent.handoffs?.length ? `\n- hands off to: ${agent.handoffs.map((h) => `\`${h}\``).join(', ')}` : '';
  return `${about}${handoffs}\n\nOffered to the model as the tool \`${transferName(agent.name)}\`: calling it hands the whole conversation to \`${agent.name}\`, whose instructions and tools apply from the next turn.`;
}

/** The completions of a `handoffs` name at the offset, or null when the cursor is not in such a list. */
export function handoffCompletions(a: Analysis, offset: number): CompletionItem[] | null {
  const spot = spotAt(a, offset);
  const owner = spot && handoffsOwner(a, spot.list);
  if (!spot || !owner) return null;
  const listed = valueAt(a.parsed.value, spot.list);
  const typed = a.parsed.lines.lineText(a.parsed.lines.position(spot.start).line).slice(a.parsed.lines.position(spot.start).character, a.parsed.lines.position(spot.end).character);
  // the names written are not offered again (the one being typed is not counted)
  const present = new Set((Array.isArray(listed) ? listed : []).filter((x): x is string => typeof x === 'string' && x !== typed));
  const range = a.parsed.lines.range(spot.start, spot.end);
  return Object.values(a.pipeline?.agents ?? {})
    .filter((g) => g.name !== owner.self && !present.has(g.name))
    .map((g) => ({ label: g.name, kind: CompletionItemKind.Class, detail: `hand the conversation to ${g.name} (${transferName(g.name)})`, documentation: { kind: MarkupKind.Markdown, value: handoffDoc(a, g) }, sortText: g.name, textEdit: { range, newText: g.name } }));
}

/** The hover of a name in a `handoffs` list: the named agent, and the tool it is offered as. */
export function handoffHover(a: Analysis, at: Located): string | null {
  const p = at.path;
  if (at.onKey || p.length < 2 || typeof p[p.length - 1] !== 'number' || !handoffsOwner(a, p.slice(0, -1))) return null;
  const name = valueAt(a.parsed.value, p);
  const agents = a.pipeline?.agents ?? {};
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(agents, name)) return null;
  return handoffDoc(a, agents[name]);
}
