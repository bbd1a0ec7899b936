// The graph editor's operations (engine/edit/) and `orc edit`: each is the smallest edit of the text,
// comments and everything outside the changed lines stay byte for byte, the result means what was
// asked (the plan has the edge), and a refused edit changes nothing.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { editPipeline, type EditOperation } from '../../../engine/edit/operations';
import { BEHAVIOUR, orc, ROOT } from '../../helpers/cli';

const COMMENTED = `# A pipeline with comments everywhere
id: demo   # the id
steps:
  # first step
  - id: a
    action: generate   # inline comment
    parameters: { prompt: "hi" }

  - id: b
    tool: filesystem
    action: write
    depends_on: "a"
    parameters:
      path: out.txt
      content: "{{ a.result }}"

  - id: c
    tool: filesystem
    action: read
    dependencies:
      - a   # why a
      - b
    parameters: {path: out.txt}
outputs:
  final: "{{ c.result.content }}"
`;

function edit(text: string, op: EditOperation): string {
  const r = editPipeline(text, op);
  if (!r.ok) assert.fail(`${r.reason}: ${r.findings.map((f) => f.message).join('; ')}`);
  return r.text;
}

function refusal(text: string, op: EditOperation): string {
  const r = editPipeline(text, op);
  assert.equal(r.ok, false, 'the edit was made');
  return r.ok ? '' : r.reason;
}

const explicitEdges = (text: string) =>
  analyze(text)
    .plan!.edges.filter((e) => e.kind === 'explicit')
    .map((e) => `${e.from}->${e.to}`)
    .sort();
