// #63 item 3: a `secret: true` parameter's value is redacted everywhere a key is: in the cassette
// (the prompt, and the tool arguments the model copied it into), in the exported spans, and in what
// `orc mcp` serves as orc://runs/ID. The cassette redacts by a stable placeholder on both sides, so
// a replay still matches, even given another value of the secret.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createModelRunner } from '../../../engine/api/index';
import { PipelineServer } from '../../../engine/api/mcpServe';
import { startTelemetry, type Telemetry } from '../../../engine/telemetry/index';
import { Redactor } from '../../../engine/toolkit/redact';
import { OtlpReceiver } from '../../fixtures/otlpReceiver';
import { loopbackEnv, runAgentPipeline, tempDir, turnOf, useLoopback } from '../../helpers/agentRun';

const SECRET = 'hunter2-parameter-secret-7f3a';
const OTHER = 'another-secret-value-9c1d';

const PIPELINE = `id: secretive
model: openai:gpt-4o-mini
parameters:
  token: {type: string, secret: true, required: true}
steps:
  - id: ask
    action: agent
    tools: [filesystem.write]
    parameters:
      prompt: "Store the token {{ token }} in creds.txt"
outputs:
  answer: "{{ ask.result.answer }}"
`;

/** The model copies the token it was given into a tool call's arguments, then answers with it. */
function copyingModel(body: Record<string, unknown>) {
  const user = JSON.stringify(body.messages);
  const token = /token (\S+) in creds/.exec(user)?.[1] ?? 'none';
  if (turnOf(body) === 0) return { toolCalls: [{ name: 'filesystem_write', arguments: { path: 'creds.txt', content: `token=${token}` } }] };
  return { text: `Stored ${token}` };
}

describe('hardening #63: a secret parameter never leaves the run', function () {
  this.timeout(30_000);
  const srv = useLoopback();
  let dir: string;
  beforeEach(() => {
    dir = tempDir('orc-secret-param-');
    srv.responder = copyingModel;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the cassette holds the placeholder, never the value, and replays (tools too) with the same or another value', async () => {
    const file = path.join(dir, 'tapes', 'secretive.cassette.jsonl');
    const rec = await runAgentPipeline(srv, dir, PIPELINE, { inputs: { token: SECRET }, redactor: new Redactor({}), cassette: { mode: 'record', file } });
    assert.equal(rec.doc.status, 'completed', JSON.stringify(rec.doc.steps.ask));
    const tape = fs.readFileSync(file, 'utf8');
    assert.ok(!tape.includes(SECRET), tape);
    assert.ok(!tape.includes('hunter2'), 'not even a part of it');
    // the prompt, the tool call's arguments and the tool entry's arguments
    assert.equal(tape.split('[redacted: secret]').length - 1 >= 4, true, tape);
    for (const value of [SECRET, OTHER]) {
      const calls = srv.requests.length;
      const rep = await runAgentPipeline(srv, dir, PIPELINE, { inputs: { token: value }, redactor: new Redactor({}), models: createModelRunner({ env: {} }), cassette: { mode: 'replay', file, replayTools: true } });
      assert.equal(rep.doc.status, 'completed', `${value}: ${JSON.stringify(rep.doc.steps.ask)}`);
      assert.equal(srv.requests.length, calls, 'no call reached the provider');
    }
  });

  it('the exported spans (content captured) never hold the value', async () => {
    const receiver = await new OtlpReceiver().start();
    try {
      const telemetry = (await startTelemetry({ exporters: [{ url: `${receiver.origin}/v1/traces`, fromEnv: false, protocol: 'http/protobuf' }], defaultServiceName: 'orc-test', captureContent: true, metrics: null }, '0.0.0')) as Telemetry;
      // the host's redactor knows the environment only: the run's parameters are its own to add
      const redactor = new Redactor({});
      const t = telemetry.forRun({ pipelineId: 'secretive', redactor });
      const { doc } = await runAgentPipeline(srv, dir, PIPELINE, { inputs: { token: SECRET }, redactor, listeners: t.listeners, nestedListeners: t.nestedListeners });
      assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.ask));
      await telemetry.shutdown(() => undefined);
      const all = JSON.stringify(receiver.spans.map((s) => [s.name, s.attributes, s.events, s.status]));
      assert.ok(receiver.spans.some((s) => s.name === 'execute_tool filesystem.write'), all);
      assert.ok(!all.includes(SECRET), all);
      assert.ok(all.includes('[redacted: secret]'), all);
    } finally {
      await receiver.stop();
    }
  });

  it('orc mcp: the tool result and orc://runs/ID never hold the value', async () => {
    fs.writeFileSync(path.join(dir, 'secretive.pipeline.yaml'), PIPELINE);
    const server = new PipelineServer({ root: dir, version: '0.0.0', log: () => undefined, watch: false, env: loopbackEnv(srv) });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'secret-test', version: '1.0.0' });
    try {
      await Promise.all([server.server.connect(serverSide), client.connect(clientSide)]);
      const r = (await client.callTool({ name: 'secretive', arguments: { token: SECRET } })) as CallToolResult;
      const said = JSON.stringify(r);
      assert.ok(!r.isError, said);
      assert.ok(!said.includes(SECRET), said);
      const id = /\(run (\S+?)\)/.exec((r.content[0] as { text: string }).text)![1];
      const res = await client.readResource({ uri: `orc://runs/${id}` });
      const served = JSON.stringify(res);
      assert.ok(served.includes('Stored [redacted: secret]'), served);
      assert.ok(!served.includes(SECRET), served);
      for (const f of fs.readdirSync(path.join(dir, '.orchestrator', 'runs', id))) {
        const p = path.join(dir, '.orchestrator', 'runs', id, f);
        if (fs.statSync(p).isFile()) assert.ok(!fs.readFileSync(p, 'utf8').includes(SECRET), f);
      }
    } finally {
      await client.close();
    }
  });
});
