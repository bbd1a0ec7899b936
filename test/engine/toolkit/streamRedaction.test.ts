// A secret cut across streamed pieces is redacted: by the StreamRedactor itself, in a recorded
// cassette's deltas, and in the step's streamed output events (redacting each piece alone let a key
// cut in two through). The model's answer streams from the loopback server through the real SDK.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner } from '../../../engine/models/index';
import type { CassetteLine } from '../../../engine/models/cassette';
import type { RunEvent } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { Redactor } from '../../../engine/toolkit/redact';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';

const SECRET = 'sk-live-7Qm2x9Lp';
const SHOWN = '[redacted: SIGNING_TOKEN]';

/** Every piece passed on, then the end. */
function through(r: Redactor, pieces: string[]): string[] {
  const s = r.stream();
  const out = pieces.map((p) => s.push(p));
  out.push(s.end());
  return out;
}

describe('StreamRedactor: a secret cut across pieces', () => {
  const r = new Redactor({ SIGNING_TOKEN: SECRET });

  it('redacts a key cut in two at every position, passes on everything else, and loses nothing', () => {
    for (let i = 1; i < SECRET.length; i++) {
      const pieces = [`key: ${SECRET.slice(0, i)}`, `${SECRET.slice(i)} ok`];
      const out = through(r, pieces);
      assert.equal(out.join(''), `key: ${SHOWN} ok`, `cut at ${i}`);
      // no piece passed on holds the key's start (`sk-` appears nowhere else)
      for (const o of out) assert.ok(!o.includes('sk-'), `cut at ${i}: ${JSON.stringify(out)}`);
    }
  });

  it('redacts a key cut in three at every pair of positions, and one that arrives a character at a time', () => {
    for (let i = 1; i < SECRET.length - 1; i++) {
      for (let j = i + 1; j < SECRET.length; j++) {
        const out = through(r, [`a ${SECRET.slice(0, i)}`, SECRET.slice(i, j), `${SECRET.slice(j)} b`]);
        assert.equal(out.join(''), `a ${SHOWN} b`, `cut at ${i} and ${j}`);
      }
    }
    assert.equal(through(r, [...`x${SECRET}y${SECRET}`]).join(''), `x${SHOWN}y${SHOWN}`);
  });

  it('holds back only an end that could begin a key: other text passes at once', () => {
    const s = r.stream();
    assert.equal(s.push('plain text '), 'plain text ');
    assert.equal(s.push('then sk-li'), 'then ');
    assert.equal(s.push('ves on'), 'sk-lives on');
    assert.equal(s.end(), '');
  });

  it('holds a whole key that reaches into an end beginning another key', () => {
    // the end `p-9` begins OTHER_TOKEN; the whole SIGNING_TOKEN before it must not be cut through
    const other = 'p-9zzzzzzzz';
    const two = new Redactor({ SIGNING_TOKEN: 'abcdefgh-p-9', OTHER_TOKEN: other });
    const out = through(two, ['see abcdefgh-p-9', ' done']);
    assert.equal(out.join(''), 'see [redacted: SIGNING_TOKEN] done');
    for (const o of out) assert.ok(!o.includes('abcdefgh'), JSON.stringify(out));
  });

  it('passes pieces through untouched when there is no secret', () => {
    assert.deepEqual(through(new Redactor({}), ['a', 'b']), ['a', 'b', '']);
  });
});

describe('a streamed answer with a key cut across chunks', function () {
  this.timeout(20_000);
  let server: LoopbackProviders;
  let dir: string;
  beforeEach(async () => {
    server = await new LoopbackProviders().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-stream-redact-'));
  });
  afterEach(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is redacted in the cassette and in the step-output events at every cut, and replays as the redacted text', async () => {
    const yaml = `id: leak
steps:
  - id: s
    action: generate
    model: openai:gpt-4o-mini
    parameters: {prompt: Say the key}
`;
    const a = analyze(yaml);
    const redactor = new Redactor({ SIGNING_TOKEN: SECRET });
    const env = { OPENAI_API_KEY: 'sk-loopback-key-0000', OPENAI_BASE_URL: `${server.origin}/v1` };
    for (let i = 1; i < SECRET.length; i++) {
      server.script.push({ chunks: [`The key is ${SECRET.slice(0, i)}`, `${SECRET.slice(i)}.`] });
      const file = path.join(dir, `cut-${i}.jsonl`);
      const events: RunEvent[] = [];
      const doc = await runPipeline(a, { cwd: dir, checkpoint: false, redactor, models: createModelRunner({ env }), cassette: { mode: 'record', file }, listeners: [(e) => events.push(e)] });
      assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
      const chunks = events.filter((e): e is Extract<RunEvent, { type: 'step-output' }> => e.type === 'step-output').map((e) => e.chunk);
      assert.equal(chunks.join(''), `The key is ${SHOWN}.`, `cut at ${i}: the streamed output`);
      assert.ok(!JSON.stringify(events).includes(SECRET), `cut at ${i}: an event holds the key`);
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!text.includes(SECRET.slice(0, 8)) && !text.includes(SECRET.slice(-8)), `cut at ${i}: the cassette holds part of the key:\n${text}`);
      const line = JSON.parse(text) as CassetteLine;
      assert.equal(line.answer.text, `The key is ${SHOWN}.`);
      assert.equal(line.answer.deltas?.join(''), `The key is ${SHOWN}.`);
      // replayed offline: the recorded (redacted) deltas stream out as they were kept
      const replayed: RunEvent[] = [];
      const rep = await runPipeline(a, { cwd: dir, checkpoint: false, redactor, models: createModelRunner({ env: {} }), cassette: { mode: 'replay', file }, listeners: [(e) => replayed.push(e)] });
      assert.equal(rep.steps.s.result, `The key is ${SHOWN}.`);
      assert.equal(replayed.filter((e): e is Extract<RunEvent, { type: 'step-output' }> => e.type === 'step-output').map((e) => e.chunk).join(''), `The key is ${SHOWN}.`);
    }
  });
});
