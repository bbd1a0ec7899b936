// Excessive agency (OWASP LLM06): the allow-list entries that let an agent's model act on the world
// (run commands or code, change data or files, call tools this pipeline cannot see into) without a
// person approving each call, and the quick fix that asks for that approval (`approve: true`).
import { exactSpan, type ParsedYaml } from '../parse/yamlDocument';
import type { AgentToolRef, FindingFix, ValuePath } from '../spec/types';

const FILE_CHANGES: Record<string, string> = {
  write: 'write files',
  append: 'append to files',
  delete: 'delete files',
  move: 'move files',
  copy: 'copy files over others',
};

/**
 * What the entry lets the model do that needs a person's approval, as a phrase ("run shell
 * commands"), or null when it needs none. `sql.query` counts: the tool runs whatever statement it is
 * given (a DELETE as readily as a SELECT) and `to_file` writes a file, so no sql action is read-only.
 */
export function riskOf(ref: AgentToolRef): string | null {
  switch (ref.kind) {
    case 'tool':
    case 'action': {
      const action = ref.kind === 'action' ? ref.action : null;
      if (ref.tool === 'terminal') return 'run shell commands';
      if (ref.tool === 'python-executor') return 'run Python code';
      if (ref.tool === 'sql') return action === 'query' ? 'run any SQL statement (a query runs a DELETE as readily as a SELECT)' : 'change data and schemas with SQL';
      if (ref.tool === 'filesystem') {
        if (action === null) return 'write, move and delete files';
        return Object.prototype.hasOwnProperty.call(FILE_CHANGES, action) ? FILE_CHANGES[action] : null;
      }
      return null;
    }
    case 'mcp':
      return ref.tool ? `call tool '${ref.tool}' of MCP server '${ref.server}', whose effects this pipeline cannot see` : `call every tool of MCP server '${ref.server}', whose effects this pipeline cannot see`;
    default:
      return null;
  }
}

/** A mapping key as YAML reads it back in a flow mapping: plain when it is a simple spelling, else quoted. */
function flowKey(s: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/.test(s) && !s.endsWith(':') ? s : JSON.stringify(s);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The edits that give an entry `approve: true`, touching only that entry: a spelled entry becomes
 * the mapping form (`- terminal` → `- {terminal: {approve: true}}`); a mapping entry gets
 * `approve: true` among its options (or its `approve: false` turned to true). Null when the entry's
 * text cannot be found (an alias, say).
 */
export function approveFix(parsed: ParsedYaml, raw: unknown, path: ValuePath, spelling: string): FindingFix | null {
  const lines = parsed.lines;
  const edit = (start: number, end: number, newText: string): FindingFix => ({ title: `Ask a person to approve each call of '${spelling}' (approve: true)`, edits: [{ range: lines.range(start, end), newText }] });
  const entry = exactSpan(parsed, path);
  if (!entry || entry.end <= entry.start) return null;
  if (typeof raw === 'string') return edit(entry.start, entry.end, `{${flowKey(raw.trim())}: {approve: true}}`);
  if (!isObj(raw)) return null;
  // `{SPELLING: {options}}` keeps its options in the inner mapping; other forms beside the name
  const keys = Object.keys(raw);
  const named = keys.filter((k) => k !== 'approve' && k !== 'timeout');
  const inner = named.length === 1 && named[0] !== 'pipeline' && named[0] !== 'agent' ? named[0] : null;
  let optionsPath = path;
  if (inner !== null && isObj(raw[inner])) optionsPath = [...path, inner];
  else if (inner !== null && keys.length === 1) return edit(entry.start, entry.end, `{${flowKey(inner)}: {approve: true}}`);
  const options = optionsPath === path ? raw : (raw[inner!] as Record<string, unknown>);
  if (Object.prototype.hasOwnProperty.call(options, 'approve')) {
    const at = exactSpan(parsed, [...optionsPath, 'approve']);
    return at && at.end > at.start ? edit(at.start, at.end, 'true') : null;
  }
  const span = exactSpan(parsed, optionsPath);
  if (!span || span.end <= span.start) return null;
  if (parsed.text[span.start] === '{') {
    const empty = /^\{\s*\}$/.test(parsed.text.slice(span.start, span.end));
    return empty ? edit(span.start, span.end, '{approve: true}') : edit(span.start + 1, span.start + 1, 'approve: true, ');
  }
  // a block mapping: a line of its own before its first key, at that key's column
  const first = span.children?.first();
  if (!first || first.keyStart < 0) return null;
  const column = lines.position(first.keyStart).character;
  return edit(first.keyStart, first.keyStart, `approve: true\n${' '.repeat(column)}`);
}
