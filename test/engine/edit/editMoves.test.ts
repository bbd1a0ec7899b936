// Moving a step into or out of a loop's body and reordering a list (engine/edit/moves.ts and
// `orc edit move-into|move-out|reorder`): the step's lines travel with the comments right above them,
// shifted to the new list's indentation; every other line stays byte for byte; a step that changes
// list loses the dependencies it had there, and an edit that would break a template is refused.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { editPipeline, type EditOperation } from '../../../engine/edit/operations';
import { BEHAVIOUR, orc, ROOT } from '../../helpers/cli';

const LOOPED = `# loops
id: demo
steps:
  - id: fetch   # first
    action: generate
    parameters: { prompt: "hi" }

  - id: per_topic
    for_each: "{{ ['a', 'b'] }}"
    loop_var: topic
    steps:
      - id: write_note
        action: generate
        parameters:
          prompt: "{{ topic }}"

      # summarise each
      - id: sum_note
        action: generate
        dependencies: [write_note]
        parameters:
          prompt: "x"

  # the tail
  - id: tail
    action: generate
    dependencies: [fetch]
    parameters:
      prompt: "done"
outputs:
  x: "{{ tail.result }}"
`;

const FETCH = '  - id: fetch   # first\n    action: generate\n    parameters: { prompt: "hi" }\n';
const SUM = '      # summarise each\n      - id: sum_note\n        action: generate\n        dependencies: [write_note]\n        parameters:\n          prompt: "x"\n';

function edit(text: string, op: EditOperation): { text: string; summary: string } {
  const r = editPipeline(text, op);
  if (!r.ok) assert.fail(`${r.reason}: ${r.findings.map((f) => f.message).join('; ')}`);
  return { text: r.text, summary: r.summary };
}

function refusal(text: string, op: EditOperation): string {
  const r = editPipeline(text, op);
  assert.equal(r.ok, false, 'the edit was made');
  return r.ok ? '' : `${r.reason}${r.findings.map((f) => `: ${f.message}`).join('')}`;
}

const nonBlank = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .sort();
const stepsOf = (text: string, loop: string | null) => {
  const a = analyze(text);
  return (loop ? a.stepIndex.get(loop)!.step.body! : a.pipeline!.steps).map((s) => s.id);
};

describe('graph editing: moving steps', () => {
  it('move-into: the step becomes the last of the body, at its indentation, losing the dependencies of its old list', () => {
    const r = edit(LOOPED, { op: 'move-into', loop: 'per_topic', id: 'fetch' });
    const expected = LOOPED.replace(`${FETCH}\n`, '')
      .replace('          prompt: "x"\n\n', '          prompt: "x"\n\n      - id: fetch   # first\n        action: generate\n        parameters: { prompt: "hi" }\n\n')
      .replace('    dependencies: [fetch]\n', '');
    assert.equal(r.text, expected);
    assert.equal(r.summary, "moved 'fetch' into the loop 'per_topic' (dropped the dependencies fetch → tail: a dependency joins steps of one list)");
    assert.deepEqual(stepsOf(r.text, 'per_topic'), ['write_note', 'sum_note', 'fetch']);
  });

  it('move-out: the step and the comment above it go to right after the loop, one level out', () => {
    const r = edit(LOOPED, { op: 'move-out', id: 'sum_note' });
    const out = '  # summarise each\n  - id: sum_note\n    action: generate\n    parameters:\n      prompt: "x"\n';
    assert.equal(r.text, LOOPED.replace(`\n${SUM}`, '').replace('\n  # the tail', `\n${out}\n  # the tail`));
    assert.deepEqual(stepsOf(r.text, null), ['fetch', 'per_topic', 'sum_note', 'tail']);
    assert.deepEqual(stepsOf(r.text, 'per_topic'), ['write_note']);
  });

  it('reorder: the same lines in another order, dependencies unchanged, no blank line doubled or lost', () => {
    const r = edit(LOOPED, { op: 'reorder', id: 'tail', before: 'fetch' });
    const tail = '  # the tail\n  - id: tail\n    action: generate\n    dependencies: [fetch]\n    parameters:\n      prompt: "done"\n';
    assert.equal(r.text, LOOPED.replace(`\n${tail}`, '\n').replace('          prompt: "x"\n\n', '          prompt: "x"\n').replace(FETCH, `${tail}\n${FETCH}`));
    assert.deepEqual(stepsOf(r.text, null), ['tail', 'fetch', 'per_topic']);
    const first = edit(LOOPED, { op: 'reorder', id: 'fetch', before: 'tail' });
    assert.equal(first.text, LOOPED.replace(`${FETCH}\n`, '').replace('  # the tail\n', `${FETCH}\n  # the tail\n`));
    // moved back: the file as it was, byte for byte
    assert.equal(edit(first.text, { op: 'reorder', id: 'fetch', before: 'per_topic' }).text, LOOPED);
  });

  it('refuses what makes no sense or would break a template, saying why', () => {
    assert.equal(refusal(LOOPED, { op: 'move-into', loop: 'per_topic', id: 'tail' }), "The edit would leave 1 error: Unknown name 'tail' in template: not a parameter, a step or a loop variable.");
    assert.equal(refusal(LOOPED, { op: 'move-out', id: 'write_note' }), "The edit would leave 1 error: 'topic' is a loop variable, but this template is not inside a 'for_each' or 'while' body.");
    assert.equal(refusal(LOOPED, { op: 'move-out', id: 'fetch' }), "'fetch' is not in a loop's body");
    assert.equal(refusal(LOOPED, { op: 'move-into', loop: 'fetch', id: 'tail' }), "'fetch' is not a loop with a list of steps");
    assert.equal(refusal(LOOPED, { op: 'move-into', loop: 'per_topic', id: 'write_note' }), "'write_note' and 'per_topic' are not steps of the same list: a step moves into a loop that stands beside it");
    assert.equal(refusal(LOOPED, { op: 'reorder', id: 'fetch', before: 'per_topic' }), "'fetch' already stands just before 'per_topic'");
    assert.equal(refusal(LOOPED, { op: 'reorder', id: 'fetch', before: 'sum_note' }), "'fetch' and 'sum_note' are not steps of the same list");
    const single = LOOPED.replace(`\n${SUM}`, '');
    assert.equal(refusal(single, { op: 'move-out', id: 'write_note' }), "'write_note' is the only step of 'per_topic's body, and a list of steps cannot be empty");
  });

  it('CRLF files get CRLF in the moved lines', () => {
    const crlf = LOOPED.replace(/\n/g, '\r\n');
    const r = edit(crlf, { op: 'move-into', loop: 'per_topic', id: 'fetch' });
    assert.equal(r.text.replace(/\r\n/g, '').includes('\n'), false, 'a bare line feed was written');
    assert.equal(r.text, edit(LOOPED, { op: 'move-into', loop: 'per_topic', id: 'fetch' }).text.replace(/\n/g, '\r\n'));
  });
});

