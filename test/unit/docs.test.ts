// The docs say what the code does: the findings table lists exactly the engine's codes.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FINDING_CODES } from '../../engine/analyze/codes';
import { BUILTIN_ACTIONS, TOOL_SPECS } from '../../engine/tools/specs';
import { ROOT } from '../helpers/cli';

describe('docs', () => {
  it('docs/findings.md lists every finding code once, with its severity', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docs', 'findings.md'), 'utf8');
    const rows = [...text.matchAll(/^\| `([a-z.-]+)` \| (error|warning|info|hint) \|/gm)].map((m) => [m[1], m[2]]);
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
