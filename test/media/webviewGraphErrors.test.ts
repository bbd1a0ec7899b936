// The panel drawing a graph with errors (media/errorMarks.ts, drawing.ts, hostMessages.ts), in
// Debian's chromium with the graphs the language server answers (server/graphRequest.ts) posted as
// the host posts them (whole, then diffs): the step with an error is marked red with its badge, the
// bar says what is wrong, hovering the step shows its error with its line; an edit that fixes the
// error without changing the graph's shape takes the mark away, and one that brings it back marks it.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { analyze } from '../../engine/analyze/index';
import type { GraphDocument } from '../../engine/plan/graph';
import { GraphPoster } from '../../media/graphDiff';
import { graphResult } from '../../server/graphRequest';
import { startPanel, type Panel } from '../helpers/panelPage';

const TEXT = [
  'id: notes',
  'steps:',
  '  - id: fetch',
  '    action: generate',
  '    parameters: {prompt: "hi"}',
  '  - id: write',
  '    action: generate',
  '    parameters:',
  '      prompt: "Notes on {{ fetch.result }} at {{ current_timestamp }}"',
  '    dependencies: [fetch]',
  '',
].join('\n');
const FIXED = TEXT.replace('{{ current_timestamp }}', 'noon');

describe('the panel: a graph with errors (Debian chromium)', function () {
  this.timeout(60_000);
  let panel: Panel;
  before(async () => {
    panel = await startPanel();
  });
  after(async () => {
    await panel?.close();
  });

  const poster = new GraphPoster();
  /** Posts the graph of `text` as the host does and waits until the panel has drawn it. */
  const send = async (p: Page, text: string, version: number) => {
    const { pipeline_id, problem, ...graph } = graphResult(analyze(text))!;
    const msg = JSON.parse(JSON.stringify(poster.next({ type: 'graph', uri: 'file:///w/notes.pipeline.yaml', pipelineId: pipeline_id, graph: graph as GraphDocument, problem: problem ?? null, version })));
    await p.evaluate(
      async ({ m, v }) => {
        const w = window as unknown as { __orchestratorGraphVersion?: number | null };
        window.postMessage(m, '*');
        while (w.__orchestratorGraphVersion !== v) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      },
      { m: msg, v: version },
    );
  };
  const marks = (p: Page) =>
    p.$$eval('.node[data-step-id]', (els) => els.map((e) => [e.getAttribute('data-step-id'), e.getAttribute('data-error'), e.querySelector('.badge')?.textContent ?? '']));

  it('marks the step with the error, says so over the graph, shows the error on hover, and follows edits that fix it or bring it back', async () => {
    const p = await panel.open();
    await send(p, TEXT, 1);
    await p.waitForSelector('.node[data-step-id="write"][data-error="true"]');
    assert.deepEqual(await marks(p), [
      ['fetch', null, ''],
      ['write', 'true', '✖ 1 error'],
    ]);
    assert.equal(await p.textContent('[data-testid="graph-errors"]'), '1 error, in the steps marked red. Fix it to run the pipeline.');
    assert.equal(await p.isVisible('[data-testid="graph-problem"]'), false);
    // its hover text and its screen-reader label name the error with its line
    const line = "line 9: Unknown name 'current_timestamp' in template: not a parameter, a step or a loop variable.";
    assert.equal(await p.textContent('.node[data-step-id="write"] title'), `write\ngenerate\n${line}`);
    assert.equal(await p.getAttribute('.node[data-step-id="write"]', 'aria-label'), `write (generate), 1 error: ${line}`);
    await p.hover('.node[data-step-id="write"]');
    await p.waitForSelector('[data-testid="error-tip"]:visible');
    assert.equal(await p.textContent('[data-testid="error-tip"]'), `1 error in write (click to go to the first)${line}`);
    await p.hover('.node[data-step-id="fetch"]');
    await p.waitForSelector('[data-testid="error-tip"]', { state: 'hidden' });

    // fixed, the shape the same (the layout is reused, the diff sends the step whole): the mark goes
    await send(p, FIXED, 2);
    await p.waitForSelector('.node[data-step-id="write"]:not([data-error])');
    assert.deepEqual(await marks(p), [
      ['fetch', null, ''],
      ['write', null, ''],
    ]);
    assert.equal(await p.isVisible('[data-testid="graph-errors"]'), false);
    assert.equal(await p.textContent('.node[data-step-id="write"] title'), 'write\ngenerate');

    // back: marked again; a click selects it and asks the host to reveal it (its error, there)
    await send(p, TEXT, 3);
    await p.waitForSelector('.node[data-step-id="write"][data-error="true"]');
    await p.click('.node[data-step-id="write"]');
    await p.waitForSelector('[data-testid="step-problems"]');
    assert.equal(await p.textContent('[data-testid="step-problems"]'), line);
    const posted = await p.evaluate(() => (window as unknown as { __posted: { type: string; stepId?: string }[] }).__posted.filter((m) => m.type === 'reveal-step'));
    assert.deepEqual(posted, [{ type: 'reveal-step', stepId: 'write' }]);
    assert.deepEqual(p.errors, []);
    await p.close();
  });
});
