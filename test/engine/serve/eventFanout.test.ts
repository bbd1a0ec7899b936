// The event log with a large audience (engine/serve/eventLog.ts; issue 74 item 14: every subscriber
// was written in the run's own call, so 500 of them made a 1 s run take 78 s). Past
// IMMEDIATE_AUDIENCE subscribers, `append` writes no sink: one flush after the run's call writes each
// subscriber once with every frame appended since, FLUSH_BATCH subscribers a turn of the event loop;
// a full sink is not written again until it drains, never holds the run up, and is still dropped past
// the lag bound. Up to IMMEDIATE_AUDIENCE, a caught-up subscriber still gets its frame in the call.
import { strict as assert } from 'node:assert';
import { FLUSH_BATCH, IMMEDIATE_AUDIENCE, RunEventLog, type FrameSink } from '../../../engine/serve/eventLog';
import { framesOf } from '../../helpers/serveProcess';

/** A sink that records each write; `takes: false` makes it full after its next write. */
class Sink implements FrameSink {
  readonly writes: string[] = [];
  ended = false;
  takes = true;
  private drained: (() => void) | null = null;
  write(bytes: Uint8Array): boolean {
    this.writes.push(Buffer.from(bytes).toString('utf8'));
    return this.takes;
  }
  onDrain(cb: () => void): void {
    this.drained = cb;
  }
  end(): void {
    this.ended = true;
  }
  /** Its socket drained: the log may write again. */
  drain(): void {
    this.takes = true;
    const d = this.drained;
    this.drained = null;
    d?.();
  }
}

const frame = (id: number, event: string, data: string) => `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
const turn = () => new Promise<void>((r) => setImmediate(r));
/** Until the log's flush has written every subscriber (its next round may wait for its idle time), and a few turns more. */
async function flushed(log: RunEventLog): Promise<void> {
  while (log.flushing) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 5; i++) await turn();
}

function audience(log: RunEventLog, n: number, onDrop: () => void = () => undefined): Sink[] {
  const sinks = Array.from({ length: n }, () => new Sink());
  for (const s of sinks) log.attach(0, s, onDrop);
  return sinks;
}

describe('orc serve: the event log with many subscribers', () => {
  it('with 500 subscribers, append writes no sink in its call; the flush writes each once with every frame of that tick, in order, 64 a turn', async () => {
    const log = new RunEventLog();
    const sinks = audience(log, 500);
    assert.equal(log.append('step-started', '{"stepId":"a"}'), 1);
    log.append('step-output', '{"chunk":"hi"}');
    log.append('step-ended', '{"stepId":"a"}');
    assert.deepEqual(sinks.filter((s) => s.writes.length), []);
    // one turn of the event loop: the first FLUSH_BATCH subscribers; the others in the turns after
    await turn();
    assert.equal(sinks.filter((s) => s.writes.length).length, FLUSH_BATCH);
    await flushed(log);
    const all = frame(1, 'step-started', '{"stepId":"a"}') + frame(2, 'step-output', '{"chunk":"hi"}') + frame(3, 'step-ended', '{"stepId":"a"}');
    for (const [i, s] of sinks.entries()) assert.deepEqual(s.writes, [all], `subscriber ${i}`);
    // the end: written in the next flush, after which every sink is ended and let go
    log.append('end', '{"status":"completed"}', true);
    assert.equal(sinks.filter((s) => s.writes.length !== 1 || s.ended).length, 0);
    await flushed(log);
    for (const s of sinks) assert.deepEqual([s.writes.length, s.writes[1], s.ended], [2, frame(4, 'end', '{"status":"completed"}'), true]);
    assert.equal(log.subscriberCount, 0);
  });

  it('events appended while a flush is under way reach every subscriber, those already written in the next round, in order', async () => {
    const log = new RunEventLog();
    const sinks = audience(log, 500);
    log.append('e', '1');
    await turn(); // the first FLUSH_BATCH are written; the rest wait for their turn
    log.append('e', '2');
    await flushed(log);
    const texts = sinks.map((s) => s.writes.join(''));
    for (const t of texts) assert.equal(t, frame(1, 'e', '1') + frame(2, 'e', '2'));
    // the first batch had 1 before 2 came, in two writes; the later ones took both in one
    assert.deepEqual(sinks.slice(0, FLUSH_BATCH).map((s) => s.writes.length), Array(FLUSH_BATCH).fill(2));
    assert.deepEqual(sinks.slice(FLUSH_BATCH).map((s) => s.writes.length), Array(500 - FLUSH_BATCH).fill(1));
  });

  it('a full sink is not written again until it drains, the appends never wait for it, and it is dropped past the lag bound', async () => {
    const LAG = 20;
    const log = new RunEventLog({ events: 1000, bytes: 1 << 20, lag: LAG });
    let dropped = 0;
    const sinks = audience(log, 500, () => dropped++);
    const [stuck, slow] = sinks;
    stuck.takes = false;
    slow.takes = false;
    log.append('e', '1');
    await flushed(log);
    assert.deepEqual([stuck.writes, slow.writes], [[frame(1, 'e', '1')], [frame(1, 'e', '1')]]);
    // the run goes on: every append returns at once, the others get every frame, the full ones nothing
    for (let i = 2; i <= 10; i++) assert.equal(log.append('e', String(i)), i);
    await flushed(log);
    assert.deepEqual([stuck.writes.length, slow.writes.length], [1, 1]);
    const rest = Array.from({ length: 9 }, (_, k) => frame(k + 2, 'e', String(k + 2))).join('');
    for (const s of sinks.slice(2)) assert.equal(s.writes.join(''), frame(1, 'e', '1') + rest);
    // one drains: it gets what it missed in one write, and goes on with the others
    slow.drain();
    assert.deepEqual(slow.writes, [frame(1, 'e', '1'), rest]);
    for (let i = 11; i <= 1 + LAG; i++) log.append('e', String(i));
    assert.equal(dropped, 0);
    // the stuck one is LAG events behind at event 1 + LAG; one more and it is dropped (in the append)
    log.append('e', String(2 + LAG));
    assert.equal(dropped, 1);
    assert.equal(log.subscriberCount, 499);
    await flushed(log);
    assert.equal(stuck.writes.length, 1);
    assert.equal(slow.writes.join('').split('\n\n').length - 1, 2 + LAG);
    // when it drains at last: its `dropped` frame, with the last event it had, and its end
    stuck.drain();
    assert.deepEqual(framesOf(stuck.writes[1]).map((f) => [f.id, f.event, (f.data as { last_event_id: number }).last_event_id]), [[1, 'dropped', 1]]);
    assert.equal(stuck.ended, true);
  });

  it(`up to ${IMMEDIATE_AUDIENCE} subscribers a caught-up one gets its frame in the call that appends it; one more and none does`, async () => {
    const few = new RunEventLog();
    const sinks = audience(few, IMMEDIATE_AUDIENCE);
    few.append('e', '1');
    assert.deepEqual(sinks.map((s) => s.writes), Array(IMMEDIATE_AUDIENCE).fill([frame(1, 'e', '1')]));
    const more = new RunEventLog();
    const others = audience(more, IMMEDIATE_AUDIENCE + 1);
    more.append('e', '1');
    assert.deepEqual(others.filter((s) => s.writes.length), []);
    await flushed(more);
    assert.deepEqual(others.map((s) => s.writes), Array(IMMEDIATE_AUDIENCE + 1).fill([frame(1, 'e', '1')]));
  });
});
