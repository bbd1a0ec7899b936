// Holes found from outside in the template language (issue 9): regex denial of service, memory
// through nested lists, deep nesting in the parser, and shell quoting. Each test fails without its fix.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LIMITS, renderValue, scopeOf, str, TemplateRuntimeError } from '../../../engine/template/index';
import { orc } from '../../helpers/cli';

function render(t: string, vars: Record<string, unknown> = {}): string {
  const v = renderValue(t, scopeOf(vars));
  return typeof v === 'string' ? v : str(v);
}

function renderError(t: string, vars: Record<string, unknown> = {}): Error {
  try {
    render(t, vars);
  } catch (e) {
    return e as Error;
  }
  assert.fail(`expected an error from ${t.slice(0, 80)}`);
}

describe('hardening: regular expressions run in linear time', function () {
  this.timeout(20_000);

  it('regex_replace with a catastrophic-backtracking pattern ends at once and leaves the text unchanged', () => {
    assert.equal(render("{{ ('a' * 40 ~ 'b') | regex_replace('(a+)+$', 'z') }}"), 'a'.repeat(40) + 'b');
    // the same on a long input: still linear
    assert.equal(render("{{ ('a' * 100000 ~ 'b') | regex_replace('(a+)+$', 'z') | length }}"), '100001');
  });

  it("regex_findall('(a|aa)+$') on a long input ends at once", () => {
    assert.equal(render("{{ ('a' * 50000 ~ 'b') | regex_findall('(a|aa)+$') }}"), '[]');
    assert.equal(render("{{ 'xaaa' | regex_findall('(a|aa)+$') }}"), "['a']");
  });

  it('keeps the Python syntax the filters had: named groups, \\1 and \\g<name> in replacements, count, flags', () => {
    assert.equal(render('{{ "John Smith" | regex_replace("(\\\\w+) (\\\\w+)", "\\\\2, \\\\1") }}'), 'Smith, John');
    assert.equal(render('{{ "2024-05" | regex_replace("(?P<y>\\\\d+)-(?P<m>\\\\d+)", "\\\\g<m>/\\\\g<y>") }}'), '05/2024');
    assert.equal(render('{{ "a1b2c3" | regex_replace("\\\\d", "#", count=2) }}'), 'a#b#c3');
    assert.equal(render('{{ "ABC" | regex_search("b", ignorecase=true) }}'), 'B');
    assert.equal(render('{{ "k=v; x=y" | regex_findall("(\\\\w)=(\\\\w)") }}'), "[['k', 'v'], ['x', 'y']]");
  });

  it('refuses a backreference or lookaround with a message that says why', () => {
    const e = renderError("{{ 'aa' | regex_search('(a)\\\\1') }}");
    assert.ok(e instanceof TemplateRuntimeError);
    assert.match(e.message, /backreferences are not supported/);
    assert.match(renderError("{{ 'ab' | regex_search('a(?=b)') }}").message, /lookahead and lookbehind are not supported/);
  });

  it('orc run: a step whose parameter runs the pathological regex completes (it hung before)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-redos-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        [
          'id: redos',
          'steps:',
          '  - id: a',
          '    tool: terminal',
          '    action: execute',
          '    timeout: 1',
          '    parameters:',
          `      command: "echo {{ ('a' * 40 ~ 'b') | regex_replace('(a+)+$', 'z') }}"`,
          '',
        ].join('\n'),
      );
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).steps.a.result.stdout, 'a'.repeat(40) + 'b\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hardening: templates cannot exhaust memory', function () {
  this.timeout(30_000);

  it('a list holding one big list many times is refused when built, counting nested items', () => {
    const e = renderError('{% set l = [range(100000)|list] * 100000 %}{{ l }}');
    assert.ok(e instanceof TemplateRuntimeError);
    assert.equal(e.kind, 'limit');
    assert.equal(e.message, 'Value with more than 1000000 items (counting nested lists and mappings)');
    // a literal list or mapping of big lists too, not only `*`
    assert.match(renderError('{% set x = range(100000)|list %}{{ [x,x,x,x,x,x,x,x,x,x,x] | length }}').message, /more than 1000000 items/);
    assert.match(renderError("{% set x = range(100000)|list %}{{ {'a':x,'b':x,'c':x,'d':x,'e':x,'f':x,'g':x,'h':x,'i':x,'j':x,'k':x} | length }}").message, /more than 1000000 items/);
  });

  it('characters are counted through lists too, and rendered output is bounded while it grows', () => {
    assert.match(renderError("{% set s = 'x' * 4000000 %}{{ ([s] * 20) | join | length }}").message, /more than 50000000 characters/);
    const e = renderError("{% for i in range(1000) %}{{ 'x' * 10000 }}{% endfor %}");
    assert.equal(e.message, 'Rendered text longer than 5000000 characters');
  });

  it('what stays under the limits still works: 9 nested lists of 100,000 and sorting 100,000 strings', () => {
    assert.equal(render('{% set x = range(100000)|list %}{{ ([x] * 9) | length }}'), '9');
    assert.equal(render("{{ range(100000)|list|map('string')|sort(reverse=true)|first }}"), '99999');
  });

  it('orc run: the template that ran the process out of memory fails its step with the limit (exit 1)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-oom-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        ['id: oom', 'steps:', '  - id: a', '    tool: terminal', '    action: execute', '    parameters:', "      command: \"echo {% set l = [range(100000)|list] * 100000 %}{{ l | sort | length }}\"", ''].join('\n'),
      );
      // a small heap: without the bound this dies of out-of-memory instead of failing the step
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env: { NODE_OPTIONS: '--max-old-space-size=200' } });
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.steps.a.status, 'failed');
      assert.match(doc.steps.a.error, /Value with more than 1000000 items/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hardening: deep nesting is a syntax error, not a stack overflow', () => {
  for (const [what, template] of [
    ['10,000 terms of 1 + 1 + ...', `{{ ${Array(10_000).fill('1').join(' + ')} }}`],
    ['5,000 | upper filters', `{{ 'x'${' | upper'.repeat(5000)} }}`],
  ] as const) {
    it(`${what}: TemplateSyntaxError on the whole expression`, () => {
      const e = renderError(template);
      assert.equal(e.name, 'TemplateSyntaxError');
      assert.equal(e.message, 'Expression nested deeper than 500 levels: split it with {% set %}');
      assert.deepEqual([(e as unknown as { start: number }).start, (e as unknown as { end: number }).end], [3, template.length - 3]);
    });
  }

  it('5,000 nested {% if %}: refused at the 101st block', () => {
    const e = renderError('{% if true %}'.repeat(5000) + 'x' + '{% endif %}'.repeat(5000));
    assert.equal(e.message, 'Blocks nested deeper than 100 levels');
    assert.equal((e as unknown as { start: number }).start, 100 * '{% if true %}'.length);
  });

  it('orc validate reports it as a finding (exit 2), not an internal error (exit 70)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-deep-'));
    try {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), `id: deep\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo {{ ${Array(10_000).fill('1').join(' + ')} }}"\n`);
      const r = orc(['validate', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code), ['template.syntax']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hardening: shell_quote', function () {
  this.timeout(20_000);

  it('quotes any text as one shell word; plain words stay as they are; a list becomes quoted words', () => {
    assert.equal(render("{{ x | shell_quote }}", { x: "it's $(touch pwned); `id`" }), `'it'"'"'s $(touch pwned); \`id\`'`);
    assert.equal(render("{{ 'report-1.md' | shell_quote }}"), 'report-1.md');
    assert.equal(render("{{ '' | shell_quote }}"), "''");
    assert.equal(render("{{ ['a b', 'c', 3] | shell_quote }}"), "'a b' c 3");
  });

  it('orc run: step output full of shell syntax reaches the next command as data, and runs nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-quote-'));
    try {
      const nasty = `it's "$HOME"; touch pwned \`touch pwned2\`\nline2`;
      fs.writeFileSync(path.join(dir, 'in.txt'), nasty);
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        [
          'id: quote',
          'steps:',
          '  - id: a',
          '    tool: filesystem',
          '    action: read',
          '    parameters: {path: in.txt}',
          '  - id: b',
          '    tool: terminal',
          '    action: execute',
          '    parameters:',
          "      command: \"printf '%s' {{ a.result.content | shell_quote }}\"",
          '',
        ].join('\n'),
      );
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).steps.b.result.stdout, nasty);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('pwned')), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hardening: template work has a time budget', function () {
  it('a render past LIMITS.maxRenderMs stops with a limit error (synchronous work no timeout could stop)', () => {
    const saved = LIMITS.maxRenderMs;
    LIMITS.maxRenderMs = 30;
    try {
      const e = renderError('{% for i in range(100000) %}{% for j in range(10) %}{{ j }}{% endfor %}{% endfor %}');
      assert.ok(e instanceof TemplateRuntimeError);
      assert.equal(e.kind, 'limit');
      assert.equal(e.message, 'Template took longer than 0.03 s to render');
    } finally {
      LIMITS.maxRenderMs = saved;
    }
  });

  it("orc run: the step's timeout bounds the rendering of its parameters (it could not stop synchronous template work)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-rendertime-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        ['id: slow', 'steps:', '  - id: a', '    tool: terminal', '    action: execute', '    timeout: 0.05', '    parameters:', '      command: "echo {% for i in range(1000) %}{% for j in range(999) %}{% endfor %}{% endfor %}done"', ''].join('\n'),
      );
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      const a = JSON.parse(r.stdout).steps.a;
      assert.deepEqual([a.status, a.error], ['failed', "Could not render the parameters: Rendering the parameters took longer than the step's timeout (0.05 s)"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unique over 100,000 items is linear (it compared every pair), and keeps Python equality', function () {
    this.timeout(5_000);
    assert.equal(render('{{ range(100000) | list | unique | length }}'), '100000');
    assert.equal(render("{{ [1, true, 1.0, 'a', 'A', {'x': 1, 'y': 2}, {'y': 2, 'x': 1}, [1], [true]] | unique }}"), "[1, 'a', {'x': 1, 'y': 2}, [1]]");
  });
});
