// The editor on conversations and multimodal input (#62): completion, hover and diagnostics for
// `handoffs` (the named agents, never the agent itself nor one listed already), `memory` (its keys,
// its bounds), an `a2a:` entry (only its own keys, `token_env` checked) and `images`/`files`/`audio`
// (paths a run would refuse, marked on the value), each with its exact range.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CompletionItem } from 'vscode-languageserver';
import { analyze } from '../../engine/api/index';
import { completions } from '../../server/completion';
import { hover } from '../../server/hover';

const DOC = [
  'id: support', //                                             0
  'parameters:', //                                             1
  '  message: {type: string, required: true}', //               2
  '  session: {type: string, default: main}', //                3
  'agents:', //                                                 4
  '  billing:', //                                              5
  '    description: Answers questions about charges.', //       6
  '    model: openai:gpt-4o', //                                7
  '    instructions: You do billing.', //                       8
  '    tools: [filesystem.read]', //                            9
  '    handoffs: [tech]', //                                    10
  '  tech:', //                                                 11
  '    description: Fixes the product.', //                     12
  '  sales: {description: Sells.}', //                          13
  'steps:', //                                                  14
  '  - id: triage', //                                          15
  '    action: agent', //                                       16
  '    handoffs: [billing]', //                                 17
  '    memory:', //                                             18
  '      session: "{{ session }}"', //                          19
  '      max_messages: 20', //                                  20
  '    tools:', //                                              21
  '      - a2a: http://127.0.0.1:9999/a2a/x', //                22
  '        token_env: X_TOKEN', //                              23
  '    parameters:', //                                         24
  '      prompt: "{{ message }}"', //                           25
  '      images: [photo.png]', //                               26
  '',
].join('\n');

/** The document with `text` put in place of line `line`, and the offset of `§` in it (the cursor). */
function at(line: number, text: string, doc = DOC): { a: ReturnType<typeof analyze>; offset: number } {
  const lines = doc.split('\n');
  lines[line] = text;
  const joined = lines.join('\n');
  const offset = joined.indexOf('§');
  return { a: analyze(joined.replace('§', '')), offset };
}
const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const edits = (items: CompletionItem[]) => items.map((i) => (i.textEdit && 'range' in i.textEdit ? { label: i.label, range: i.textEdit.range, newText: i.textEdit.newText } : { label: i.label }));
const r = (line: number, from: number, to: number) => ({ start: { line, character: from }, end: { line, character: to } });
const hoverText = (doc: string, needle: string, shift = 1): string | null => {
  const a = analyze(doc);
  const h = hover(a, doc.indexOf(needle) + shift, null, undefined, null);
  return h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : null;
};

