// YAML anchors and aliases under the graph editor's edits. An alias (`*deps`) is the node its anchor
// (`&deps [a]`) marks, so an edit inside an anchored node that an alias uses changes every place
// that uses it, and an edit of an alias's own text replaces the alias. Such edits are refused,
// naming the anchor and its alias: the person unshares the value by hand (writes it out where it
// should differ) and edits again. A rename is the exception: it renames the id inside the anchor,
// which is right for every use, and leaves the aliases as they are.
import { isAlias, isNode, visit } from 'yaml';
import type { Analysis } from '../analyze/index';
import { EditRefused, type TextEdit } from './textEdits';

interface Anchored {
  name: string;
  /** From the `&name` token to the end of the node it marks. */
  start: number;
  end: number;
}

interface AliasUse {
  name: string;
  start: number;
  end: number;
}

/** Any `&name` or `*name` token outside quotes could be here (the cheap test before a parse). */
const MAYBE_ANCHORS = /(^|[\s[{,:-])[&*][^\s\]},]/;

function anchorsOf(a: Analysis): { anchored: Anchored[]; aliases: AliasUse[] } {
  const anchored: Anchored[] = [];
  const aliases: AliasUse[] = [];
  if (!MAYBE_ANCHORS.test(a.text)) return { anchored, aliases };
  visit(a.parsed.document, {
    Alias(_, n) {
      if (n.range) aliases.push({ name: n.source, start: n.range[0], end: n.range[1] });
    },
    Node(_, n) {
      if (isAlias(n) || !isNode(n) || !n.anchor || !n.range) return;
      const at = a.text.lastIndexOf(`&${n.anchor}`, n.range[0]);
      anchored.push({ name: n.anchor, start: at < 0 ? n.range[0] : at, end: n.range[1] });
    },
  });
  return { anchored, aliases };
}

const line = (a: Analysis, offset: number) => a.parsed.lines.range(offset, offset).start.line + 1;

/** Whether an edit replaces or inserts text within [start, end]. */
function touches(e: TextEdit, start: number, end: number): boolean {
  return e.start === e.end ? e.start >= start && e.start <= end : e.start < end && e.end > start;
}

/** The edits, checked against the document's anchors and aliases: refused (EditRefused) when one
 * would change a shared node or an alias; for a rename, the edits of aliases' text are dropped. */
export function checkAliases(a: Analysis, op: string, edits: TextEdit[]): TextEdit[] {
  const { anchored, aliases } = anchorsOf(a);
  if (!anchored.length && !aliases.length) return edits;
  if (op === 'rename') return edits.filter((e) => !aliases.some((u) => e.start === u.start && e.end === u.end));
  if (op === 'duplicate-step') {
    // the copy is the inserted text: an anchor in it would be defined twice
    for (const e of edits) {
      const m = /(^|[\s[{,:-])&([^\s\]},]+)/.exec(e.newText);
      const def = m && anchored.find((x) => x.name === m[2]);
      if (def) throw new EditRefused(`The step defines the anchor &${def.name} (line ${line(a, def.start)}): a copy would define it twice. Copy it by hand, with another anchor name or none`);
    }
    return edits;
  }
  for (const e of edits) {
    const alias = aliases.find((u) => touches(e, u.start, u.end));
    if (alias) {
      throw new EditRefused(`The edit would change the alias *${alias.name} (line ${line(a, alias.start)}), which stands for the value anchored &${alias.name}: write the value out in its place (unshare it) first, then edit`);
    }
    const shared = anchored.find((x) => touches(e, x.start, x.end) && aliases.some((u) => u.name === x.name && u.start > x.start));
    if (shared) {
      const users = aliases.filter((u) => u.name === shared.name && u.start > shared.start).map((u) => line(a, u.start));
      throw new EditRefused(
        `The edit would change the value anchored &${shared.name} (line ${line(a, shared.start)}), which the alias *${shared.name} also uses (line ${users.join(', line ')}): every place would change. Write the value out where it should differ (unshare it) first, then edit`,
      );
    }
  }
  return edits;
}
