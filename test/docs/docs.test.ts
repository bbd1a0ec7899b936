// The docs say what the code does: the findings table lists exactly the engine's codes.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FINDING_CODES } from '../../engine/analyze/codes';
import { BUILTIN_ACTIONS, TOOL_SPECS } from '../../engine/toolkit/toolSpecs';
import { ROOT } from '../helpers/cli';

describe('docs', () => {
  it('docs/findings.md lists every finding code once, with its severity', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docs', 'findings.md'), 'utf8');
    const rows = [...text.matchAll(/^\| `([a-z0-9.-]+)` \| (error|warning|info|hint) \|/gm)].map((m) => [m[1], m[2]]);
    const expected = Object.entries(FINDING_CODES).map(([code, info]) => [code, info.severity]);
    assert.deepEqual(rows, expected);
  });

  it('the README has exactly two set-up commands at the top: the demo and the tests', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const firstBlock = /```(?:sh|bash)?\n([\s\S]*?)```/.exec(readme);
    assert.ok(firstBlock, 'no code block in the README');
    const commands = firstBlock[1].split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    assert.equal(commands.length, 2, commands.join('\n'));
    assert.match(commands[1], /npm test/);
  });
});

describe('docs link only to what the repository holds', () => {
  const files = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];
  for (const file of files) {
    it(`${file}: every relative link resolves, none leaves the repository`, () => {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      const broken: string[] = [];
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1].split('#')[0];
        if (!target || /^[a-z]+:/i.test(target)) continue;
        const resolved = path.resolve(path.dirname(path.join(ROOT, file)), target);
        if (!resolved.startsWith(ROOT + path.sep) || !fs.existsSync(resolved)) broken.push(m[1]);
      }
      assert.deepEqual(broken, []);
      assert.doesNotMatch(text, /\.\.\/shared|shared\/(SPEC|DESIGN|BENCHMARKS|E2E)\.md/, 'the project documents itself');
    });
  }
});

describe('docs/tools.md', () => {
  it('documents every action with all its parameters', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docs', 'tools.md'), 'utf8');
    const sections = new Map<string, string>();
    for (const part of text.split(/^### /m).slice(1)) sections.set(/^`([^`]+)`/.exec(part)![1], part);
    const missing: string[] = [];
    const check = (name: string, params: string[]) => {
      const s = sections.get(name);
      if (!s) return missing.push(name);
      for (const p of params) if (!s.includes(`| \`${p}\` |`)) missing.push(`${name} ${p}`);
    };
    for (const [n, a] of Object.entries(BUILTIN_ACTIONS)) check(n, Object.keys(a.parameters));
    for (const t of Object.values(TOOL_SPECS)) for (const [n, a] of Object.entries(t.actions)) check(`${t.name}.${n}`, Object.keys(a.parameters));
    assert.deepEqual(missing, []);
  });
});
