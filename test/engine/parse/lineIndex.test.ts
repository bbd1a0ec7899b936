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

  it('equal a scan on 3,000 lines for offsets that go forward by small and large steps, and back', () => {
    const r = rng(5);
    const text = Array.from({ length: 3000 }, () => 'x'.repeat(Math.floor(r() * 40))).join('\n');
    const lines = new LineIndex(text);
    // the scan's answer at every offset, in one pass
    const byScan: { line: number; character: number }[] = [];
    for (let o = 0, line = 0, start = 0; o <= text.length; o++) {
      byScan.push({ line, character: o - start });
      if (text[o] === '\n') [line, start] = [line + 1, o + 1];
    }
    let o = 0;
    for (let k = 0; k < 20_000; k++) {
      // mostly forward, by a character to thousands of them; now and then back, or out of range
      const jump = r() < 0.8 ? Math.floor(r() ** 4 * 20_000) : -Math.floor(r() * 20_000);
      o = r() < 0.01 ? text.length + 5 : Math.max(-1, Math.min(text.length, o + jump));
      assert.deepEqual(lines.position(o), byScan[Math.max(0, Math.min(o, text.length))], `at ${o}`);
    }
  });

  it('an index made from the last version by `edited` answers as one made from the text, over 5,000 random edits', () => {
    const r = rng(17);
    const pieces = ['a', 'bc', '\n', '\n\n', 'x\ny', '\r', '\r\n', ' '];
    let text = 'one\ntwo\n\nthree\nfour';
    let lines = new LineIndex(text);
    for (let k = 0; k < 5000; k++) {
      const at = Math.floor(r() * (text.length + 1));
      // deletions as long as the pieces typed, so the text stays short
      const remove = r() < 0.5 ? Math.floor(r() * (text.length > 80 ? 12 : 4)) : 0;
      const add = r() < 0.7 ? pieces[Math.floor(r() * pieces.length)] : '';
      const next = text.slice(0, at) + add + text.slice(at + remove);
      // the caller's prefix and suffix: the edit's own, or shorter (any stretch that holds the change)
      const removed = Math.min(remove, text.length - at);
      const prefix = Math.max(0, at - Math.floor(r() * 2));
      const suffix = Math.max(0, text.length - at - removed - Math.floor(r() * 2));
      const edited = lines.edited(next, prefix, suffix);
      const fresh = new LineIndex(next);
      assert.equal(edited.lineCount, fresh.lineCount, `edit ${k}: line counts differ`);
      for (let o = -1; o <= next.length + 1; o++) assert.deepEqual(edited.position(o), fresh.position(o), `edit ${k} of ${JSON.stringify(next)} at ${o}`);
      // a text with a carriage return now and then goes back to one without
      text = next.includes('\r') && r() < 0.3 ? next.replace(/\r/g, '') : next;
      lines = text === next ? edited : new LineIndex(text);
    }
  });
});
