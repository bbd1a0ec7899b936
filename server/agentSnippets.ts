// What completion inserts for an agent: each agent key with a value to fill in (its default, the
// choices of `on_limit`), a whole agent step where steps are completed, and the option form of an
// allow-list entry that lets the model change things (`{filesystem.write: {approve: true}}`).
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Range } from 'vscode-languageserver';
import { DEFAULT_MAX_TOOL_CALLS, DEFAULT_MAX_TURNS, parseToolSpelling } from '../engine/analyze/agentDecl';
import { riskOf } from '../engine/analyze/agentSafety';

/** The snippet each agent key inserts (a step's or a named agent's). */
export const AGENT_KEY_SNIPPETS: Readonly<Record<string, string>> = {
  tools: 'tools:\n  - ${1:filesystem.read}',
  max_turns: `max_turns: \${1:${DEFAULT_MAX_TURNS}}`,
  max_tool_calls: `max_tool_calls: \${1:${DEFAULT_MAX_TOOL_CALLS}}`,
  budget: 'budget: {max_cost_usd: ${1:0.25}}',
  on_limit: 'on_limit: ${1|fail,answer|}',
  parallel_tool_calls: 'parallel_tool_calls: ${1|true,false|}',
};

/** A key's item as a snippet, when it is an agent key (the item unchanged otherwise). */
export function withAgentSnippet(item: CompletionItem): CompletionItem {
  const snippet = Object.prototype.hasOwnProperty.call(AGENT_KEY_SNIPPETS, item.label) ? AGENT_KEY_SNIPPETS[item.label] : undefined;
  return snippet ? { ...item, insertText: snippet, insertTextFormat: InsertTextFormat.Snippet } : item;
}

/** A whole agent step, offered where a step is started (`- ` in `steps:`). */
export const AGENT_STEP_SNIPPET: CompletionItem = {
  label: 'step (agent)',
  kind: CompletionItemKind.Snippet,
  insertTextFormat: InsertTextFormat.Snippet,
  insertText: `id: \${1:agent}\naction: agent\ntools:\n  - \${2:filesystem.read}\nmax_turns: \${3:${DEFAULT_MAX_TURNS}}\nparameters:\n  prompt: "\${4}"`,
  documentation: { kind: MarkupKind.Markdown, value: 'A step whose model calls the tools you allow, in a loop, until it answers.' },
};

/**
 * The option form of an allow-list entry that lets the model change things (run commands, write
 * files, call MCP tools): `{filesystem.write: {approve: true}}`, each call waiting for a person.
 * Null for an entry that needs no approval.
 */
export function approvedEntryItem(entry: string, plain: CompletionItem, range: Range): CompletionItem | null {
  const ref = parseToolSpelling(entry);
  const risk = ref && ref.kind !== 'agent' && ref.kind !== 'pipeline' ? riskOf(ref) : null;
  if (!risk) return null;
  const text = `{${entry}: {approve: true}}`;
  return {
    label: text,
    kind: plain.kind,
    detail: `${entry}, each call approved by a person`,
    documentation: { kind: MarkupKind.Markdown, value: `It lets the model ${risk}: with \`approve: true\` each call waits for a person to approve, deny or edit it.` },
    // typed as the entry is: `filesystem.w` finds both forms, the option form right after the plain one
    filterText: entry,
    sortText: `${plain.sortText ?? entry}+approve`,
    textEdit: { range, newText: text },
  };
}
