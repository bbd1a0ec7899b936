// Names are listed in the order of `new Intl.Collator()`, computed without ICU for plain names.
import { strict as assert } from 'node:assert';
import { compareNames } from '../../../engine/util/nameOrder';
import { rng } from '../../helpers/fuzzCorpus';

describe('the order names are listed in', () => {
  const collator = new Intl.Collator();
  const sign = (x: number) => Math.sign(x);

  it("is the collator's on 100,000 random pairs of names of letters, digits, '_', '-' and '.', and of other characters", () => {
    // mostly the plain alphabet, with letters that differ only in case, and now and then a character the collator alone orders
    const plain = 'aAbBzZ09_-.';
    const other = ['é', ' ', '/', '$', 'ß', '中'];
    const random = rng(0x1234567);
    const next = (n: number) => Math.floor(random() * n);
    const word = () => {
      let s = '';
      for (let n = next(5); n >= 0; n--) s += next(40) ? plain[next(plain.length)] : other[next(other.length)];
      return s;
    };
    let decidedByCase = 0;
    for (let k = 0; k < 100_000; k++) {
      const a = word();
      // half the pairs share a start, so the later characters and the case decide
      const b = next(2) ? a.slice(0, next(a.length + 1)) + word() : word();
      assert.equal(sign(compareNames(a, b)), sign(collator.compare(a, b)), `${JSON.stringify(a)} against ${JSON.stringify(b)}`);
      if (a !== b && a.toLowerCase() === b.toLowerCase()) decidedByCase++;
    }
    assert.ok(decidedByCase > 100, `only ${decidedByCase} pairs differed in case alone`);
  });

  it('orders step ids, keys and finding codes as the collator does', () => {
    const names = ['step_10', 'step-10', 'step.10', 'step10', 'Step_10', 'step_1', 'step_9', 'on_failure', 'onFailure', 'schema.unknown-key', 'schema.type', 'step.missing-action', 'a', 'A', '_a', '-a', '.a', '0a'];
    assert.deepEqual([...names].sort(compareNames), [...names].sort(collator.compare));
  });
});
