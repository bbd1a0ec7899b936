// An unbalanced parenthesis in a template is a syntax error at its position, not an undefined name.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';

function findings(value: string, key = 'content') {
  const text = `id: p\nparameters:\n  topic: x\nsteps:\n  - id: a\n    tool: filesystem\n    action: write\n    parameters:\n      path: "x.txt"\n      ${key}: "${value}"\n`;
  return analyze(text).findings.map((f) => ({ code: f.code, message: f.message, start: f.range.start.character, end: f.range.end.character, line: f.range.start.line }));
}

describe('templates: unbalanced parentheses', () => {
  it('a missing ) is reported where the expression ends', () => {
    assert.deepEqual(findings('{{ (topic | upper }}'), [{ code: 'template.syntax', message: "Template syntax error: Expected ')', found the end of the expression.", line: 9, start: 34, end: 36 }]);
  });
  it('an extra ) is reported on it, not as an undefined name', () => {
    assert.deepEqual(findings('{{ topic ).b }}'), [{ code: 'template.syntax', message: "Template syntax error: Expected the end of the expression, found ')'.", line: 9, start: 25, end: 26 }]);
  });
});
