// YAML that PyYAML (and so ContextLab) reads but YAML 1.2 refuses, where the intent is plain: a
// multi-line quoted scalar whose later lines are indented no deeper than its key, e.g.
//
//     done: "{{
//       a or b
//     }}"
//
// Leading white space of a quoted scalar's continuation lines is folded away, so indenting those
// lines changes nothing in the value. The repair indents them; the analysis reads the repaired text
// and reports each scalar as a warning with a quick fix that makes the same edit in the file.
import type { Position } from '../spec/types';
import { LineIndex } from './lineIndex';

export interface QuoteRepair {
  /** The text with the continuation lines indented. */
  text: string;
  /** Spaces inserted at the start of each repaired line (0-based line numbers). */
  shifts: Map<number, number>;
  /** Each repaired scalar: the lines indented, in order. */
  scalars: number[][];
}

/** Where a quoted scalar that continues past its line starts, and the column its key starts at. */
const OPENING = /^( *)((?:- +)*)((?:[^\s'"#:][^'"#]*?|'[^']*'|"[^"\\]*"): +)?(["'])/;

/** The index just past the closing quote in `line` from `from`, or -1 when the scalar goes on. */
function closing(line: string, from: number, quote: string): number {
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (quote === '"' && c === '\\') {
      i++;
      continue;
    }
    if (c === quote) {
      if (quote === "'" && line[i + 1] === "'") {
        i++;
        continue;
      }
      return i + 1;
    }
  }
  return -1;
}

export function repairUnderIndentedQuotes(text: string): QuoteRepair | null {
  const lines = text.split('\n');
  const shifts = new Map<number, number>();
  const scalars: number[][] = [];
  let open: { quote: string; keyColumn: number; lines: number[] } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (open) {
      const indent = line.length - line.trimStart().length;
      if (line.trim() !== '' && indent <= open.keyColumn) {
        const add = open.keyColumn + 2 - indent;
        shifts.set(i, add);
        open.lines.push(i);
        lines[i] = ' '.repeat(add) + line;
      }
      const end = closing(line, indent, open.quote);
      if (end === -1) continue;
      if (open.lines.length) scalars.push(open.lines);
      open = null;
      continue;
    }
    const m = OPENING.exec(line);
    if (!m || m[4] === undefined) continue;
    const keyColumn = m[1].length + m[2].length;
    if (!m[3] && !m[2]) continue; // a document-level scalar: nothing to indent against
    if (closing(line, m[0].length, m[4]) !== -1) continue;
    open = { quote: m[4], keyColumn, lines: [] };
  }
  if (!scalars.length) return null;
  return { text: lines.join('\n'), shifts, scalars };
}

/** Positions in the file for offsets in the repaired text: a repaired line's inserted spaces are not in the file. */
export class ShiftedLineIndex extends LineIndex {
  constructor(
    text: string,
    private readonly shifts: Map<number, number>,
  ) {
    super(text);
  }

  override position(offset: number): Position {
    const p = super.position(offset);
    const shift = this.shifts.get(p.line);
    return shift ? { line: p.line, character: Math.max(0, p.character - shift) } : p;
  }

  override offset(pos: Position): number {
    const shift = this.shifts.get(pos.line) ?? 0;
    return super.offset({ line: pos.line, character: pos.character + shift });
  }

  override lineText(line: number): string {
    return super.lineText(line).slice(this.shifts.get(line) ?? 0);
  }
}
