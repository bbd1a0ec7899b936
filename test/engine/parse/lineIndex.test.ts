// Offsets to positions: the lookup that starts from the last line asked for must answer as a plain
// scan would, whatever order the offsets come in and whatever the line breaks.
import { strict as assert } from 'node:assert';
import { LineIndex } from '../../../engine/parse/lineIndex';
import { rng } from '../../helpers/fuzzCorpus';

function scanned(text: string, offset: number): { line: number; character: number } {
  const o = Math.max(0, Math.min(offset, text.length));
  let line = 0;
  let start = 0;
  for (let i = 0; i < o; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
      start = i + 1;
    }
  }
  return { line, character: o - start };
}

describe('LineIndex positions', () => {
  it('equal a scan for offsets in order, backwards, at random and out of range', () => {
    const r = rng(3);
    for (const text of ['', 'x', '\n', 'a\nb', 'a\n\n\nb\n', 'a\r\nb\rc\n', 'one\ntwo\r\nthree\rfour\n\nfive']) {
      const lines = new LineIndex(text);
      const offsets = [...Array(text.length + 3).keys()].map((i) => i - 1);
      const orders = [offsets, [...offsets].reverse(), offsets.map(() => Math.floor(r() * (text.length + 4)) - 1)];
      for (const order of orders) for (const o of order) assert.deepEqual(lines.position(o), scanned(text, o), `${JSON.stringify(text)} at ${o}`);
    }
  });
});
