// Images, files and audio into model steps (`images:`, `files:`, `audio:`): a PNG reaches each
// provider as its own image part with its bytes unchanged (the wire body, through the real SDKs
// against the loopback server); a path outside the workspace (`..`, absolute, a link out) is refused
// before anything is sent; a cassette records a part by its content hash, not its bytes; the
// analyzer refuses an image for a model the registry says takes none.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/api/index';
import { SqliteSessionStore } from '../../../engine/agent/sessions';
import { runAgentPipeline, tempDir, useLoopback } from '../../helpers/agentRun';

/** A real 2x1 PNG (red, blue). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAEklEQVR4nGP4z8DwHwyBDAYGAIf0C/VhaemVAAAAAElFTkSuQmCC', 'base64');
const PNG64 = PNG.toString('base64');

const pipeline = (model: string, media: string, action = 'generate') => `id: look
model: ${model}
steps:
  - id: describe
    action: ${action}
    parameters:
      prompt: What is in the picture?
      ${media}
      stream: false
outputs:
  answer: "{{ describe.result }}"
`;

describe('images, files and audio into model steps', function () {
  this.timeout(30_000);
  const srv = useLoopback();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const workspace = () => {
    const d = tempDir('orc-media-');
    dirs.push(d);
    fs.mkdirSync(path.join(d, 'img'));
    fs.writeFileSync(path.join(d, 'img', 'chart.png'), PNG);
    return d;
  };

  it('a PNG reaches OpenAI as an image_url part (a data: URL of its bytes)', async () => {
    const d = workspace();
    srv.script.push({ text: 'A red and a blue pixel.' });
    const { doc } = await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini', 'images: [img/chart.png]'));
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.describe));
    assert.equal(doc.outputs.answer, 'A red and a blue pixel.');
    assert.deepEqual(srv.requests[0].body.messages, [{ role: 'user', content: [{ type: 'text', text: 'What is in the picture?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG64}` } }] }]);
  });

  it('a PNG reaches Anthropic as an image block (base64, its media type)', async () => {
    const d = workspace();
    srv.script.push({ text: 'Two pixels.' });
    const { doc } = await runAgentPipeline(srv, d, pipeline('anthropic:claude-haiku-4-5', 'images: img/chart.png'));
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.describe));
    assert.deepEqual(srv.requests[0].body.messages, [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG64 } }, { type: 'text', text: 'What is in the picture?' }] }]);
  });

  it('a PNG reaches Gemini as inlineData, a URL as fileData', async () => {
    const d = workspace();
    srv.script.push({ text: 'Pixels.' });
    const { doc } = await runAgentPipeline(srv, d, pipeline('google:gemini-2.5-flash', 'images: [img/chart.png, "https://example.com/photo.jpg"]'));
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.describe));
    assert.deepEqual(srv.requests[0].body.contents, [{ role: 'user', parts: [{ text: 'What is in the picture?' }, { inlineData: { mimeType: 'image/png', data: PNG64 } }, { fileData: { fileUri: 'https://example.com/photo.jpg', mimeType: 'image/jpeg' } }] }]);
  });

  it('audio reaches OpenAI as input_audio, a PDF reaches Anthropic as a document', async () => {
    const d = workspace();
    const wav = Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1');
    const pdf = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
    fs.writeFileSync(path.join(d, 'note.wav'), wav);
    fs.writeFileSync(path.join(d, 'memo.pdf'), pdf);
    srv.script.push({ text: 'heard' }, { text: 'read' });
    await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-audio-preview', 'audio: note.wav'), { file: 'a.pipeline.yaml' });
    await runAgentPipeline(srv, d, pipeline('anthropic:claude-haiku-4-5', 'files: memo.pdf'), { file: 'b.pipeline.yaml' });
    const openai = srv.requests[0].body.messages as { content: unknown[] }[];
    assert.deepEqual(openai[0].content[1], { type: 'input_audio', input_audio: { data: wav.toString('base64'), format: 'wav' } });
    const anthropic = srv.requests[1].body.messages as { content: unknown[] }[];
    assert.deepEqual(anthropic[0].content[0], { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf.toString('base64') } });
  });

  it('a path outside the workspace is refused before anything is sent: .., absolute, a link out', async () => {
    const d = workspace();
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-media-out-'));
    dirs.push(outside);
    fs.writeFileSync(path.join(outside, 'secret.png'), PNG);
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(d, 'img', 'link.png'));
    const cases: [string, RegExp][] = [
      ['images: [img/../../secret.png]', /^'images': 'img\/\.\.\/\.\.\/secret\.png' goes up with '\.\.'; give a path inside the workspace \(nothing was sent\)$/],
      [`images: [${JSON.stringify(path.join(outside, 'secret.png'))}]`, /is an absolute path; give a path inside the workspace \(nothing was sent\)$/],
      ['images: [img/chart.png, img/link.png]', /^'images': 'img\/link\.png' is a link that leads outside the workspace \(to .*secret\.png\); nothing was sent$/],
    ];
    for (const [media, message] of cases) {
      const { doc } = await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini', media));
      assert.equal(doc.status, 'failed', media);
      assert.equal(doc.steps.describe.error_type, 'PermissionError', media);
      assert.match(doc.steps.describe.error!, message);
    }
    assert.equal(srv.requests.length, 0);
  });

  it('a cassette records a part by its content hash, not its bytes, and replays it offline', async () => {
    const d = workspace();
    const cassette = path.join(d, 'look.cassette.jsonl');
    srv.script.push({ text: 'Two pixels.' });
    await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini', 'images: [img/chart.png]'), { cassette: { mode: 'record', file: cassette } });
    const text = fs.readFileSync(cassette, 'utf8');
    assert.ok(!text.includes(PNG64), 'the bytes are not in the cassette');
    const line = JSON.parse(text.trim().split('\n')[0]) as { request: { parts: unknown } };
    assert.deepEqual(line.request.parts, [{ kind: 'image', media_type: 'image/png', sha256: createHash('sha256').update(PNG).digest('hex') }]);
    const replayed = await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini', 'images: [img/chart.png]'), { cassette: { mode: 'replay', file: cassette } });
    assert.equal(replayed.doc.outputs.answer, 'Two pixels.');
    assert.equal(srv.requests.length, 1);
    // another image is another request: a miss, not the recorded answer
    fs.writeFileSync(path.join(d, 'img', 'chart.png'), Buffer.concat([PNG, Buffer.from([0])]));
    const changed = await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini', 'images: [img/chart.png]'), { cassette: { mode: 'replay', file: cassette } });
    assert.equal(changed.doc.status, 'failed');
    assert.equal(srv.requests.length, 1);
  });

  it('an agent step sends its images with the first user message, on every turn; a session keeps the image by name, a cassette by hash', async () => {
    const d = workspace();
    const agent = (model: string) => `id: lookagent
model: ${model}
parameters:
  session: {type: string, default: s}
steps:
  - id: describe
    action: agent
    memory: {session: "{{ session }}"}
    tools: [filesystem.list]
    parameters:
      prompt: What is in the picture?
      images: [img/chart.png]
      stream: false
outputs:
  answer: "{{ describe.result.answer }}"
`;
    const cassette = path.join(d, 'agent.cassette.jsonl');
    srv.script.push({ toolCalls: [{ id: 'call_1', name: 'filesystem_list', arguments: { path: 'img' } }] }, { text: 'A chart.' });
    const { doc } = await runAgentPipeline(srv, d, agent('openai:gpt-4o-mini'), { cassette: { mode: 'record', file: cassette } });
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.describe));
    const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG64}` } };
    for (const r of srv.requests) {
      const user = (r.body.messages as { role: string; content: unknown }[]).find((m) => m.role === 'user');
      assert.deepEqual(user?.content, [{ type: 'text', text: 'What is in the picture?' }, image]);
    }
    assert.ok(!fs.readFileSync(cassette, 'utf8').includes(PNG64), 'the bytes are not in the cassette');
    const store = SqliteSessionStore.in(d);
    try {
      assert.deepEqual(store.load('s').messages[0], { role: 'user', content: 'What is in the picture?\n[sent with it: image img/chart.png]' });
    } finally {
      store.close();
    }
    srv.script.push({ text: 'Two pixels.' });
    await runAgentPipeline(srv, d, agent('anthropic:claude-haiku-4-5').replace('session: {type: string, default: s}', 'session: {type: string, default: t}'), { file: 'b.pipeline.yaml' });
    const anthropic = srv.requests[2].body.messages as { content: unknown[] }[];
    assert.deepEqual(anthropic[0].content, [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG64 } }, { type: 'text', text: 'What is in the picture?' }]);
  });

  it('the analyzer refuses an image for a model that takes none, offering one of its provider that does', () => {
    const a = analyze(pipeline('openai:gpt-4o-mini', 'images: [img/chart.png]').replace('    action: generate', '    action: generate\n    model: huggingface:meta-llama/Llama-3.3-70B-Instruct'));
    const f = a.findings.filter((x) => x.code === 'model.modality');
    assert.deepEqual(f.map((x) => [x.severity, x.message, x.path]), [['error', "Model 'huggingface:meta-llama/Llama-3.3-70B-Instruct' takes no images (its modalities in the model registry: text), and step 'describe' gives it 'images'.", 'steps[0].model']]);
    const onOllama = analyze(pipeline('ollama:llama3.2', 'images: [img/chart.png]')).findings.filter((x) => x.code === 'model.modality');
    assert.deepEqual(onOllama.map((x) => x.path), ['steps[0].parameters.images']);
    assert.equal(analyze(pipeline('openai:gpt-4o-mini', 'images: [img/chart.png]')).findings.filter((x) => x.severity === 'error').length, 0);
  });
});
