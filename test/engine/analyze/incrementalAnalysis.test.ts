// An edit re-checks only the steps it can affect (engine/analyze/stepMemo.ts); what the analysis
// reports must stay exactly what a from-scratch analysis of the same text reports, edit after edit.
import { strict as assert } from 'node:assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyze, type Analysis } from '../../../engine/analyze/index';
import { forgetStepMemo } from '../../../engine/analyze/stepMemo';
import { readBySections } from '../../../engine/parse/yamlDocument';
import { rng } from '../../helpers/fuzzCorpus';

/** A long pipeline (read by sections) with parameters used in templates, dependencies, template
 * references, a loop with a body, jumps, vars, AUTO tags (nested, unclosed, and answered as shell
 * code: findings that move with their steps), and a few findings of its own. */
function pipeline(n: number): string {
  const out = ['id: incremental', 'parameters:', '  topic: {type: string, default: "x"}', '  count: {type: integer, default: 2}', 'experts:', '  critic: openai:gpt-4o-mini', 'steps:'];
  for (let i = 0; i < n; i++) {
    out.push(`  - id: step_${i}`, `    name: Step ${i}`);
    if (i === 40) {
      out.push('    for_each: "{{ [1, 2, 3] }}"', '    steps:', '      - id: inner_a', '        action: generate', '        parameters: {prompt: "{{ item }} {{ topic }} {{ step_3.result }}"}', '      - id: inner_b', '        action: generate', '        parameters: {prompt: "{{ inner_a.result }}"}', '        dependencies: [inner_a]');
    } else if (i % 3 === 0) {
      out.push('    tool: filesystem', '    action: write', '    parameters:', `      path: "out/{{ topic }}_${i}.md"`, `      content: "{{ ${i ? `step_${i - 1}.result` : 'count'} | default('') }}"`);
      if (i % 9 === 0) out.push('      mode: fast'); // an unknown parameter: a finding inside the step
    } else if (i % 3 === 1) {
      const auto = i === 100 ? '<AUTO>outer <AUTO>inner {{ topic }}</AUTO></AUTO> ' : i === 130 ? '<AUTO>never closed ' : i % 5 === 2 ? '<AUTO>a tone for {{ topic }}</AUTO> ' : '';
      out.push('    action: generate', '    parameters:', `      prompt: "${auto}{{ topic }} in {{ count * 2 }} lines after {{ step_${i - 1}.status }}"`, '    vars:', '      - {name: summary, type: string}');
      if (i % 7 === 1) out.push('    expert: critic');
    } else {
      const auto = i % 10 === 7 ? "<AUTO shell='code'>a command</AUTO> " : '';
      out.push('    tool: terminal', '    action: execute', '    parameters:', `      command: "echo ${auto}{{ step_${i - 1}.vars.summary }} {{ execution.id }}"`);
      if (i % 10 === 2) out.push(`    on_success: step_${i + 1}`);
    }
    if (i) out.push(`    dependencies: [step_${i - 1}${i % 5 === 0 && i > 5 ? `, step_${i - 5}` : ''}]`);
    // both names of the dependencies: a finding of normalizing the step, which moves with it
    if (i === 61) out.push('    depends_on: [step_59]');
    // a key no step has: a finding of the schema, which moves with the step
    if (i === 80) out.push('    colour: red');
  }
  out.push('outputs:', `  last: "{{ step_${n - 1}.result }}"`);
  return out.join('\n') + '\n';
}

function replace(text: string, from: string, to: string): string {
  const i = text.indexOf(from);
  assert.ok(i >= 0, `no '${from}' in the text`);
  return text.slice(0, i) + to + text.slice(i + from.length);
}

function stepItem(text: string, id: string): string {
  const start = text.indexOf(`  - id: ${id}\n`);
  const end = text.indexOf('\n  - id: ', start + 1);
  return text.slice(start, end + 1);
}

/** What an analysis reports, as plain data. */
function report(a: Analysis): unknown {
  return { findings: a.findings, references: a.references, templates: a.templates, symbols: a.symbols, plan: a.plan, bodyPlans: a.bodyPlans, autoTags: a.autoTags, pipeline: a.pipeline };
}

