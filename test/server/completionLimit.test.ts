// Which items a completion keeps when it has more than COMPLETION_LIMIT (server/completionLimit.ts):
// the ones the person is most likely typing, in the order the editor will want them.
import { strict as assert } from 'node:assert';
import type { CompletionItem, CompletionList } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { COMPLETION_LIMIT, limitCompletions, typedWord } from '../../server/completionLimit';

const item = (label: string, filterText?: string): CompletionItem => ({ label, ...(filterText ? { filterText } : {}) });
/** `n` filler items no typed word below matches in any way. */
const filler = (n: number) => Array.from({ length: n }, (_, i) => item(`zz${i}`));
const labels = (r: CompletionItem[] | CompletionList) => (Array.isArray(r) ? r : r.items).map((i) => i.label);

describe('completion: at most COMPLETION_LIMIT items (server/completionLimit.ts)', () => {
  it('a list of COMPLETION_LIMIT items or fewer is answered whole, as it was given', () => {
    const items = filler(COMPLETION_LIMIT);
    assert.equal(limitCompletions(items, 'zz'), items);
  });

  it('a longer one: the names starting with the word (shorter first), then those with its letters in order, then the rest; incomplete', () => {
    const items = [...filler(COMPLETION_LIMIT), item('Able_to'), item('a_b'), item('abc'), item('xab'), item('ab'), item('ba'), item('aXb')];
    const r = limitCompletions(items, 'ab') as CompletionList;
    assert.equal(r.isIncomplete, true);
    assert.equal(r.items.length, COMPLETION_LIMIT);
    // case does not count; the rest keeps the server's order until the list is full
    assert.deepEqual(labels(r).slice(0, 8), ['ab', 'abc', 'Able_to', 'a_b', 'aXb', 'zz0', 'zz1', 'zz2']);
    assert.deepEqual(labels(r).slice(-1), [`zz${COMPLETION_LIMIT - 6}`]);
  });

  it("an item's filterText is what the word is matched against", () => {
    const r = limitCompletions([...filler(COMPLETION_LIMIT), item("steps['fetch-data']", 'fetch-data')], 'fetch');
    assert.deepEqual(labels(r)[0], "steps['fetch-data']");
  });

  it('nothing typed: shorter names first, the server order among names of one length', () => {
    const r = limitCompletions([...filler(COMPLETION_LIMIT), item('b'), item('a')], '');
    assert.deepEqual(labels(r).slice(0, 2), ['b', 'a']);
  });

  it('the word typed is the name characters before the cursor on its line', () => {
    const doc = TextDocument.create('file:///w.pipeline.yaml', 'orchestrator-pipeline', 1, 'x:\n  command: "{{ steps.fetch_da');
    assert.equal(typedWord(doc, { line: 1, character: 29 }), 'fetch_da');
    assert.equal(typedWord(doc, { line: 1, character: 21 }), '');
    assert.equal(typedWord(doc, { line: 1, character: 15 }), '');
    assert.equal(typedWord(doc, { line: 0, character: 1 }), 'x');
  });
});
