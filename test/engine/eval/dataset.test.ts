// An eval's dataset read as the runner reads it: a list of cases per chunk of the file
// (readCaseBatches), the same cases, in the same order and with the same lines, as one at a time
// (readCases); a record that cannot be read stops the read after the cases before it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetError, readCaseBatches, readCases } from '../../../engine/eval/dataset';
import type { CasesSource, EvalCase } from '../../../engine/eval/evalFile';

describe("an eval's dataset, read a chunk at a time", () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-dataset-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const source = (name: string, text: string): CasesSource => {
    fs.writeFileSync(path.join(dir, name), text);
    return { kind: 'file', file: path.join(dir, name), format: name.endsWith('.csv') ? 'csv' : name.endsWith('.json') ? 'json' : 'jsonl', written: name };
  };
  const one = async (s: CasesSource) => {
    const out: EvalCase[] = [];
    for await (const c of readCases(s)) out.push(c);
    return out;
  };
  const batched = async (s: CasesSource) => {
    const out: EvalCase[][] = [];
    for await (const b of readCaseBatches(s)) out.push(b);
    return out;
  };

  it('5,000 cases over several chunks (a BOM, CRLF ends, blank lines, a last line without end): the same cases and lines as one at a time', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 5000; i++) rows.push(i % 997 === 5 ? '' : JSON.stringify({ id: `c${i}`, topic: `topic ${i} ${'x'.repeat(i % 50)}` }));
    const s = source('cases.jsonl', '\uFEFF' + rows.join('\r\n'));
    const single = await one(s);
    const lists = await batched(s);
    assert.ok(lists.length > 1, `one list for ${single.length} cases: the file is read in one chunk`);
    assert.deepEqual(lists.flat(), single);
    assert.equal(single.length, 5000 - 6);
    assert.deepEqual(single[0], { id: 'c0', values: { topic: 'topic 0 ' }, assert: [], skip: null, line: 1 });
    const last = single[single.length - 1];
    assert.equal(last.id, 'c4999');
    assert.equal(last.line, 5000);
    assert.equal(single.find((c) => c.id === 'c6')!.line, 7);
  });

  it('a line that is not JSON: every case before it is given, then the error names its line', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 3000; i++) rows.push(JSON.stringify({ id: `c${i}`, topic: 't' }));
    rows.push('{"id": "broken"');
    for (let i = 3000; i < 3010; i++) rows.push(JSON.stringify({ id: `c${i}`, topic: 't' }));
    const s = source('cases.jsonl', rows.join('\n') + '\n');
    const got: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const b of readCaseBatches(s)) for (const c of b) got.push(c.id);
      })(),
      (e: Error) => e instanceof DatasetError && e.line === 3001 && e.message.startsWith('cases.jsonl:3001: not JSON ('),
    );
    assert.equal(got.length, 3000);
    assert.equal(got[2999], 'c2999');
  });

  it('a line that is JSON but not an object stops the read at its line', async () => {
    const s = source('cases.jsonl', '{"id":"a"}\n[1, 2]\n{"id":"b"}\n');
    const got: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of readCases(s)) got.push(c.id);
      })(),
      (e: Error) => e instanceof DatasetError && e.message === 'cases.jsonl:2: a case is a JSON object ({"topic": "...", ...})',
    );
    assert.deepEqual(got, ['a']);
  });

  it('.csv and .json datasets and inline cases give the same cases batched as one at a time', async () => {
    const csv = source('cases.csv', 'id,topic,n\na,cats,1\nb,"dogs, big","[1,2]"\n');
    assert.deepEqual((await batched(csv)).flat(), await one(csv));
    assert.deepEqual((await one(csv)).map((c) => c.values), [{ topic: 'cats', n: 1 }, { topic: 'dogs, big', n: [1, 2] }]);
    const json = source('cases.json', JSON.stringify(Array.from({ length: 2500 }, (_, i) => ({ id: `j${i}`, k: i }))));
    const lists = await batched(json);
    assert.deepEqual(lists.map((l) => l.length), [1000, 1000, 500]);
    assert.deepEqual(lists.flat(), await one(json));
    const inline: CasesSource = { kind: 'inline', cases: [{ id: 'x', values: {}, assert: [], skip: null, line: 3 }] };
    assert.deepEqual(await batched(inline), [inline.cases]);
  });
});
