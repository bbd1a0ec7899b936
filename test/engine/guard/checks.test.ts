// The deny/allow prefilter: a literal every match must hold, found before RE2 runs, never changes a
// verdict (the same texts pass and fail with it as RE2 alone says).
import { strict as assert } from 'node:assert';
import { checkGuard, requiredLiteral, type GuardHost } from '../../../engine/guard/checks';
import type { GuardDecl } from '../../../engine/spec/types';
import { compileRegex } from '../../../engine/template/regex';

const HOST: GuardHost = { judge: () => Promise.reject(new Error('none')), pipeline: () => Promise.reject(new Error('none')) };

describe('guard: deny and allow', () => {
  it('finds the literal every match holds, or none when it is not plain to see', () => {
    assert.deepEqual(String(requiredLiteral('(?i)ignore (all )?previous instructions')), '/previous instructions/iu');
    assert.equal(String(requiredLiteral('api[_-]keys')), '/keys/u');
    assert.equal(requiredLiteral('drop table|delete from'), null);
    assert.equal(requiredLiteral('(?s)system prompt'), null);
    assert.equal(requiredLiteral('ab+c'), null);
    assert.equal(String(requiredLiteral('(?:x|y)password reset\\b')), '/password reset/u');
  });

  it('gives the verdict RE2 alone gives, Unicode case folding included', async () => {
    const patterns = ['(?i)ignore (all )?previous instructions', '(?i)system prompt', 'password reset\\b', '(?:x|y)token'];
    const texts = ['Please IGNORE previous INSTRUCTIONS now', 'the ſystem prompt', 'SYSTEM PROMPT', 'a password reset', 'a password resets', 'ytoken', 'token', 'nothing here'];
    for (const p of patterns) {
      const g: GuardDecl = { kind: 'deny', name: 'deny', value: p, onFail: 'block', path: [] };
      const re = compileRegex(p);
      for (const t of texts) assert.equal((await checkGuard(g, t, HOST, new AbortController().signal)).passed, !re.test(t), `${p} on ${t}`);
    }
  });
});
