// Slow paths found from outside (issue 9). Speed itself is measured in bench/; these tests check
// the results of work that used to take minutes, under mocha's timeout, so the quadratic versions
// fail them.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI } from '../../helpers/cli';
import { analyze } from '../../../engine/analyze/index';
import { LspClient } from '../../helpers/lspClient';

/** The CLI with room for megabytes of output. */
function orcBig(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 30, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hardening: slow paths', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-slow-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('orc validate prints 20,000 findings as text with their source lines (it split the file once per finding)', () => {
    const steps = Array.from({ length: 20_000 }, (_, i) => `  - id: s${i}\n    tool: nosuch\n    action: x\n`).join('');
    fs.writeFileSync(path.join(dir, 'many.pipeline.yaml'), `id: many\nsteps:\n${steps}`);
    const r = orcBig(['validate', 'many.pipeline.yaml'], dir);
    assert.equal(r.code, 2);
    const out = r.stdout + r.stderr;
    const heads = out.split('\n').filter((l) => /^many\.pipeline\.yaml:\d+:\d+: error tool\.unknown /.test(l));
    assert.equal(heads.length, 20_000);
    assert.ok(heads[19_999].startsWith('many.pipeline.yaml:60001:11: error tool.unknown '), heads[19_999]);
    assert.match(out, /many\.pipeline\.yaml: 20000 errors/);
  });
});

describe('hardening: mappings with many keys', function () {
  this.timeout(20_000);

  it('completion in a document of 60,000 parameters (1.9 MB) answers with every name (the parser compared every key with every other)', async () => {
    const params = Array.from({ length: 60_000 }, (_, i) => `  p${i}: {type: string, default: v${i}}\n`).join('');
    const text = `id: big\nparameters:\n${params}steps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "{{ p`;
    assert.ok(text.length > 1_900_000);
    const client = new LspClient('stdio');
    try {
      await client.initialize();
      const uri = 'file:///work/many-params.pipeline.yaml';
      client.open(uri, text);
      const lines = text.split('\n');
      const items = await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line: lines.length - 1, character: lines[lines.length - 1].length } });
      const labels = new Set(items.map((i) => i.label));
      assert.ok(labels.has('p0') && labels.has('p59999'), `${items.length} items`);
    } finally {
      await client.stop();
    }
  });

  it('duplicate keys are still found, in block and flow mappings, quoted or not, at the second key', () => {
    const text = 'id: x\nparameters:\n  a: {type: string}\n  b: {type: string, type: integer}\n  "a": {type: string}\nsteps:\n  - {id: s, tool: terminal, action: execute, parameters: {command: echo}}\n';
    const f = analyze(text).findings.filter((x) => x.code === 'yaml.duplicate-key');
    assert.deepEqual(
      f.map((x) => [x.message, `${x.range.start.line}:${x.range.start.character}-${x.range.end.line}:${x.range.end.character}`]),
      [
        ["Duplicate key 'type': a mapping holds each key once.", '3:20-3:24'],
        ["Duplicate key '\"a\"': a mapping holds each key once.", '4:2-4:5'],
      ],
    );
  });
});
