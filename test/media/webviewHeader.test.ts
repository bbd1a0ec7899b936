// The graph panel's run header and node badges as a person reads them (issue 72, item 7), in Debian's
// chromium: the graph the language server answers for a pipeline with a loop and a long-named step,
// and the events of a real run of it (engine/run/runPipeline.ts, in a temporary folder: a read of a
// missing file reports a failure, its dependents and a step after the loop are skipped). The header
// counts every step the graph draws (the loop's body too) and says how many failed and were skipped;
// a badge never covers a step's name: the name is cut with an ellipsis before it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { analyze } from '../../engine/analyze/index';
import type { GraphDocument } from '../../engine/plan/graph';
import { emptyStepResult, type RunEvent } from '../../engine/run/events';
import { runPipeline } from '../../engine/run/runPipeline';
import { applyEvents, emptyRun, stepCounts } from '../../media/runState';
import { graphResult } from '../../server/graphRequest';
import { startPanel, type Panel } from '../helpers/panelPage';

const LONG = 'read_the_quarterly_customer_feedback_export';
const TEXT = [
  'id: nightly_digest',
  'steps:',
  '  - id: per_topic',
  `    for_each: "{{ ['pricing', 'support', 'onboarding'] }}"`,
  '    loop_var: topic',
  '    steps:',
  '      - id: write_note',
  '        tool: filesystem',
  '        action: write',
  '        parameters:',
  '          path: "notes/{{ index }}.md"',
  '          content: "{{ topic }}"',
  '  - id: list_notes',
  '    tool: filesystem',
  '    action: list',
  '    dependencies: [per_topic]',
  '    parameters:',
  '      path: notes',
  `  - id: ${LONG}`,
  '    tool: filesystem',
  '    action: read',
  '    parameters:',
  '      path: exports/feedback.csv',
  '  - id: summarize',
  '    tool: filesystem',
  '    action: write',
  `    dependencies: [${LONG}]`,
  '    parameters:',
  '      path: out/summary.md',
  `      content: "{{ ${LONG}.result.content }}"`,
  '  - id: publish',
  '    tool: filesystem',
  '    action: read',
  '    dependencies: [summarize]',
  '    parameters:',
  '      path: out/summary.md',
  '',
].join('\n');

