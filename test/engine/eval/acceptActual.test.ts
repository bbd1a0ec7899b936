// Accept Actual as Expected, the engine's part: the one edit of an eval file's text that makes a
// failed assertion expect the actual value, and the assertions it refuses (with why).
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { acceptActualEdit, acceptedValue, type AcceptEdit } from '../../../engine/eval/acceptActual';
import type { AssertionResult } from '../../../engine/eval/assertions';
import type { ResultDocument } from '../../../engine/run/events';

// the eval is read beside the e2e fixtures' greet pipeline (outputs: message)
const FILE = path.join(__dirname, '..', '..', 'e2e', 'fixtures', 'accept.eval.yaml');
const TEXT = [
  'pipeline: greet.pipeline.yaml',
  'cases:',
  '  - id: ada',
  '    name: Ada',
  '  - id: grace',
  '    name: Grace',
  '    assert:',
  '      - output: message',
  '        equals: "Hello, Grace!"',
  '      - {output: message, contains: Howdy}',
  '      - output: message',
  '        numeric: 3',
  '      - output: message',
  '        equals: "{{ case.name }}"',
  'assert:',
  '  - output: message',
  '    icontains: hello',
  '',
].join('\n');

const apply = (text: string, e: AcceptEdit | { problem: string }) => {
  assert.ok(!('problem' in e), 'problem' in e ? e.problem : '');
  return text.slice(0, e.start) + e.text + text.slice(e.end);
};

const failed = (over: Partial<AssertionResult>): AssertionResult => ({ kind: 'equals', target: 'output message', line: 7, expected: 'Hello, Grace!', actual: 'Hi, Grace!', pass: false, status: 'fail', score: 0, reason: 'x', ...over });
const doc = (message: string) => ({ outputs: { message }, steps: {} }) as unknown as ResultDocument;

describe('Accept Actual as Expected (engine)', () => {
  it("replaces a case's own equals value with the actual, and nothing else", () => {
    // an assertion's line is its list item's (`- output: message`)
    const e = acceptActualEdit(TEXT, FILE, 'grace', 7, 'equals', 'Hi, Grace!');
    assert.equal(apply(TEXT, e), TEXT.replace('equals: "Hello, Grace!"', 'equals: "Hi, Grace!"'));
  });

  it('a value inside a flow mapping, a JSON value and a multi-line text are written as one-line YAML', () => {
    assert.equal(apply(TEXT, acceptActualEdit(TEXT, FILE, 'grace', 9, 'contains', 'Hi,\n"Grace"')), TEXT.replace('contains: Howdy}', 'contains: "Hi,\\n\\"Grace\\""}'));
    assert.equal(apply(TEXT, acceptActualEdit(TEXT, FILE, 'grace', 7, 'equals', { a: [1, 'b'] })), TEXT.replace('equals: "Hello, Grace!"', 'equals: {"a":[1,"b"]}'));
  });

  it('refuses a template, a shared assertion of several cases, a moved line and a kind that is not a value', () => {
    const problem = (e: AcceptEdit | { problem: string }) => ('problem' in e ? e.problem : 'an edit');
    assert.equal(problem(acceptActualEdit(TEXT, FILE, 'grace', 12, 'equals', 'x')), 'the expected value "{{ case.name }}" is a template, computed per case: edit it by hand');
    assert.equal(problem(acceptActualEdit(TEXT, FILE, 'grace', 15, 'icontains', 'x')), "the assertion at line 16 is the eval's, shared by every case: give case 'grace' its own 'assert:' to accept its actual value");
    assert.equal(problem(acceptActualEdit(TEXT, FILE, 'grace', 3, 'equals', 'x')), "line 4 of the eval file holds no assertion of case 'grace' any more (was the file edited since the run?)");
    assert.equal(problem(acceptActualEdit(TEXT, FILE, 'grace', 7, 'contains', 'x')), "the assertion at line 8 is 'equals' now, not the 'contains' that failed");
    assert.deepEqual(acceptedValue(failed({ kind: 'max_length', actual: 50 }), null), { problem: "'max_length' does not expect a value the run gives back: only equals, contains, icontains, numeric, status, similar take the actual value" });
  });

  it("the text kinds accept the whole value the run gave (a result's actual is cut at 200 characters)", () => {
    const long = 'x'.repeat(300);
    assert.deepEqual(acceptedValue(failed({ kind: 'contains', actual: `${'x'.repeat(200)}…` }), doc(long)), { value: long });
    assert.deepEqual(acceptedValue(failed({}), doc('Hi, Grace!')), { value: 'Hi, Grace!' });
    assert.deepEqual(acceptedValue(failed({ status: 'error', actual: null, reason: 'no judge' }), null), { problem: 'the assertion has no actual value to accept (no judge)' });
  });
});