describe('incremental analysis equals a from-scratch analysis', function () {
  this.timeout(120_000);

  it('over a sequence of edits', () => {
    const base = pipeline(200);
    const edits: [string, (t: string) => string][] = [
      // two implied dependencies of one step (each a cycle, whose edges are where the references are written)
      ['a template reading two later steps', (t) => replace(t, `content: "{{ step_149.result | default('') }}"`, 'content: "{{ step_152.result }} {{ step_155.result }}"')],
      ['a line inserted above it (its references and implied dependencies move)', (t) => replace(t, '    name: Step 10\n', '    name: Step 10\n    description: moves what follows\n')],
      ['the template back', (t) => replace(t, 'content: "{{ step_152.result }} {{ step_155.result }}"', `content: "{{ step_149.result | default('') }}"`)],
      ['one character in a step name', (t) => replace(t, 'name: Step 100\n', 'name: Stop 100\n')],
      ['a step referenced elsewhere renamed', (t) => replace(t, '  - id: step_50\n', '  - id: step_50x\n')],
      ['its references follow it', (t) => t.replace(/step_50\b/g, 'step_50x')],
      ['a dependency deleted', (t) => replace(t, stepItem(t, 'step_70'), '')],
      ['a duplicate id added', (t) => replace(t, '  - id: step_120\n', '  - id: step_119\n')],
      ['a template broken', (t) => replace(t, 'prompt: "{{ topic }} in {{ count * 2 }} lines after {{ step_150.status }}"', 'prompt: "{{ topic  in {{ count * 2 }} lines after {{ step_150.status }}"')],
      ['the template fixed', (t) => replace(t, '{{ topic  in', '{{ topic }} in')],
      ['a parameter templates use renamed', (t) => replace(t, '  topic: {type: string', '  topik: {type: string')],
      ['the parameter back', (t) => replace(t, '  topik: {type: string', '  topic: {type: string')],
      ['a line inserted near the top (every step moves down)', (t) => replace(t, '    name: Step 2\n', '    name: Step 2\n    description: moved\n')],
      ['a step inserted (every later step changes index)', (t) => replace(t, '  - id: step_30\n', '  - id: extra\n    action: generate\n    parameters: {prompt: "{{ ghost }}"}\n  - id: step_30\n')],
      ['a var a template reads removed', (t) => replace(t, stepItem(t, 'step_160'), stepItem(t, 'step_160').replace('    vars:\n      - {name: summary, type: string}\n', ''))],
      ['an expert removed', (t) => replace(t, 'experts:\n  critic: openai:gpt-4o-mini\n', '')],
      ['a loop body edited', (t) => replace(t, '{{ inner_a.result }}', '{{ inner_c.result }}')],
      ['a key the schema refuses added to a step', (t) => replace(t, '    name: Step 90\n', '    name: Step 90\n    retries: 3\n')],
      ['and removed again', (t) => replace(t, '    name: Step 90\n    retries: 3\n', '    name: Step 90\n')],
      ['a cycle made', (t) => replace(t, '    dependencies: [step_9, step_5]\n', '    dependencies: [step_9, step_5, step_11]\n')],
      // the same text at two places: one step value, kept at each of its places
      ['a step pasted again a few steps on', (t) => replace(t, '  - id: step_125\n', stepItem(t, 'step_121') + '  - id: step_125\n')],
      ['a step before both edited', (t) => replace(t, 'name: Step 110\n', 'name: Step 110 again\n')],
      ['a line inserted before both (both move)', (t) => replace(t, '    name: Step 20\n', '    name: Step 20\n    description: both move\n')],
      ['the pasted copy removed', (t) => replace(t, stepItem(t, 'step_121') + '  - id: step_125\n', '  - id: step_125\n')],
    ];
    let text = base;
    let previous = analyze(text);
    assert.ok(readBySections(previous.parsed), 'the test document is read by sections');
    let reused = 0;
    let reusedTags = 0;
    for (const [what, edit] of edits) {
      text = edit(text);
      const incremental = analyze(text);
      // findings of untouched steps are the very objects of the analysis before (when nothing moved)
      const before = new Set(previous.findings);
      reused += incremental.findings.filter((f) => before.has(f)).length;
      const tagsBefore = new Set(previous.autoTags);
      reusedTags += incremental.autoTags.filter((t) => tagsBefore.has(t)).length;
      forgetStepMemo();
      const scratch = analyze(text);
      assert.deepEqual(report(incremental), report(scratch), `after: ${what}`);
      assert.ok(scratch.findings.length > 0, `after ${what}: the document has findings to compare`);
      previous = scratch;
    }
    assert.ok(reused > 0, 'no step was taken from the memo');
    assert.ok(reusedTags > 0, "no step's AUTO tags were taken from the analysis before");
    assert.ok(previous.findings.some((f) => f.code === 'auto.unclosed' && f.step === 'step_130'), "step_130's unclosed AUTO tag is reported");
    assert.ok(previous.findings.some((f) => f.code === 'auto.shell-code' && f.step === 'step_17'), "step_17's AUTO tag answered as shell code is reported");
    assert.ok(previous.autoTags.some((t) => t.step === 'step_100' && t.text === 'inner {{ topic }}'), "step_100's inner AUTO tag is found");
    assert.ok(previous.findings.some((f) => f.code === 'key.alias-conflict' && f.step === 'step_61'), "step_61's two names of its dependencies are reported");
    assert.ok(previous.findings.some((f) => f.code === 'schema.unknown-key' && f.step === 'step_80'), "step_80's unknown key is reported");
  });

  it('an analysis that keeps no per-step results (`keepStepResults: false`) leaves the next edit to check every step; the edits after it reuse', () => {
    forgetStepMemo();
    let text = pipeline(200);
    const opened = analyze(text, { keepStepResults: false });
    const fromOpen = new Set(opened.findings);
    // the first edit: nothing was kept, so every finding is new, and all equal a fresh analysis
    text = replace(text, 'name: Step 100\n', 'name: Stop 100\n');
    const first = analyze(text);
    assert.equal(first.findings.filter((f) => fromOpen.has(f)).length, 0, 'a finding was taken from the open');
    const tagsFromOpen = new Set(opened.autoTags);
    assert.ok(opened.autoTags.length > 0, 'the document has AUTO tags');
    assert.equal(first.autoTags.filter((t) => tagsFromOpen.has(t)).length, 0, 'an AUTO tag was taken from the open');
    // the second edit takes the unchanged steps' findings from the first
    text = replace(text, 'name: Step 120\n', 'name: Stop 120\n');
    const second = analyze(text);
    const fromFirst = new Set(first.findings);
    assert.ok(second.findings.filter((f) => fromFirst.has(f)).length > 0, 'no finding was taken from the first edit');
    forgetStepMemo();
    assert.deepEqual(report(first), report(analyze(replace(text, 'name: Stop 120\n', 'name: Step 120\n'))));
    forgetStepMemo();
    assert.deepEqual(report(second), report(analyze(text)));
    assert.deepEqual(report(opened), report(analyze(pipeline(200))));
  });

  it('an edit that changes no step id or dependency keeps the plan; one that does makes it again', () => {
    forgetStepMemo();
    let text = pipeline(200);
    const opened = analyze(text);
    text = replace(text, 'name: Step 100\n', 'name: Stop 100\n');
    const renamed = analyze(text);
    assert.equal(renamed.plan, opened.plan, 'a step name edited: the same plan object');
    // step_151 comes to depend on step_10 as well: the edges change
    text = replace(text, '    dependencies: [step_150]\n', '    dependencies: [step_150, step_10]\n');
    const rewired = analyze(text);
    const [before, after] = [renamed.plan, rewired.plan];
    assert.ok(before && after, 'both analyses have a plan');
    assert.notEqual(after, before);
    assert.equal(after.edges.length, before.edges.length + 1);
    assert.ok(after.edges.some((e) => e.from === 'step_10' && e.to === 'step_151'));
    forgetStepMemo();
    assert.deepEqual(rewired.plan, analyze(text).plan);
  });

  it('a session editing a different step each time keeps neither old texts nor old analyses alive', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let text = pipeline(2000);
    let last = analyze(text);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let k = 0; k < 100; k++) {
      text = replace(text, `name: Step ${k * 20}\n`, `name: Step ${k * 20} (edited)\n`);
      last = analyze(text);
    }
    gc();
    // each version of the text is ~0.5 MiB and each analysis several: the kept results of one step
    // must not hold on to the analysis or the text they came from
    const grown = (process.memoryUsage().heapUsed - before) / 1048576;
    assert.ok(last.findings.length > 0);
    assert.ok(grown < 15, `the heap grew by ${grown.toFixed(1)} MiB`);
  });

  it('on 150 random edits (three at a time on the same version): each analysis equals a from-scratch analysis of its text', () => {
    forgetStepMemo();
    // a fixed seed: a failure names its edit and can be run again
    const random = rng(0x2545f491);
    const next = (n: number) => Math.floor(random() * n);
    const base = pipeline(200);
    const typed = ['x', ' ', ':', '-', '"', '{', '}', '\n', '_', '1', '#'];
    let text = base;
    analyze(text);
    let sections = 0;
    for (let k = 0; k < 150; k++) {
      // small edits, as typing makes, three in a row on the same version before it is restored
      if (k % 4 === 3) {
        text = base;
        const incremental = analyze(text);
        forgetStepMemo();
        assert.deepEqual(report(incremental), report(analyze(text)), `edit ${k}: the document restored`);
        continue;
      }
      const at = next(text.length);
      const kind = 1 + next(9);
      let what: string;
      if (kind <= 3) {
        what = `a character deleted at ${at}`;
        text = text.slice(0, at) + text.slice(at + 1);
      } else if (kind <= 7) {
        const c = typed[next(typed.length)];
        what = `${JSON.stringify(c)} typed at ${at}`;
        text = text.slice(0, at) + c + text.slice(at);
      } else {
        const lineStart = text.lastIndexOf('\n', at) + 1;
        const lineEnd = text.indexOf('\n', at) + 1 || text.length;
        what = `line at ${lineStart} ${kind === 8 ? 'deleted' : 'doubled'}`;
        text = kind === 8 ? text.slice(0, lineStart) + text.slice(lineEnd) : text.slice(0, lineEnd) + text.slice(lineStart, lineEnd) + text.slice(lineEnd);
      }
      const incremental = analyze(text);
      if (readBySections(incremental.parsed)) sections++;
      forgetStepMemo();
      const scratch = analyze(text);
      assert.deepEqual(report(incremental), report(scratch), `edit ${k}: ${what}`);
      // the next edit reuses what this scratch analysis kept, as the incremental one would have
    }
    assert.ok(sections > 40, `only ${sections} of the 113 edited versions were read by sections: the memo was hardly used`);
  });
});