type Box = { x: number; y: number; width: number; height: number };
const intersects = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('the panel: its run header and badges as a person reads them (Debian chromium)', function () {
  this.timeout(60_000);
  let panel: Panel;
  let dir: string;
  // the events of one real run, for each test's page
  const events: RunEvent[] = [];
  let runId = '';
  before(async () => {
    panel = await startPanel();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-header-'));
    const doc = await runPipeline(analyze(TEXT), { cwd: dir, source: TEXT, checkpoint: false, listeners: [(e) => events.push(e)] });
    assert.equal(doc.status, 'failed');
    runId = doc.execution_id;
  });
  after(async () => {
    await panel?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = (p: Page, msg: unknown) => p.evaluate((m) => window.postMessage(m, '*'), JSON.parse(JSON.stringify(msg)));
  const graphOf = (text: string) => {
    const { pipeline_id, problem, ...graph } = graphResult(analyze(text))!;
    return { type: 'graph', uri: 'file:///w/digest.pipeline.yaml', pipelineId: pipeline_id, graph: graph as GraphDocument, problem: problem ?? null };
  };
  /** Waits until the element of `testid` reads `want` (the text read last in the failure's message). */
  const reads = async (p: Page, testid: string, want: string) => {
    const sel = `[data-testid="${testid}"]`;
    // polled in the page, every 10 ms for up to 5 s
    await p.evaluate(
      async ({ sel, want }) => {
        for (let i = 0; i < 500 && document.querySelector(sel)?.textContent !== want; i++) await new Promise((r) => setTimeout(r, 10));
      },
      { sel, want },
    );
    assert.equal(await p.textContent(sel), want);
  };
  const stepsReads = (p: Page, want: string) => reads(p, 'steps-done', want);
  /** A node's label and badge as drawn on the screen, its label's text, and its hover text. */
  const nodeParts = async (p: Page, id: string) => {
    const g = p.locator(`.node[data-step-id="${id}"]`);
    return {
      box: (await g.locator('.box').boundingBox())!,
      label: (await g.locator('.label').boundingBox())!,
      detail: await g.locator('.detail').boundingBox(),
      detailText: (await g.locator('.detail').textContent()) ?? '',
      badge: (await g.locator('.badge').boundingBox())!,
      labelText: (await g.locator('.label').textContent()) ?? '',
      badgeText: (await g.locator('.badge').textContent()) ?? '',
      title: (await g.locator(':scope > title').textContent()) ?? '',
    };
  };

  it('counts every step drawn (the loop and its body), and a run with a failure and skipped steps says so beside its status', async () => {
    const p = await panel.open({ consoleErrors: true });
    await post(p, graphOf(TEXT));
    await p.waitForSelector('.node[data-step-id="write_note"]');
    // six nodes drawn: the loop, its body step and four steps
    assert.equal(await p.locator('.node').count(), 6);
    await stepsReads(p, '0 / 6');
    await post(p, { type: 'run-reset', runId, reused: [] });
    // the run up to its loop's first iteration: nothing ended yet
    const firstEnd = events.findIndex((e) => e.type === 'step-ended');
    await post(p, { type: 'run-events', runId, events: events.slice(0, firstEnd) });
    await reads(p, 'run-status', 'running');
    await stepsReads(p, '0 / 6');
    await post(p, { type: 'run-events', runId, events: events.slice(firstEnd) });
    // the loop and its body completed; the read reported a failure; summarize, publish and list_notes were skipped
    await stepsReads(p, '2 / 6 · 1 failed · 3 skipped');
    assert.equal(await p.textContent('[data-testid="run-status"]'), 'failed');
    // the failed count in the error colour, the status word on the same line beside the counts
    const colours = await p.evaluate(() => {
      const failed = document.querySelector('[data-testid="steps-failed"]')!;
      const probe = document.createElement('span');
      probe.style.color = 'var(--vscode-errorForeground, var(--bad))';
      document.body.append(probe);
      const bad = getComputedStyle(probe).color;
      probe.remove();
      return { failed: getComputedStyle(failed).color, bad, skipped: getComputedStyle(document.querySelector('[data-testid="steps-skipped"]')!).color, plain: getComputedStyle(document.querySelector('[data-testid="steps-done"]')!).color };
    });
    assert.equal(colours.failed, colours.bad);
    assert.notEqual(colours.failed, colours.plain);
    const status = (await p.locator('[data-testid="run-status"]').boundingBox())!;
    const steps = (await p.locator('[data-testid="steps-done"]').boundingBox())!;
    assert.ok(status.y < steps.y + steps.height && steps.y < status.y + status.height, 'the status is on the line of the counts');
    assert.ok(status.x < steps.x && steps.x - (status.x + status.width) < 200, `the status is beside the counts (${JSON.stringify({ status, steps })})`);
    assert.equal(await p.isVisible('[data-testid="run-status"]'), true);
    assert.deepEqual(p.errors, []);
  });

  it("a badge never covers a step's name: a long name is cut with an ellipsis before it, whole in the node's hover text", async () => {
    const p = await panel.open({ consoleErrors: true });
    await post(p, graphOf(TEXT));
    await p.waitForSelector(`.node[data-step-id="${LONG}"]`);
    await post(p, { type: 'run-reset', runId, reused: [] });
    await post(p, { type: 'run-events', runId, events });
    await p.waitForSelector(`.node[data-step-id="${LONG}"][data-status="completed"].reported-failure`);
    await stepsReads(p, '2 / 6 · 1 failed · 3 skipped');
    for (const id of [LONG, 'per_topic']) {
      const n = await nodeParts(p, id);
      assert.ok(n.badgeText.length > 0, `${id} has a badge`);
      assert.ok(!intersects(n.label, n.badge), `${id}: the label ${JSON.stringify(n.label)} "${n.labelText}" and the badge ${JSON.stringify(n.badge)} "${n.badgeText}" do not overlap`);
      if (n.detail) assert.ok(!intersects(n.detail, n.badge), `${id}: the line under the name "${n.detailText}" and the badge do not overlap`);
      assert.ok(n.label.x + n.label.width <= n.box.x + n.box.width && n.badge.x + n.badge.width <= n.box.x + n.box.width, `${id}: label and badge inside the node`);
    }
    // the long name takes the node's width, its badge on the line under it
    const long = await nodeParts(p, LONG);
    assert.ok(long.badge.y > long.label.y + long.label.height / 2, 'the badge is under the name');
    // the line under it whole, or cut before the badge (by the font's width)
    assert.ok(long.detailText === 'filesystem.read' || (long.detailText.endsWith('…') && 'filesystem.read'.startsWith(long.detailText.slice(0, -1))), long.detailText);
    // a loop's header has one line: its whole name, its badge without the time when both do not fit
    const loop = await nodeParts(p, 'per_topic');
    assert.equal(loop.labelText, 'per_topic');
    // the time, when shown, as formatDuration writes it (the events' times are the test's clock:
    // on a busy machine the loop took 1.5 s, and its badge said so)
    assert.match(loop.badgeText, /^3 iterations( · (\d+ ms|\d+\.\d s|\d+m \d\ds))?$/);
    assert.equal(long.badgeText, 'reported failure');
    assert.match(long.labelText, /^read_the_q.*…$/);
    assert.ok(LONG.startsWith(long.labelText.slice(0, -1)));
    assert.equal(long.title.split('\n')[0], LONG);
    // a short name next to a badge stays whole
    assert.equal((await nodeParts(p, 'summarize')).labelText, 'summarize');
    assert.deepEqual(p.errors, []);
  });

  it("a step's error badge (a graph with errors, no run) does not cover its long name either", async () => {
    const broken = TEXT.replace('path: exports/feedback.csv', 'path: "exports/{{ current_timestamp }}.csv"');
    const p = await panel.open({ consoleErrors: true });
    await post(p, graphOf(broken));
    await p.waitForSelector(`.node[data-step-id="${LONG}"][data-error="true"]`);
    const n = await nodeParts(p, LONG);
    assert.equal(n.badgeText, '✖ 1 error');
    assert.ok(!intersects(n.label, n.badge), `the label ${JSON.stringify(n.label)} "${n.labelText}" and the badge ${JSON.stringify(n.badge)} do not overlap`);
    assert.match(n.labelText, /…$/);
    assert.equal(n.title.split('\n')[0], LONG);
    await stepsReads(p, '0 / 6');
    assert.deepEqual(p.errors, []);
  });
});

describe("the header's step counts (media/runState.ts stepCounts)", () => {
  const ended = (stepId: string, status: 'completed' | 'failed' | 'skipped' | 'cancelled', success: boolean | null = status === 'completed'): RunEvent => ({ type: 'step-ended', time: 2, stepId, scope: [], result: { ...emptyStepResult(status), success } });
  const started: RunEvent = { type: 'run-started', time: 1, executionId: 'r', pipelineId: 'p', steps: ['a', 'b', 'c', 'd'], levels: [], resumed: false };

  it('counts the steps drawn; once a run is cancelled, those that never started are "not run"', () => {
    const { run } = applyEvents(emptyRun(), [started, ended('a', 'completed'), ended('b', 'cancelled')]);
    const ids = ['a', 'b', 'c', 'd', 'd_body'];
    assert.deepEqual(stepCounts(run, ids), { total: 5, completed: 1, failed: 0, skipped: 0, cancelled: 1, notRun: 0 });
    // the run as its run-ended event leaves it
    assert.deepEqual(stepCounts({ ...run, status: 'cancelled' }, ids), { total: 5, completed: 1, failed: 0, skipped: 0, cancelled: 1, notRun: 3 });
  });

  it('counts a reported failure as failed; without a graph, the steps the run names', () => {
    const { run } = applyEvents(emptyRun(), [started, ended('a', 'completed', false), ended('b', 'failed', false), ended('c', 'skipped', null)]);
    assert.deepEqual(stepCounts(run, null), { total: 4, completed: 0, failed: 2, skipped: 1, cancelled: 0, notRun: 0 });
  });
});
