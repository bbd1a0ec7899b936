// What the Improve Prompts panel shows, folded from improvePrompts()'s events (client/improvePanelState.ts),
// and the small pure helpers of the command: the notification's line, the hash check before Apply,
// the candidate's text with its prompt edits.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import type { ImproveCandidate, ImproveResult } from '../../engine/api/index';
import { ImproveProgress, progressLine, sameHash, withEdits } from '../../client/improvePanelState';

const seed: ImproveCandidate = { id: 'c0', parent: null, steps: { answer: 'Answer {{ q }}.', tag: 'Tag {{ q }}.' }, train_pass_rate: 0.25, train_passed: 1, train_cases: 4, cost_usd: 0.002 };
const better: ImproveCandidate = { id: 'c1', parent: 'c0', steps: { answer: 'Answer {{ q }} in uppercase.', tag: 'Tag {{ q }}.' }, train_pass_rate: 0.75, train_passed: 3, train_cases: 4, cost_usd: 0.0025 };
const best: ImproveCandidate = { id: 'c2', parent: 'c1', steps: { answer: 'Answer {{ q }} in uppercase.', tag: 'Tag {{ q }}, end with the id.' }, train_pass_rate: 1, train_passed: 4, train_cases: 4, cost_usd: 0.003 };

const result: ImproveResult = {
  improveId: 'imp-1',
  dir: '/w/.orchestrator/improve/imp-1',
  pipelineFile: '/w/qa.pipeline.yaml',
  pipelineHash: 'abc',
  steps: { answer: { before: seed.steps.answer, after: best.steps.answer }, tag: { before: seed.steps.tag, after: best.steps.tag } },
  train: { before: 0.25, after: 1, before_interval: [0.046, 0.7], after_interval: [0.51, 1], cases: 4 },
  validation: { before: 0, after: 1, before_interval: [0, 0.79], after_interval: [0.21, 1], cases: 1 },
  evals: 14,
  calls: 17,
  cost_usd: 0.0123,
  front: [{ id: 'c2', steps: best.steps, train_pass_rate: 1, cost_usd: 0.003 }],
  chosen: 'c2',
  stopped: 'every train case passes',
  refused: 2,
  reflect: 'openai:gpt-4o',
};

