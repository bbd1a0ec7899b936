// The triggers' lenses from an analysis at a fixed time: the next time alone within a day, with its
// day beyond; a title only (no command) when the client cannot serve the workspace; none for a
// trigger that cannot fire.
import { strict as assert } from 'node:assert';
import { analyze } from '../../engine/analyze/index';
import { shownLenses } from '../../server/lenses';
import { nextFireTitle, triggerLenses } from '../../server/triggerLens';

const DOC = [
  'id: t',
  'triggers:',
  '  - cron: "0 7 * * *"',
  '  - cron: "0 0 9 * * 1"',
  '    timezone: America/New_York',
  '  - webhook: deploy',
  '  - webhook: "not ok"',
  '  - cron: "0 7 31 2 *"',
  'steps:',
  '  - {id: s, action: generate, parameters: {prompt: hi}}',
  '',
].join('\n');

describe('trigger lenses', () => {
  // Wednesday 2026-01-07 12:00 UTC
  const NOW = new Date('2026-01-07T12:00:00Z');

  it('titles the next time: alone within a day, with its day beyond', () => {
    assert.equal(nextFireTitle('0 7 * * *', 'UTC', NOW), 'cron: next 07:00 UTC');
    assert.equal(nextFireTitle('0 0 9 * * 1', 'America/New_York', NOW), 'cron: next Mon 2026-01-12 09:00 America/New_York');
    assert.equal(nextFireTitle('*/30 * * * * *', 'Asia/Kolkata', NOW), 'cron: next 17:30:30 Asia/Kolkata');
    assert.equal(nextFireTitle('0 7 31 2 *', 'UTC', NOW), null);
  });

  it('one lens per trigger that can fire, on its kind key; a title only when the client cannot serve', () => {
    const a = analyze(DOC);
    const lenses = triggerLenses(a, false, NOW);
    assert.deepEqual(
      lenses.map((l) => [l.command!.title, l.command!.command, `${l.range.start.line}:${l.range.start.character}-${l.range.end.line}:${l.range.end.character}`]),
      [
        ['cron: next 07:00 UTC', '', '2:4-2:8'],
        ['cron: next Mon 2026-01-12 09:00 America/New_York', '', '3:4-3:8'],
        ['webhook: /hooks/deploy', '', '5:4-5:11'],
      ],
    );
    // with no command the client implements, the run lenses go and the triggers' stay
    assert.deepEqual(shownLenses(a, 'file:///t.pipeline.yaml', null, new Set()).map((l) => l.command!.title.replace(/^cron: next .*/, 'cron')), ['cron', 'cron', 'webhook: /hooks/deploy']);
  });
});