describe('editor: handoffs, memory, a2a tools, images (completion, hover, diagnostics)', () => {
  it('completes handoffs with the named agents not listed yet, replacing the name typed, in a flow list and a block list', () => {
    const flow = at(17, '    handoffs: [billing, t§]');
    assert.deepEqual(edits(completions(flow.a, flow.offset)), [
      { label: 'tech', range: r(17, 24, 25), newText: 'tech' },
      { label: 'sales', range: r(17, 24, 25), newText: 'sales' },
    ]);
    const empty = at(17, '    handoffs: [§]');
    assert.deepEqual(labels(completions(empty.a, empty.offset)), ['billing', 'tech', 'sales']);
    const block = at(17, '    handoffs:\n      - bil§');
    assert.deepEqual(edits(completions(block.a, block.offset)), ['billing', 'tech', 'sales'].map((label) => ({ label, range: r(18, 8, 11), newText: label })));
    // a named agent is not offered its own name, nor the agent it lists already
    const named = at(10, '    handoffs: [tech, §]');
    assert.deepEqual(labels(completions(named.a, named.offset)), ['sales']);
    const item = completions(empty.a, empty.offset)[0];
    assert.equal(item.detail, 'hand the conversation to billing (transfer_to_billing)');
  });

  it('hovers a handoff with the agent it names and the tool the model is offered', () => {
    assert.equal(
      hoverText(DOC, '[billing]'),
      [
        '**agent `billing`** — Answers questions about charges.',
        '',
        '- model: `openai:gpt-4o`',
        '- tools: `filesystem.read`',
        '- hands off to: `tech`',
        '',
        'Offered to the model as the tool `transfer_to_billing`: calling it hands the whole conversation to `billing`, whose instructions and tools apply from the next turn.',
      ].join('\n'),
    );
    assert.match(hoverText(DOC, 'handoffs: [billing]')!, /^\*\*`handoffs`\*\* — Named agents \(of `agents:`\) this agent may hand the conversation to/);
  });

  it("completes memory's keys and hovers each; marks a missing session, an unknown key and summarize_after past its bound", () => {
    const keys = at(20, '      §');
    assert.deepEqual(labels(completions(keys.a, keys.offset)), ['max_messages', 'summarize_after']);
    assert.match(hoverText(DOC, 'max_messages')!, /^\*\*`max_messages`\*\* — The most messages the session keeps and sends \(default 50\)/);
    assert.match(hoverText(DOC, 'memory:')!, /^\*\*`memory`\*\* — Agent steps: the session this conversation continues across runs/);
    const bad = analyze(DOC.replace('      session: "{{ session }}"\n      max_messages: 20', '      max_messages: 20\n      summarize_after: 30\n      keep: all'));
    assert.deepEqual(
      bad.findings.map((f) => [f.code, f.range, f.message]),
      [
        ['schema.missing-key', r(19, 6, 18), "Missing required key 'session' in 'memory'."],
        ['schema.range', r(20, 23, 25), "'summarize_after' (30) must be at most 'max_messages' (20): the session is compacted before it reaches its bound."],
        ['schema.unknown-key', r(21, 6, 10), "Unknown key 'keep' in 'memory'."],
      ],
    );
  });

  it("offers an a2a entry only its own keys, and marks a URL with credentials and a token_env that names no variable", () => {
    const keys = at(23, '        §');
    assert.deepEqual(labels(completions(keys.a, keys.offset)).sort(), ['approve', 'timeout', 'token_env']);
    // an agent entry is offered no token_env
    const agent = at(22, '      - agent: tech\n        §', DOC.replace('        token_env: X_TOKEN\n', ''));
    assert.deepEqual(labels(completions(agent.a, agent.offset)).sort(), ['approve', 'timeout']);
    const creds = analyze(DOC.replace('http://127.0.0.1:9999', 'http://me:pw@127.0.0.1:9999'));
    assert.deepEqual(creds.findings.map((f) => [f.code, f.range]), [['agent.a2a-url', r(22, 13, 46)]]);
    const env = analyze(DOC.replace('token_env: X_TOKEN', 'token_env: "X-TOKEN"'));
    assert.deepEqual(env.findings.map((f) => [f.code, f.message]), [['agent.a2a-url', "'token_env' names an environment variable: 'X-TOKEN' is not a variable's name."]]);
    assert.match(hoverText(DOC, 'a2a:')!, /^\*\*`a2a: http:\/\/127\.0\.0\.1:9999\/a2a\/x`\*\* — a remote agent, over the A2A protocol/);
  });

  it('completes the workspace files of the kind an images, files or audio value takes, as paths from the run folder', () => {
    const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-parts-ws-')));
    try {
      fs.mkdirSync(path.join(ws, '.git'));
      fs.mkdirSync(path.join(ws, 'pipelines'));
      fs.mkdirSync(path.join(ws, 'img', 'old'), { recursive: true });
      fs.mkdirSync(path.join(ws, 'node_modules'));
      for (const f of ['photo.png', 'img/chart.jpg', 'img/old/logo.gif', 'notes.pdf', 'call.mp3', 'node_modules/x.png', '.hidden.png']) fs.writeFileSync(path.join(ws, f), 'x'.repeat(2048));
      const file = path.join(ws, 'pipelines', 'desk.pipeline.yaml');
      const images = at(26, '      images: [photo.png, §]');
      assert.deepEqual(
        completions(images.a, images.offset, file).map((i) => [i.label, i.detail]),
        [
          ['img/chart.jpg', 'image/jpeg · 2 KB'],
          ['img/old/logo.gif', 'image/gif · 2 KB'],
        ],
      );
      const audio = at(26, '      audio:\n        - §');
      assert.deepEqual(labels(completions(audio.a, audio.offset, file)), ['call.mp3']);
      const files = at(26, '      files: §');
      assert.deepEqual(labels(completions(files.a, files.offset, file)), ['notes.pdf']);
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });

  it('completes images, files and audio among a model step\'s parameters, and marks a path a run would refuse on its value', () => {
    const params = at(26, '      §');
    assert.deepEqual(labels(completions(params.a, params.offset)).filter((l) => ['images', 'files', 'audio'].includes(String(l))), ['images', 'files', 'audio']);
    assert.match(hoverText(DOC, 'images:')!, /^\*\*`images`\*\* \(array or string\) — Images the model sees with the prompt/);
    const bad = analyze(DOC.replace('images: [photo.png]', 'images: [photo.png, ../up.png, /etc/x.png, report.pdf, "{{ message }}.png", https://x.test/a.png]\n      audio: ftp://x/a.mp3'));
    assert.deepEqual(
      bad.findings.map((f) => [f.code, f.range, f.message]),
      [
        ['model.part-path', r(26, 26, 35), "'images': '../up.png' goes up with '..': a run refuses it before anything is sent. Give a path inside the workspace."],
        ['model.part-path', r(26, 37, 47), "'images': '/etc/x.png' is an absolute path: a run refuses it before anything is sent. Give a path inside the workspace."],
        ['model.part-path', r(26, 49, 59), "'images': 'report.pdf' is application/pdf, not an image: give it under 'files'."],
        ['model.part-path', r(27, 13, 26), "'audio': 'ftp://x/a.mp3' is neither a workspace path nor an http(s) URL."],
      ],
    );
  });
});