const comments = (text: string) => text.split('\n').filter((l) => /#/.test(l) && !/\{\{|"[^"]*#/.test(l)).map((l) => l.slice(l.indexOf('#')));

describe('graph editing: the operations as text edits', () => {
  it('connect: the exact edits in each style', () => {
    const blockList = COMMENTED.replace('    dependencies:\n      - a   # why a\n      - b\n', '    dependencies:\n      - b   # why b\n');
    assert.equal(edit(blockList, { op: 'connect', from: 'a', to: 'c' }), blockList.replace('      - b   # why b\n', '      - b   # why b\n      - a\n'));
    const flowList = COMMENTED.replace('    dependencies:\n      - a   # why a\n      - b\n', '    dependencies: [b]  # flow\n');
    assert.equal(edit(flowList, { op: 'connect', from: 'a', to: 'c' }), flowList.replace('[b]  # flow', '[b, a]  # flow'));
    const stringList = COMMENTED.replace('    dependencies:\n      - a   # why a\n      - b\n', '    dependencies: "b"\n');
    assert.equal(edit(stringList, { op: 'connect', from: 'a', to: 'c' }), stringList.replace('dependencies: "b"', 'dependencies: "b, a"'));
    // b has depends_on "a"; a has no key: it gets one after its last line, at its keys' column
    const noKey = COMMENTED.replace('    depends_on: "a"\n', '');
    assert.equal(edit(noKey, { op: 'connect', from: 'a', to: 'b' }), noKey.replace('      content: "{{ a.result }}"\n', '      content: "{{ a.result }}"\n    dependencies: [a]\n'));
  });

  it('disconnect removes the element, the line, or the whole key when it was the last one', () => {
    assert.equal(edit(COMMENTED, { op: 'disconnect', from: 'b', to: 'c' }), COMMENTED.replace('      - b\n', ''));
    const once = edit(COMMENTED, { op: 'disconnect', from: 'a', to: 'c' });
    assert.equal(once, COMMENTED.replace('      - a   # why a\n', ''));
    assert.equal(edit(once, { op: 'disconnect', from: 'b', to: 'c' }), COMMENTED.replace('    dependencies:\n      - a   # why a\n      - b\n', ''));
    const flow = COMMENTED.replace('    dependencies:\n      - a   # why a\n      - b\n', '    dependencies: [a, b]\n');
    assert.equal(edit(flow, { op: 'disconnect', from: 'a', to: 'c' }), flow.replace('[a, b]', '[b]'));
    assert.equal(edit(flow, { op: 'disconnect', from: 'b', to: 'c' }), flow.replace('[a, b]', '[a]'));
  });

  it('refuses what would break the pipeline, saying why, before any edit', () => {
    assert.equal(refusal(COMMENTED, { op: 'connect', from: 'c', to: 'a' }), "'a' cannot depend on 'c': that closes the cycle a → c → a");
    assert.equal(refusal(COMMENTED, { op: 'connect', from: 'a', to: 'c' }), "'c' already depends on 'a'");
    assert.equal(refusal(COMMENTED, { op: 'connect', from: 'a', to: 'a' }), "A step cannot depend on itself ('a')");
    assert.equal(refusal(COMMENTED, { op: 'connect', from: 'nope', to: 'a' }), "There is no step 'nope'");
    const implied = edit(COMMENTED, { op: 'disconnect', from: 'a', to: 'b' });
    assert.equal(refusal(implied, { op: 'disconnect', from: 'a', to: 'b' }), "'b' reads 'a' in a template (line 14): that dependency is implied by the template, so it goes only when the template stops reading 'a'");
    assert.equal(refusal(COMMENTED, { op: 'remove-step', id: 'a' }), "'a' is still read by 'b' (line 15): change those first, or the pipeline would not compile");
    assert.equal(refusal(COMMENTED, { op: 'rename', from: 'a', to: 'b' }), "A step 'b' already exists");
    assert.equal(refusal(COMMENTED, { op: 'add-step', id: 'x', tool: 'filesystem', action: 'fly' }), "The tool 'filesystem' has no action 'fly'");
    const broken = COMMENTED.replace('    action: read\n', '    action: raed\n');
    assert.equal(refusal(broken, { op: 'connect', from: 'a', to: 'b' }), 'The pipeline has errors: fix them before editing it through the graph');
  });

  it('remove-step takes its lines and its dependents\' entries, and one of the blank lines around it', () => {
    const bBlock = '  - id: b\n    tool: filesystem\n    action: write\n    depends_on: "a"\n    parameters:\n      path: out.txt\n      content: "{{ a.result }}"\n\n';
    assert.equal(edit(COMMENTED, { op: 'remove-step', id: 'b' }), COMMENTED.replace(bBlock, '').replace('      - b\n', ''));
    assert.equal(refusal(COMMENTED, { op: 'remove-step', id: 'c' }), "'c' is still read by the outputs (line 25): change those first, or the pipeline would not compile");
  });

  it('add-step writes a step like its neighbours, after the one named and depending on it', () => {
    const r = edit(COMMENTED, { op: 'add-step', id: 'save', tool: 'filesystem', action: 'write', after: 'a', parameters: { path: 'notes/out.md' } });
    assert.equal(r, COMMENTED.replace('    parameters: { prompt: "hi" }\n\n', '    parameters: { prompt: "hi" }\n\n  - id: save\n    tool: filesystem\n    action: write\n    dependencies: [a]\n    parameters:\n      path: notes/out.md\n      content: ""\n\n'));
    assert.deepEqual(explicitEdges(r), ['a->b', 'a->c', 'a->save', 'b->c']);
  });

  it('duplicate copies the step verbatim under a fresh id; rename follows every reference', () => {
    const d = edit(COMMENTED, { op: 'duplicate-step', id: 'b' });
    assert.equal(d, COMMENTED.replace('      content: "{{ a.result }}"\n\n', '      content: "{{ a.result }}"\n\n  - id: b_2\n    tool: filesystem\n    action: write\n    depends_on: "a"\n    parameters:\n      path: out.txt\n      content: "{{ a.result }}"\n\n'));
    const r = edit(COMMENTED, { op: 'rename', from: 'a', to: 'first-step' });
    assert.equal(r, COMMENTED.replace('- id: a\n', '- id: first-step\n').replace('depends_on: "a"', 'depends_on: "first-step"').replace('"{{ a.result }}"', '"{{ steps[\'first-step\'].result }}"').replace('- a   # why a', '- first-step   # why a'));
  });

  it('a file written with CRLF line ends gets CRLF in what is added', () => {
    const crlf = COMMENTED.replace(/\n/g, '\r\n');
    assert.equal(edit(crlf, { op: 'disconnect', from: 'b', to: 'c' }), crlf.replace('      - b\r\n', ''));
    const out = edit(crlf, { op: 'add-step', id: 'z', action: 'generate', after: 'c', parameters: { prompt: 'hello' } });
    assert.equal(out.replace(/\r\n/g, '').includes('\n'), false, 'a bare line feed was added');
  });
});

const CORPUS = [
  ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.pipeline.yaml')).map((f) => path.join(ROOT, 'examples', f)),
  ...fs.readdirSync(BEHAVIOUR).filter((f) => f.endsWith('.pipeline.yaml')).map((f) => path.join(BEHAVIOUR, f)),
];

describe('graph editing: every connect and disconnect on the examples', () => {
  for (const file of CORPUS) {
    it(`${path.relative(ROOT, file)}: the edge appears, the comments stay, and disconnect gives the file back byte for byte`, () => {
      const text = fs.readFileSync(file, 'utf8');
      const a = analyze(text);
      // every pair of steps of one list: the top level and each loop body
      const lists = new Set([...a.stepIndex.values()].map((e) => e.ctx.steps));
      const pairs = [...lists].flatMap((l) => l.flatMap((x) => l.map((y) => [x.id, y.id] as const)));
      for (const [from, to] of pairs) {
        {
          const r = editPipeline(text, { op: 'connect', from, to }, a);
          if (!r.ok) continue;
          assert.ok(explicitEdges(r.text).includes(`${from}->${to}`), `${from}->${to} is not in the plan`);
          assert.deepEqual(comments(r.text), comments(text));
          const changed = r.text.split('\n').length - text.split('\n').length;
          assert.ok(changed <= 1, `${changed} lines added for one dependency`);
          const back = editPipeline(r.text, { op: 'disconnect', from, to });
          assert.ok(back.ok, back.ok ? '' : back.reason);
          assert.equal(back.text, text, `connect then disconnect ${from}->${to} did not give the file back`);
        }
      }
    });
  }
});

/** A seeded generator (mulberry32): the fuzz is the same on every run. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generated(r: () => number, n: number): string {
  const lines = ['# generated', 'id: fuzz', 'steps:'];
  for (let i = 0; i < n; i++) {
    const deps = Array.from({ length: i }, (_, k) => `s${k}`).filter(() => r() < 0.3);
    lines.push(`  # step ${i}`, `  - id: s${i}   # id ${i}`, '    action: generate');
    const style = r();
    if (deps.length && style < 0.33) lines.push(`    dependencies: [${deps.join(', ')}]  # flow ${i}`);
    else if (deps.length && style < 0.66) lines.push('    dependencies:', ...deps.map((d) => `      - ${d}  # on ${d}`));
    else if (deps.length) lines.push(`    depends_on: "${deps.join(', ')}"`);
    lines.push('    parameters:', `      prompt: "step ${i}"  # prompt ${i}`);
    if (r() < 0.5) lines.push('');
  }
  return lines.join('\n') + '\n';
}

describe('graph editing: random edits on generated pipelines with comments everywhere', () => {
  it('300 random connects and disconnects: the plan follows the model, every comment stays, the file always compiles', () => {
    const r = rng(23);
    for (let round = 0; round < 6; round++) {
      let text = generated(r, 8);
      const edges = new Set(explicitEdges(text));
      const before = comments(text);
      for (let k = 0; k < 50; k++) {
        const from = `s${Math.floor(r() * 8)}`;
        const to = `s${Math.floor(r() * 8)}`;
        const connecting = r() < 0.5;
        const res = editPipeline(text, { op: connecting ? 'connect' : 'disconnect', from, to });
        if (!res.ok) continue;
        text = res.text;
        if (connecting) edges.add(`${from}->${to}`);
        else edges.delete(`${from}->${to}`);
        assert.deepEqual(explicitEdges(text), [...edges].sort(), `after ${connecting ? 'connect' : 'disconnect'} ${from} ${to}:\n${text}`);
        // a removed dependency takes the comment on its line
        for (const c of before.filter((x) => !/# (on|flow) /.test(x))) assert.ok(comments(text).includes(c), `lost ${c}`);
      }
    }
  });
});

describe('orc edit', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-edit-'));
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), COMMENTED);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('connect writes the file and says what it did; a cycle exits 2 and leaves the file as it was', () => {
    const file = path.join(dir, 'p.pipeline.yaml');
    const ok = orc(['edit', 'p.pipeline.yaml', 'disconnect', 'b', 'c'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr.trim(), "p.pipeline.yaml: 'c' no longer depends on 'b'");
    assert.equal(fs.readFileSync(file, 'utf8'), COMMENTED.replace('      - b\n', ''));
    const before = fs.readFileSync(file);
    const cycle = orc(['edit', 'p.pipeline.yaml', 'connect', 'c', 'a'], { cwd: dir });
    assert.equal(cycle.code, 2);
    assert.equal(cycle.stderr.trim(), "orc: p.pipeline.yaml: 'a' cannot depend on 'c': that closes the cycle a → c → a; the file is unchanged");
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(dir), ['p.pipeline.yaml']);
  });

  it('--dry-run prints the edited text and writes nothing; --json prints the edits', () => {
    const dry = orc(['edit', 'p.pipeline.yaml', 'connect', 'b', 'a', '--dry-run'], { cwd: dir });
    assert.equal(dry.code, 2, 'b depends on a: connecting b before a is a cycle');
    const r = orc(['edit', 'p.pipeline.yaml', 'rename', 'c', 'check', '--dry-run'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, COMMENTED.replace('- id: c\n', '- id: check\n').replace('{{ c.result.content }}', '{{ check.result.content }}'));
    assert.equal(fs.readFileSync(path.join(dir, 'p.pipeline.yaml'), 'utf8'), COMMENTED);
    const j = orc(['edit', 'p.pipeline.yaml', 'disconnect', 'b', 'c', '--json'], { cwd: dir });
    assert.deepEqual(JSON.parse(j.stdout), { file: 'p.pipeline.yaml', ok: true, summary: "'c' no longer depends on 'b'", written: true, edits: [{ start: COMMENTED.indexOf('      - b\n'), end: COMMENTED.indexOf('      - b\n') + 10, newText: '' }] });
  });

  it('a byte order mark stays; a removal that breaks a reference exits 2 listing why', () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), '\ufeff' + COMMENTED);
    assert.equal(orc(['edit', 'p.pipeline.yaml', 'disconnect', 'b', 'c'], { cwd: dir }).code, 0);
    assert.equal(fs.readFileSync(path.join(dir, 'p.pipeline.yaml'), 'utf8'), '\ufeff' + COMMENTED.replace('      - b\n', ''));
    const rm = orc(['edit', 'p.pipeline.yaml', 'remove-step', 'a'], { cwd: dir });
    assert.equal(rm.code, 2);
    assert.match(rm.stderr, /'a' is still read by 'b' \(line 15\)/);
    const usage = orc(['edit', 'p.pipeline.yaml', 'connect', 'a'], { cwd: dir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /orc edit FILE connect FROM TO/);
  });
});