describe('Improve Prompts panel state', () => {
  it('folds the events as they come: the points, the steps each changed, the best so far, the counts', () => {
    const p = new ImproveProgress('qa.eval.yaml', 'qa.pipeline.yaml', true);
    assert.equal(p.message().status, 'starting');
    p.event({ kind: 'start', improveId: 'imp-1', dir: result.dir, steps: ['answer', 'tag'], train: 4, validation: 1, maxEvals: 40 });
    p.event({ kind: 'candidate', candidate: seed, evals: 4, calls: 4, cost_usd: 0.002 });
    p.event({ kind: 'refused', step: 'tag', reason: 'drops {{ q }}' });
    p.event({ kind: 'candidate', candidate: better, evals: 9, calls: 10, cost_usd: 0.006 });
    p.event({ kind: 'front', front: [seed, better] });
    const m = p.message();
    assert.deepEqual(
      { status: m.status, improveId: m.improveId, steps: m.steps, train: m.trainCases, validation: m.validationCases, evals: m.evals, calls: m.calls, cost: m.cost_usd, refused: m.refused, chosen: m.chosen, replay: m.replay },
      { status: 'running', improveId: 'imp-1', steps: ['answer', 'tag'], train: 4, validation: 1, evals: 9, calls: 10, cost: 0.006, refused: 1, chosen: 'c1', replay: true },
    );
    assert.deepEqual(
      m.points.map((x) => [x.id, x.parent, x.train_passed, x.train_cases, x.complete, x.front, x.changed, x.low, x.high]),
      [
        ['c0', null, 1, 4, true, true, [], 0.0456, 0.6994],
        ['c1', 'c0', 3, 4, true, true, ['answer'], 0.3006, 0.9544],
      ],
    );
    assert.equal(progressLine(m), 'evals 9 of 40 · calls 10 · $0.0060 · best train 75.0 %');
  });

  it('ends with the search’s own choice, front and before → after; the chosen prompts that differ are what Apply writes', () => {
    const p = new ImproveProgress('qa.eval.yaml', 'qa.pipeline.yaml', false);
    p.event({ kind: 'start', improveId: 'imp-1', dir: result.dir, steps: ['answer', 'tag'], train: 4, validation: 1, maxEvals: null });
    for (const [c, n] of [[seed, 4], [better, 9], [best, 14]] as const) p.event({ kind: 'candidate', candidate: c, evals: n, calls: n + 3, cost_usd: 0.01 });
    p.event({ kind: 'done', result });
    const m = p.message();
    assert.equal(m.status, 'done');
    assert.equal(m.stopped, 'every train case passes');
    assert.equal(m.chosen, 'c2');
    assert.deepEqual([m.evals, m.calls, m.cost_usd, m.refused], [14, 17, 0.0123, 2]);
    assert.deepEqual(m.train, { cases: 4, before: 0.25, after: 1, before_interval: [0.046, 0.7], after_interval: [0.51, 1] });
    assert.deepEqual(m.points.map((x) => [x.id, x.front, x.changed]), [['c0', false, []], ['c1', false, ['answer']], ['c2', true, ['answer', 'tag']]]);
    assert.deepEqual(p.changedPrompts('c1'), { answer: better.steps.answer });
    assert.deepEqual(p.changedPrompts('c2'), best.steps);
    assert.equal(p.changedPrompts('nope'), null);
    p.applied(['answer', 'tag'], null);
    assert.deepEqual([p.message().applied, p.message().applyProblem], [['answer', 'tag'], null]);
    assert.equal(progressLine(m), 'evals 14 · calls 17 · $0.0123 · best train 100 %');
  });

  it('a record reopened: its result alone draws the front, the choice and the figures', () => {
    const m = ImproveProgress.fromResult(result, 'qa.eval.yaml', 'qa.pipeline.yaml').message();
    assert.deepEqual([m.status, m.improveId, m.steps, m.trainCases, m.validationCases, m.chosen], ['done', 'imp-1', ['answer', 'tag'], 4, 1, 'c2']);
    assert.deepEqual(m.points.map((x) => [x.id, x.train_passed, x.train_cases, x.front, x.changed]), [['c2', 4, 4, true, ['answer', 'tag']]]);
  });

  it('a failed search says why; a cancelled one keeps its points', () => {
    const p = new ImproveProgress('qa.eval.yaml', 'qa.pipeline.yaml', false);
    p.event({ kind: 'start', improveId: 'imp-2', dir: result.dir, steps: ['answer'], train: 4, validation: 0, maxEvals: 10 });
    p.event({ kind: 'candidate', candidate: seed, evals: 4, calls: 4, cost_usd: 0.002 });
    p.cancelled();
    assert.deepEqual([p.message().status, p.message().stopped, p.message().points.length], ['cancelled', 'cancelled', 1]);
    p.fail('the eval has no train case');
    assert.deepEqual([p.message().status, p.message().stopped], ['failed', 'the eval has no train case']);
  });
});

describe('Improve Prompts helpers', () => {
  it('compares the pipeline’s text with the search’s hash (sha256, with or without its prefix)', () => {
    const text = 'id: x\n';
    const hex = createHash('sha256').update(text).digest('hex');
    assert.equal(sameHash(text, hex), true);
    assert.equal(sameHash(text, `sha256:${hex}`), true);
    assert.equal(sameHash(`${text} `, hex), false);
  });

  it('writes a candidate’s edits into the text, each at its offsets in the text before any edit', () => {
    assert.equal(withEdits('ab cd ef', [{ start: 6, end: 8, newText: 'EF!' }, { start: 0, end: 2, newText: 'A' }]), 'A cd EF!');
  });
});
