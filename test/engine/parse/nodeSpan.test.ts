// The children of a mapping or a sequence in the span tree (engine/parse/nodeSpan.ts): a Map's
// reads over one array, checked against a Map on random work, small mappings and large ones (which
// are looked up through an index), sequences (found by index), and copies that do not share writes.
import { strict as assert } from 'node:assert';
import { SpanChildren, type NodeSpan } from '../../../engine/parse/nodeSpan';

const span = (n: number): NodeSpan => ({ start: n, end: n + 1, keyStart: -1, keyEnd: -1 });

/** A seeded generator, so a failure is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const same = (c: SpanChildren, m: Map<string | number, NodeSpan>, what: string) => {
  assert.equal(c.size, m.size, `${what}: size`);
  assert.deepEqual([...c], [...m], `${what}: entries in order`);
  assert.deepEqual([...c.keys()], [...m.keys()], `${what}: keys`);
  assert.deepEqual([...c.values()], [...m.values()], `${what}: values`);
};

describe('parse: the children of a span', () => {
  it('answers as a Map does over 3,000 random sets and lookups, from a few keys to a few hundred (past 16 through an index)', () => {
    const next = random(7);
    for (const width of [3, 16, 17, 40, 400]) {
      const c = new SpanChildren();
      const m = new Map<string | number, NodeSpan>();
      for (let i = 0; i < 3000; i++) {
        // string keys and number keys, the digits of one the same as the other: '5' is not 5
        const r = Math.floor(next() * width);
        const key = next() < 0.5 ? r : String(r);
        if (next() < 0.5) {
          const s = span(i);
          c.set(key, s);
          m.set(key, s);
        } else {
          assert.equal(c.get(key), m.get(key), `get(${JSON.stringify(key)}) at ${i}, width ${width}`);
          assert.equal(c.has(key), m.has(key), `has(${JSON.stringify(key)}) at ${i}, width ${width}`);
        }
      }
      same(c, m, `width ${width}`);
      same(c.seal(), m, `width ${width}, sealed`);
    }
  });

  it('finds a sequence item by its index, in a list of 20,000, and not by its digits', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => span(i));
    const c = new SpanChildren();
    items.forEach((s, i) => c.set(i, s));
    assert.equal(c.size, 20_000);
    assert.equal(c.get(0), items[0]);
    assert.equal(c.get(12_345), items[12_345]);
    assert.equal(c.get(19_999), items[19_999]);
    assert.equal(c.get(20_000), undefined);
    assert.equal(c.get(-1), undefined);
    assert.equal(c.get('3'), undefined);
    assert.equal(c.first(), items[0]);
    // a list needs no index for what it does not have (one of 20,000 entries is 0.6 MB), nor do its copies
    const indexOf = (x: SpanChildren) => (x as unknown as { index?: unknown }).index;
    assert.equal(indexOf(c), undefined);
    const moved = c.map((s) => s);
    assert.deepEqual([moved.get('7'), moved.get(20_001), indexOf(moved)], [undefined, undefined, undefined]);
    // a key out of order makes it a mapping: then the index finds it
    c.set('name', span(-1));
    assert.equal(c.get('name')?.start, -1);
    assert.equal(c.get(19_999), items[19_999]);
  });

  it('a copy, and a map of its spans, take no writes of the original, nor it theirs', () => {
    const c = new SpanChildren(['id', span(1), 'action', span(2)]);
    const copy = c.copy();
    copy.set('id', span(10));
    copy.set('model', span(11));
    const moved = c.map((s) => ({ ...s, start: s.start + 100 }));
    moved.set('action', span(12));
    assert.deepEqual([...c].map(([k, s]) => [k, s.start]), [['id', 1], ['action', 2]]);
    assert.deepEqual([...copy].map(([k, s]) => [k, s.start]), [['id', 10], ['action', 2], ['model', 11]]);
    assert.deepEqual([...moved].map(([k, s]) => [k, s.start]), [['id', 101], ['action', 12]]);
    assert.equal(new SpanChildren().first(), undefined);
  });
});
