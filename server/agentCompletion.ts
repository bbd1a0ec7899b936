// Completion inside an agent's allow-list (`tools:` of an `action: agent` step or of a named agent):
// every entry it may hold, each with its documentation, replacing what is typed so far (a spelling
// has dots and colons, which the editor's own word does not span); an entry that lets the model
// change things comes a second time in its option form, `{filesystem.write: {approve: true}}`.
import { CompletionItemKind, MarkupKind, type CompletionItem } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import { lineInfo } from '../engine/analyze/completionContext';
import { spanAt } from '../engine/analyze/locate';
import { readToolEntries } from '../engine/analyze/agentDecl';
import { exactSpan } from '../engine/parse/yamlDocument';
import type { ValuePath } from '../engine/spec/types';
import { valueAt } from '../engine/spec/values';
import { allowedTools, type AllowedTool } from './agentTools';
import { approvedEntryItem } from './agentSnippets';

const KIND: Record<AllowedTool['kind'], CompletionItemKind> = {
  tool: CompletionItemKind.Module,
  action: CompletionItemKind.Function,
  'mcp-server': CompletionItemKind.Module,
  'mcp-tool': CompletionItemKind.Function,
  agent: CompletionItemKind.Class,
  pipeline: CompletionItemKind.File,
};

/** Built-in tools first, then MCP, named agents and pipeline files. */
const ORDER: Record<AllowedTool['kind'], number> = { tool: 0, action: 0, 'mcp-server': 1, 'mcp-tool': 1, agent: 2, pipeline: 3 };

/** A partial entry: what is typed from `start` to the cursor. */
const PARTIAL = /^(["']?)([^\s"'{}[\],#]*)$/;

interface Spot {
  /** The path of the `tools` list. */
  list: ValuePath;
  /** Offset where the typed entry starts (after a quote) and where the word at the cursor ends. */
  start: number;
  end: number;
  /** In a flow list (`[a, b]`) a mapping entry is written in braces. */
  flow: boolean;
}

/** The `tools:` key whose list holds the cursor, found by the key on `line` at `column`. */
function toolsKeyAt(a: Analysis, line: number, column: number): ValuePath | null {
  const found = spanAt(a.parsed.spans, a.parsed.lines.offset({ line, character: column }));
  return found.onKey && found.path[found.path.length - 1] === 'tools' ? found.path : null;
}

/** Where an allow-list entry is being typed, or null when the cursor is not in one. */
function spotAt(a: Analysis, offset: number): Spot | null {
  const lines = a.parsed.lines;
  const pos = lines.position(offset);
  const text = lines.lineText(pos.line);
  const before = text.slice(0, pos.character);
  const wordEnd = offset + (/^[^\s"'{}[\],#]*/.exec(text.slice(pos.character))?.[0].length ?? 0);
  // a flow list on the key's own line: `tools: [filesystem.read, fi`
  const flow = /^(\s*(?:-\s+)?)tools\s*:\s*\[(?:[^\]]*,)?\s*([^\],]*)$/.exec(before);
  if (flow) {
    const typed = PARTIAL.exec(flow[2]);
    const list = typed && toolsKeyAt(a, pos.line, flow[1].length);
    return list ? { list, start: offset - typed![2].length, end: wordEnd, flow: true } : null;
  }
  // a block item: `- filesystem.` under `tools:`
  const item = /^(\s*)-[ \t]*(.*)$/.exec(before);
  const typed = item && PARTIAL.exec(item[2]);
  if (!item || !typed) return null;
  const dash = item[1].length;
  for (let l = pos.line - 1; l >= 0; l--) {
    const t = lines.lineText(l);
    if (!t.trim() || t.trim().startsWith('#')) continue;
    const info = lineInfo(t);
    // the other items of the list, and what they hold
    if (info.indent > dash || (info.indent === dash && info.dash)) continue;
    if (info.key !== 'tools') return null;
    const list = toolsKeyAt(a, l, info.keyCol);
    return list ? { list, start: offset - typed[2].length, end: wordEnd, flow: false } : null;
  }
  return null;
}

/** Whether the list belongs to an agent: an `action: agent` step, or a named agent of `agents:`. */
function agentOwner(a: Analysis, list: ValuePath): { agent: string | null } | null {
  const owner = list.slice(0, -1);
  if (owner.length === 2 && owner[0] === 'agents') return { agent: String(owner[1]) };
  const v = valueAt(a.parsed.value, owner) as Record<string, unknown> | undefined;
  return v && typeof v === 'object' && v.action === 'agent' && v.tool === undefined ? { agent: null } : null;
}

/** The completions of an allow-list entry at the offset, or null when the cursor is not in one. */
export function agentToolCompletions(a: Analysis, offset: number, documentFile: string | null): CompletionItem[] | null {
  const spot = spotAt(a, offset);
  const owner = spot && agentOwner(a, spot.list);
  if (!spot || !owner) return null;
  // the entries written are not offered again (the one being typed may parse as one: it is not counted)
  const written = readToolEntries(valueAt(a.parsed.value, spot.list), spot.list).filter((e) => !typedAt(a, e.path, spot));
  const present = new Set(written.map((e) => e.spelling.replace(/^(agent|pipeline):/, '$1: ')));
  const range = a.parsed.lines.range(spot.start, spot.end);
  return allowedTools(a, documentFile, owner.agent)
    .filter((t) => !present.has(t.entry))
    .flatMap((t): CompletionItem[] => {
      const newText = spot.flow && (t.kind === 'agent' || t.kind === 'pipeline') ? `{${t.entry}}` : t.entry;
      const plain: CompletionItem = { label: t.entry, kind: KIND[t.kind], detail: t.detail, documentation: { kind: MarkupKind.Markdown, value: t.doc }, filterText: newText, sortText: `${ORDER[t.kind]}${t.entry}`, textEdit: { range, newText } };
      const approved = approvedEntryItem(t.entry, plain, range);
      return approved ? [plain, approved] : [plain];
    });
}

/** Whether the entry at `path` is the one being typed (its text meets the typed range). */
function typedAt(a: Analysis, path: ValuePath, spot: Spot): boolean {
  const span = exactSpan(a.parsed, path);
  return !!span && span.start <= spot.end && span.end >= spot.start;
}

/** The value of an entry's `agent:` or `pipeline:` key (`- agent: wo`): the named agents, the pipeline files beside the document. */
export function agentEntryValueItems(a: Analysis, ctx: { mapping: ValuePath; key: string }, documentFile: string | null): CompletionItem[] | null {
  const m = ctx.mapping;
  if ((ctx.key !== 'agent' && ctx.key !== 'pipeline') || m[m.length - 2] !== 'tools') return null;
  const owner = agentOwner(a, m.slice(0, -1));
  if (!owner) return null;
  const prefix = `${ctx.key}: `;
  return allowedTools(a, documentFile, owner.agent)
    .filter((t) => t.entry.startsWith(prefix))
    .map((t) => ({ label: t.entry.slice(prefix.length), kind: KIND[t.kind], detail: t.detail, documentation: { kind: MarkupKind.Markdown, value: t.doc } }));
}

/** Whether a step (its value) is an agent step: 'yes', 'no' (another action or a tool), or 'maybe' (no action yet). */
export function agentKeysOf(step: unknown): 'yes' | 'no' | 'maybe' {
  if (!step || typeof step !== 'object' || Array.isArray(step)) return 'maybe';
  const s = step as Record<string, unknown>;
  if (s.tool !== undefined) return 'no';
  if (s.action === undefined) return 'maybe';
  return s.action === 'agent' ? 'yes' : 'no';
}