const CORPUS = [
  ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.pipeline.yaml')).map((f) => path.join(ROOT, 'examples', f)),
  ...fs.readdirSync(BEHAVIOUR).filter((f) => f.endsWith('.pipeline.yaml')).map((f) => path.join(BEHAVIOUR, f)),
];

describe('graph editing: every reorder on the examples', () => {
  it('each step before each sibling: the same lines, the same plan edges, the asked order; and back again', () => {
    let made = 0;
    for (const file of CORPUS) {
      const text = fs.readFileSync(file, 'utf8');
      const a = analyze(text);
      if (!a.pipeline || !a.plan) continue;
      const edges = (t: string) =>
        analyze(t)
          .plan!.edges.map((e) => `${e.kind}:${e.from}->${e.to}`)
          .sort();
      const planBefore = edges(text);
      for (const list of new Set([...a.stepIndex.values()].map((e) => e.ctx.steps))) {
        for (const s of list) {
          for (const b of list) {
            const r = editPipeline(text, { op: 'reorder', id: s.id, before: b.id }, a);
            if (!r.ok) continue;
            made++;
            const where = `${path.basename(file)}: ${s.id} before ${b.id}`;
            assert.deepEqual(nonBlank(r.text), nonBlank(text), `${where}: a line changed`);
            assert.deepEqual(edges(r.text), planBefore, `${where}: the plan changed`);
            const ids = r.analysis.stepIndex.get(s.id)!.ctx.steps.map((x) => x.id);
            assert.equal(ids[ids.indexOf(b.id) - 1], s.id, `${where}: not in front`);
          }
        }
      }
    }
    assert.ok(made > 50, `only ${made} reorders made`);
  });
});

describe('orc edit move-into, move-out, reorder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-move-'));
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), LOOPED);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the moved file and says what it dropped; a reorder without --before is a usage error', () => {
    const file = path.join(dir, 'p.pipeline.yaml');
    const into = orc(['edit', 'p.pipeline.yaml', 'move-into', 'per_topic', 'fetch'], { cwd: dir });
    assert.equal(into.code, 0, into.stderr);
    assert.equal(into.stderr.trim(), "p.pipeline.yaml: moved 'fetch' into the loop 'per_topic' (dropped the dependencies fetch → tail: a dependency joins steps of one list)");
    assert.equal(fs.readFileSync(file, 'utf8'), edit(LOOPED, { op: 'move-into', loop: 'per_topic', id: 'fetch' }).text);
    const out = orc(['edit', 'p.pipeline.yaml', 'move-out', 'fetch'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(stepsOf(fs.readFileSync(file, 'utf8'), null), ['per_topic', 'fetch', 'tail']);
    const re = orc(['edit', 'p.pipeline.yaml', 'reorder', 'fetch', '--before', 'per_topic'], { cwd: dir });
    assert.equal(re.code, 0, re.stderr);
    assert.deepEqual(stepsOf(fs.readFileSync(file, 'utf8'), null), ['fetch', 'per_topic', 'tail']);
    const usage = orc(['edit', 'p.pipeline.yaml', 'reorder', 'fetch'], { cwd: dir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /reorder STEP needs --before X/);
  });
});
