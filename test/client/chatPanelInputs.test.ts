// The graph panel's chat input, in the extension (client/chatTarget.ts): which pipelines offer it,
// which session a message continues, and the inputs of the run it starts; and what the panel is
// told of the images and files it shows (client/partPreviews.ts): sizes, thumbnails as data: URIs,
// and nothing read outside the workspace.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../engine/api/index';
import { chatInputs, chatTarget } from '../../client/chatTarget';
import { MAX_ANSWER_BYTES, MAX_THUMBNAIL_BYTES, previewParts } from '../../client/partPreviews';

const SUPPORT = `id: support
parameters:
  message: {type: string, required: true}
  session: {type: string, default: main}
  tone: {type: string, default: kind}
  api_token: {type: string, secret: true, default: x}
steps:
  - id: answer
    action: agent
    memory: {session: "{{ session }}", max_messages: 20}
    parameters:
      instructions: "Answer {{ tone }}ly."
      prompt: "{{ message }}"
`;
const pipelineOf = (text: string) => {
  const a = analyze(text);
  assert.ok(a.pipeline, JSON.stringify(a.findings));
  return a.pipeline;
};

describe('chat input of the graph panel: target and inputs', () => {
  it('offers the chat for an agent step with memory, continuing the session of the run shown', () => {
    const p = pipelineOf(SUPPORT);
    assert.deepEqual(chatTarget(p, null), { step: 'answer', messageParam: 'message', session: 'main' });
    assert.deepEqual(chatTarget(p, { message: 'hi', session: 'alice', tone: 'dry' }), { step: 'answer', messageParam: 'message', session: 'alice' });
  });

  it('gives a conversation not started yet a new session when the parameter has no default', () => {
    const p = pipelineOf(SUPPORT.replace('session: {type: string, default: main}', 'session: {type: string}'));
    assert.deepEqual(chatTarget(p, null, () => 'chat-1234abcd'), { step: 'answer', messageParam: 'message', session: 'chat-1234abcd' });
  });

  it('offers no chat without memory, and none without a parameter for the message', () => {
    assert.equal(chatTarget(pipelineOf(SUPPORT.replace('    memory: {session: "{{ session }}", max_messages: 20}\n', '')), null), null);
    const two = SUPPORT.replace('  message: {type: string, required: true}\n', '  question: {type: string, required: true}\n  topic: {type: string, required: true}\n').replace('{{ message }}', '{{ question }} {{ topic }}');
    assert.equal(chatTarget(pipelineOf(two), null), null);
    assert.equal(chatTarget(null, null), null);
  });

  it("starts the run with the message, the session and the shown run's other inputs, never a secret", () => {
    const p = pipelineOf(SUPPORT);
    const previous = { message: 'first', session: 'alice', tone: 'dry', api_token: '[redacted: api_token]' };
    const target = chatTarget(p, previous)!;
    assert.deepEqual(chatInputs(p, target, 'second', previous), { tone: 'dry', session: 'alice', message: 'second' });
    assert.deepEqual(chatInputs(p, chatTarget(p, null)!, 'hello', null), { session: 'main', message: 'hello' });
  });
});

describe('images and files the graph panel shows', () => {
  let dir: string;
  let outside: string;
  before(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-parts-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-outside-')));
    fs.mkdirSync(path.join(dir, 'docs'));
    fs.writeFileSync(path.join(dir, 'receipt.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    fs.writeFileSync(path.join(dir, 'docs', 'policy.pdf'), Buffer.alloc(2048));
    fs.writeFileSync(path.join(dir, 'big.png'), Buffer.alloc(MAX_THUMBNAIL_BYTES + 1));
    fs.writeFileSync(path.join(outside, 'secret.png'), 'x');
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(dir, 'link.png'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('answers sizes, thumbnails as data: URIs, and why one is not shown', () => {
    const where = { cwd: dir, workspace: dir };
    assert.deepEqual(
      previewParts(
        [
          { ref: 'receipt.png', kind: 'image' },
          { ref: 'docs/policy.pdf', kind: 'file' },
          { ref: 'big.png', kind: 'image' },
          { ref: 'missing.png', kind: 'image' },
          { ref: '../secret.png', kind: 'image' },
          { ref: 'link.png', kind: 'image' },
          { ref: path.join(outside, 'secret.png'), kind: 'image' },
          { ref: 'https://example.com/cat.jpg', kind: 'image' },
        ],
        where,
      ),
      [
        { ref: 'receipt.png', kind: 'image', mediaType: 'image/png', bytes: 4, src: 'data:image/png;base64,iVBORw==' },
        { ref: 'docs/policy.pdf', kind: 'file', mediaType: 'application/pdf', bytes: 2048 },
        { ref: 'big.png', kind: 'image', mediaType: 'image/png', bytes: MAX_THUMBNAIL_BYTES + 1, problem: 'too large to preview here (2.0 MB)' },
        { ref: 'missing.png', kind: 'image', mediaType: 'image/png', bytes: null, problem: 'no such file in the workspace' },
        { ref: '../secret.png', kind: 'image', mediaType: 'image/png', bytes: null, problem: 'outside the workspace: not shown' },
        { ref: 'link.png', kind: 'image', mediaType: 'image/png', bytes: null, problem: 'outside the workspace: not shown' },
        { ref: path.join(outside, 'secret.png'), kind: 'image', mediaType: 'image/png', bytes: null, problem: 'outside the workspace: not shown' },
        { ref: 'https://example.com/cat.jpg', kind: 'image', mediaType: 'image/jpeg', bytes: null },
      ],
    );
  });

  it('carries at most MAX_ANSWER_BYTES of thumbnails in one answer; the images past it are named and sized', () => {
    const n = MAX_ANSWER_BYTES / MAX_THUMBNAIL_BYTES + 1;
    const refs = Array.from({ length: n }, (_, i) => ({ ref: `shot-${i}.png`, kind: 'image' as const }));
    for (const r of refs) fs.writeFileSync(path.join(dir, r.ref), Buffer.alloc(MAX_THUMBNAIL_BYTES));
    const answer = previewParts(refs, { cwd: dir, workspace: dir });
    assert.deepEqual(answer.map((p) => [p.ref, p.bytes, Boolean(p.src), p.problem ?? null]), refs.map((r, i) => [r.ref, MAX_THUMBNAIL_BYTES, i < n - 1, i < n - 1 ? null : 'not previewed: the images beside it are large enough']));
  });
});
