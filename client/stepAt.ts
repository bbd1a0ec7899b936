// Steps by id and by position in the graph the language server sends (nodes carry their source
// ranges): which step a click reveals, and which step the editor's cursor is in. Pure (no vscode).
import { type GraphDocument, type GraphNode } from '../engine/api/index';

export function findNode(g: GraphDocument, id: string): GraphNode | undefined {
  for (const n of g.nodes) {
    if (n.id === id) return n;
    const inner = n.children ? findNode(n.children, id) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/** The innermost step whose source holds the position (a loop body's step before its loop). A step
 * owns its whole first line (the `- ` before `id:` too); its range's end is exclusive, as in LSP. */
export function innermostAt(g: GraphDocument, line: number, character: number): GraphNode | undefined {
  for (const n of g.nodes) {
    const r = n.range;
    if (!r) continue;
    const after = line >= r.start.line;
    const before = line < r.end.line || (line === r.end.line && character < r.end.character);
    if (after && before) return (n.children && innermostAt(n.children, line, character)) || n;
  }
  return undefined;
}

/** The top-level step whose source holds the position (Run From Here from inside a loop body runs from its loop). */
export function topLevelAt(g: GraphDocument, line: number, character: number): GraphNode | undefined {
  return innermostAt({ ...g, nodes: g.nodes.map((n) => ({ ...n, children: null })) }, line, character);
}
