// A durable run's own folder (engine/durable/runLog.ts) without Restate: its events file paged out
// in bounded pages by byte offset, and values too large for the journal kept by reference.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EVENTS_FILE, filesHeldOpen, JOURNAL_VALUE_LIMIT, MAX_HELD_FILES, PAGE_BYTES, RunLog, STARTS_FILE } from '../../../engine/durable/runLog';
import type { RunEvent, StepResult } from '../../../engine/run/events';
import { emptyStepResult } from '../../../engine/run/events';

describe('durable run log: bounded pages, large values by reference', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-runlog-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  it('pages 5 MB of output events in pages of at most a megabyte, each event once and in order, by byte offset', () => {
    const log = new RunLog(root, 'r1');
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 80; i++) log.event({ type: 'step-output', time: i, stepId: 'big', scope: [], stream: 'stdout', chunk });
    log.flush();
    const size = fs.statSync(path.join(log.dir, EVENTS_FILE)).size;
    assert.ok(size > 5 * 1024 * 1024);
    const times: number[] = [];
    let from = 0;
    let pages = 0;
    for (;;) {
      const page = log.page(from);
      if (!page.events.length) break;
      pages++;
      assert.ok(JSON.stringify(page).length <= PAGE_BYTES + 4096, `a page of ${JSON.stringify(page).length} bytes`);
      times.push(...page.events.map((e) => e.event.time));
      from = page.next;
    }
    assert.deepEqual(times, [...Array(80).keys()]);
    assert.equal(from, size);
    assert.ok(pages >= 5, `${pages} pages`);
    log.close();
  });

  it('writes a piece of output longer than 64 K characters as several step-output events, in order', () => {
    const log = new RunLog(root, 'r4');
    const text = Array.from({ length: 300_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    log.event({ type: 'step-output', time: 5, stepId: 'big', scope: [], stream: 'stdout', chunk: text });
    log.flush();
    const events = log.page(0).events.map((e) => e.event as Extract<RunEvent, { type: 'step-output' }>);
    assert.deepEqual(events.map((e) => e.chunk.length), [65536, 65536, 65536, 65536, 37856]);
    assert.equal(events.map((e) => e.chunk).join(''), text);
    assert.ok(events.every((e) => e.type === 'step-output' && e.stepId === 'big' && e.stream === 'stdout' && e.time === 5));
  });

  it('leaves a line still being written (no newline yet) for the next page', () => {
    const log = new RunLog(root, 'r2');
    log.event({ type: 'warning', time: 1, stepId: null, message: 'one' });
    log.flush();
    const file = path.join(log.dir, EVENTS_FILE);
    const whole = fs.statSync(file).size;
    fs.appendFileSync(file, '{"epoch":1,"event":{"type":"warn');
    const page = log.page(0);
    assert.deepEqual(page.events.map((e) => e.event.time), [1]);
    assert.equal(page.next, whole);
    assert.deepEqual(log.page(page.next).events, []);
  });

  it('keeps a step result past the journal\'s limit by reference: a text as .txt, other values as their JSON, each file once under its SHA-256', () => {
    const log = new RunLog(root, 'r3');
    const text = 'a'.repeat(JOURNAL_VALUE_LIMIT + 1);
    const rows = Array.from({ length: 30_000 }, (_, i) => ({ i, name: `row ${i}` }));
    const result: StepResult = { ...emptyStepResult('completed'), success: true, result: { stdout: text, stderr: '', exit_code: 0 } };
    const ended = log.leanEvent({ type: 'step-ended', time: 1, stepId: 'big', scope: [], result }) as Extract<RunEvent, { type: 'step-ended' }>;
    assert.deepEqual(ended.result.result, { stdout: { $ref: `durable-outputs/${sha(text)}.txt`, media_type: 'text/plain', bytes: text.length, sha256: sha(text) }, stderr: '', exit_code: 0 });
    assert.equal(fs.readFileSync(path.join(log.dir, `durable-outputs/${sha(text)}.txt`), 'utf8'), text);
    // a list of many small rows: the list is the reference
    const json = JSON.stringify(rows);
    assert.deepEqual(log.lean({ rows }), { rows: { $ref: `durable-outputs/${sha(json)}.json`, media_type: 'application/json', bytes: json.length, sha256: sha(json) } });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(log.dir, `durable-outputs/${sha(json)}.json`), 'utf8')), rows);
    // the same value again: the same file, not another
    log.lean({ again: text });
    assert.deepEqual(fs.readdirSync(path.join(log.dir, 'durable-outputs')).sort(), [`${sha(json)}.json`, `${sha(text)}.txt`].sort());
    // small values are as they were
    const small = { stdout: 'ok', n: 1 };
    assert.equal(log.lean(small), small);
  });

  /** This process's descriptors open on the run folder's files, by file name. */
  function openFiles(dir: string): string[] {
    const out: string[] = [];
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      try {
        const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
        if (path.dirname(target) === dir) out.push(path.basename(target));
      } catch {
        // (the descriptor readdir used, closed since)
      }
    }
    return out.sort();
  }

  it('holds the starts and events files open while a run writes, and lets them go when closed; a late event is still written', () => {
    const log = new RunLog(root, 'r5');
    assert.equal(log.started('a#1'), 1);
    assert.equal(log.started('b#1'), 1);
    assert.equal(log.started('a#1'), 2);
    log.event({ type: 'warning', time: 1, stepId: null, message: 'one' });
    log.flush();
    assert.deepEqual(openFiles(log.dir), [EVENTS_FILE, STARTS_FILE]);
    log.close();
    assert.deepEqual(openFiles(log.dir), []);
    log.event({ type: 'warning', time: 2, stepId: null, message: 'late' });
    log.flush();
    assert.deepEqual(openFiles(log.dir), []);
    assert.deepEqual(log.page(0).events.map((e) => e.event.time), [1, 2]);
    const starts = fs.readFileSync(path.join(log.dir, STARTS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    assert.deepEqual(starts, ['a#1', 'b#1', 'a#1']);
    // another execution of the handler counts the starts before it
    assert.equal(new RunLog(root, 'r5').started('a#1'), 3);
  });

  it('lets its files go after a second or two without a write (an execution Restate ended never reaches close())', async () => {
    const log = new RunLog(root, 'r6');
    log.started('a#1');
    assert.deepEqual(openFiles(log.dir), [STARTS_FILE]);
    const deadline = Date.now() + 15_000;
    while (openFiles(log.dir).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(openFiles(log.dir), []);
    // and opens it again for the next write
    assert.equal(log.started('a#1'), 2);
    assert.deepEqual(openFiles(log.dir), [STARTS_FILE]);
    log.close();
  });

  it(`holds at most ${MAX_HELD_FILES} files open however many runs write at once; the others open and close theirs, and every start is written`, () => {
    // (other logs of this process, not closed yet, may hold some)
    const before = filesHeldOpen();
    const logs = Array.from({ length: MAX_HELD_FILES + 20 }, (_, i) => new RunLog(root, `many-${i}`));
    for (const log of logs) assert.equal(log.started('a#1'), 1);
    const held = logs.filter((log) => openFiles(log.dir).length > 0).length;
    assert.equal(held, MAX_HELD_FILES - before);
    assert.equal(filesHeldOpen(), MAX_HELD_FILES);
    for (const log of logs) assert.equal(log.started('a#1'), 2);
    for (const log of logs) log.close();
    assert.equal(logs.filter((log) => openFiles(log.dir).length > 0).length, 0);
    assert.equal(filesHeldOpen(), before);
    for (const log of logs) assert.deepEqual(fs.readFileSync(path.join(log.dir, STARTS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id), ['a#1', 'a#1']);
    // the places given back are taken again
    const next = new RunLog(root, 'after');
    next.started('b#1');
    assert.deepEqual(openFiles(next.dir), [STARTS_FILE]);
    next.close();
  });
});
