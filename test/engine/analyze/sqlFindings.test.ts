// The analyzer on `sql` steps: a template inside the SQL is a warning on the template's exact range,
// with the quick fix that binds it (`:name` in the SQL, the template in `params`); the document after
// the fix has no finding. The result fields are checked, and connections: is part of the format.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { LineIndex } from '../../../engine/parse/lineIndex';
import type { Finding, FindingFix } from '../../../engine/spec/types';
import { doc, findingsOf } from '../../helpers/findings';
import { completions } from '../../../server/completion';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const at = (f: { range: Finding['range'] }) => `${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character}`;

function apply(text: string, fix: FindingFix): string {
  const lines = new LineIndex(text);
  const edits = fix.edits.map((e) => ({ from: lines.offset(e.range.start), to: lines.offset(e.range.end), text: e.newText })).sort((a, b) => b.from - a.from);
  let out = text;
  for (const e of edits) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

const MESSAGE = "A template inside the SQL is spliced into the statement's text (SQL injection): bind the value instead, with `:name` in the SQL and the template in `params`.";

describe('sql steps in the analyzer', () => {
  it('warns on a template inside the SQL and moves it into a new params mapping', () => {
    const text = doc(
      'id: q',
      'parameters:',
      '  customer: {type: string}',
      'connections:',
      '  app: {url: "sqlite:data/app.db"}',
      'steps:',
      '  - id: rows',
      '    tool: sql',
      '    action: query',
      '    parameters:',
      '      connection: app',
      "      sql: SELECT * FROM orders WHERE customer = '{{ customer }}' AND total > {{ customer | length }}",
      'outputs:',
      '  first: "{{ rows.result.rows[0] }}"',
    );
    const fs = analyze(text).findings;
    assert.deepEqual(fs.map((f) => [f.code, f.severity, f.message, at(f), f.step]), [
      ['sql.template-in-sql', 'warning', MESSAGE, '11:50-11:64', 'rows'],
      ['sql.template-in-sql', 'warning', MESSAGE, '11:78-11:101', 'rows'],
    ]);
    const fix = fs[0].fixes![0];
    assert.equal(fix.title, 'Bind the templates as parameters (params)');
    assert.equal(
      apply(text, fix),
      doc(
        'id: q',
        'parameters:',
        '  customer: {type: string}',
        'connections:',
        '  app: {url: "sqlite:data/app.db"}',
        'steps:',
        '  - id: rows',
        '    tool: sql',
        '    action: query',
        '    parameters:',
        '      connection: app',
        '      sql: SELECT * FROM orders WHERE customer = :customer AND total > :customer_2',
        '      params:',
        '        customer: "{{ customer }}"',
        '        customer_2: "{{ customer | length }}"',
        'outputs:',
        '  first: "{{ rows.result.rows[0] }}"',
      ),
    );
    assert.deepEqual(findingsOf(apply(text, fix)), []);
  });

  it('adds to an existing params mapping, from a block scalar inside a loop body', () => {
    const text = doc(
      'id: q',
      'steps:',
      '  - id: each',
      '    for_each: [1, 2]',
      '    steps:',
      '      - id: put',
      '        tool: sql',
      '        action: execute',
      '        parameters:',
      '          connection: "sqlite:data/app.db"',
      '          sql: |',
      '            UPDATE t SET seen = {{ item }}',
      '            WHERE id = :id',
      '          params:',
      '            id: "{{ index }}"',
    );
    const fs = analyze(text).findings;
    assert.deepEqual(fs.map((f) => [f.code, at(f)]), [['sql.template-in-sql', '11:32-11:42']]);
    assert.equal(
      apply(text, fs[0].fixes![0]),
      doc(
        'id: q',
        'steps:',
        '  - id: each',
        '    for_each: [1, 2]',
        '    steps:',
        '      - id: put',
        '        tool: sql',
        '        action: execute',
        '        parameters:',
        '          connection: "sqlite:data/app.db"',
        '          sql: |',
        '            UPDATE t SET seen = :item',
        '            WHERE id = :id',
        '          params:',
        '            id: "{{ index }}"',
        '            item: "{{ item }}"',
      ),
    );
  });

  it('warns without a fix in transaction statements, and checks the result fields', () => {
    const text = doc(
      'id: q',
      'steps:',
      '  - id: tx',
      '    tool: sql',
      '    action: transaction',
      '    parameters:',
      '      connection: "sqlite:a.db"',
      '      statements:',
      '        - "DELETE FROM t WHERE id = {{ 1 }}"',
      '        - {sql: "SELECT 1"}',
      'outputs:',
      '  n: "{{ tx.result.rows_affected }}"',
      '  bad: "{{ tx.result.rows }}"',
    );
    const fs = analyze(text).findings;
    assert.deepEqual(fs.map((f) => [f.code, at(f), (f.fixes ?? []).length]), [
      ['sql.template-in-sql', '8:36-8:43', 0],
      ['template.unknown-result-field', '12:21-12:25', 0],
    ]);
  });

  it("completes a sql step's connection with the pipeline's names, then the user's", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-conn-'));
    const saved = process.env.ORC_CONNECTIONS_CONFIG;
    process.env.ORC_CONNECTIONS_CONFIG = path.join(dir, 'connections.json');
    fs.writeFileSync(process.env.ORC_CONNECTIONS_CONFIG, JSON.stringify({ connections: { warehouse: { url: 'postgres://reporting@db:5432/sales', password_env: 'WAREHOUSE_PASSWORD' }, app: { url: 'sqlite:other.db' } } }));
    try {
      const text = doc('id: q', 'connections:', '  app: {url: "sqlite:data/app.db"}', '  lake: {url_env: LAKE_URL}', 'steps:', '  - id: rows', '    tool: sql', '    action: query', '    parameters:', '      connection: ', '      sql: SELECT 1');
      const offset = text.indexOf('connection: ') + 'connection: '.length;
      assert.deepEqual(completions(analyze(text), offset).map((c) => [c.label, c.detail]), [
        ['app', 'sqlite:data/app.db'],
        ['lake', 'the URL in LAKE_URL'],
        ['warehouse', 'postgres://reporting@db:5432/sales (your settings)'],
      ]);
    } finally {
      if (saved === undefined) delete process.env.ORC_CONNECTIONS_CONFIG;
      else process.env.ORC_CONNECTIONS_CONFIG = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
