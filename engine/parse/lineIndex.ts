import type { Position, Range } from '../spec/types';

/** Converts string offsets (UTF-16 code units, as JS strings count) to LSP positions and back. */
export class LineIndex {
  /** Where each line starts: 32-bit integers, half what an array of numbers takes (a document of
   * 5,000 steps has 52,000 lines, and the server keeps the index of each open document). */
  private readonly starts: Int32Array;

  constructor(readonly text: string) {
    if (!text.includes('\r')) {
      // the usual text: its line breaks found by the engine's own scan, many times faster than a
      // loop here, once to count them and once to note where they are
      let count = 1;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
      const starts = new Int32Array(count);
      let k = 1;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
      this.starts = starts;
      return;
    }
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = Int32Array.from(starts);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** The line of the last lookup: an analysis asks for offsets mostly in order, so the line asked
   * for is most often that one or the next, found without a search. */
  private lastLine = 0;

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const starts = this.starts;
    const count = starts.length;
    let lo = this.lastLine;
    if (!(starts[lo] <= o && (lo + 1 === count || o < starts[lo + 1]))) {
      if (lo + 1 < count && starts[lo + 1] <= o && (lo + 2 === count || o < starts[lo + 2])) lo++;
      else {
        lo = 0;
        let hi = count - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid] <= o) lo = mid;
          else hi = mid - 1;
        }
      }
      this.lastLine = lo;
    }
    return { line: lo, character: o - starts[lo] };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  offset(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this.text.length;
    const lineEnd = pos.line + 1 < this.starts.length ? this.starts[pos.line + 1] : this.text.length;
    return Math.min(this.starts[pos.line] + Math.max(0, pos.character), lineEnd);
  }

  /** The offset where a line starts (the text's length past the last line). */
  lineStart(line: number): number {
    return line < this.starts.length ? this.starts[Math.max(0, line)] : this.text.length;
  }

  /** The text of a line without its line break. */
  lineText(line: number): string {
    if (line < 0 || line >= this.starts.length) return '';
    const end = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
    return this.text.slice(this.starts[line], end).replace(/\r?\n$|\r$/, '');
  }
}
