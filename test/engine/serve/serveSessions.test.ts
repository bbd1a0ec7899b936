// Conversations over HTTP (the built CLI, a loopback OpenAI server): a run request's `session`
// continues that conversation (the second run's model call carries the first one's messages), a
// request without one starts a new conversation whose id the answer names (Orc-Session, the
// 202's `session`), GET /runs?session=ID lists a conversation's runs, a pipeline without a
// `session` parameter refuses one, and the OpenAPI document describes it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { tempDir } from '../../helpers/agentRun';
import { readFrames, startServe, writeWorkspace, type ServeProcess } from '../../helpers/serveProcess';
import type { ResultDocument } from '../../../engine/api/index';

/** An agent with memory: the session parameter names its conversation (shared by the session tests). */
const SUPPORT = fs.readFileSync(path.join(__dirname, '../../fixtures/agents', 'support-session.pipeline.yaml'), 'utf8');

const PLAIN = `id: plain
parameters:
  message: {type: string}
steps:
  - id: echo
    tool: data
    action: convert
    parameters: {data: {message: "{{ message }}"}, format: json}
`;

type Body = { messages: { role: string; content: string }[] };
/** The user's messages a request carried, in order. */
const usersOf = (body: Record<string, unknown>) => (body as unknown as Body).messages.filter((m) => m.role === 'user').map((m) => m.content);

describe('orc serve: sessions (the built CLI)', function () {
  this.timeout(40_000);
  let srv: LoopbackProviders;
  let dir: string;
  let s: ServeProcess;

  before(async () => {
    srv = await new LoopbackProviders().start();
    srv.responder = (body) => ({ text: `heard ${usersOf(body).join(' / ')}` });
    dir = tempDir('orc-serve-sessions-');
    writeWorkspace(dir, { 'support.pipeline.yaml': SUPPORT, 'plain.pipeline.yaml': PLAIN });
    s = await startServe(dir, [], { OPENAI_API_KEY: 'sk-loopback-sessions-0001', OPENAI_BASE_URL: `${srv.origin}/v1` });
  });

  after(async () => {
    await s?.stop();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = (pipeline: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${s.url}/pipelines/${pipeline}/runs`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

  it('continues the conversation a request names; one without a session starts a new one, named in the answer', async () => {
    const first = await post('support', { message: 'My name is Ada.' }, { prefer: 'wait=20' });
    assert.equal(first.status, 200);
    const session = first.headers.get('orc-session')!;
    assert.match(session, /^s-[0-9a-f]{12}$/);
    const doc1 = (await first.json()) as ResultDocument;
    assert.equal(doc1.status, 'completed');
    assert.equal(doc1.outputs.answer, 'heard My name is Ada.');

    const second = await post('support', { message: 'What is my name?', session }, { prefer: 'wait=20' });
    assert.equal(second.headers.get('orc-session'), session);
    const doc2 = (await second.json()) as ResultDocument;
    assert.equal(doc2.outputs.answer, 'heard My name is Ada. / What is my name?');

    // a new conversation (202: its id in the body too): the first one's messages are not in it
    const other = await post('support', { message: 'Who am I?' });
    assert.equal(other.status, 202);
    const accepted = (await other.json()) as { run_id: string; session: string };
    assert.match(accepted.session, /^s-[0-9a-f]{12}$/);
    assert.notEqual(accepted.session, session);
    assert.equal(other.headers.get('orc-session'), accepted.session);
    const { frames } = await readFrames(await fetch(`${s.url}/runs/${accepted.run_id}/events`));
    const ended = frames[frames.length - 1].data as ResultDocument;
    assert.equal(ended.outputs.answer, 'heard Who am I?');

    // the conversation's runs, and only them (two runs of one second are listed in their ids' order)
    const listed = (await (await fetch(`${s.url}/runs?session=${session}`)).json()) as { runs: { run_id: string; session: string }[] };
    assert.deepEqual(listed.runs.map((r) => [r.run_id, r.session]).sort(), [[doc1.execution_id, session], [doc2.execution_id, session]].sort());
    // kept where the agent keeps sessions: one conversation per id
    assert.ok(fs.existsSync(path.join(dir, '.orchestrator', 'sessions', 'sessions.sqlite')));
  });

  it('refuses a session for a pipeline without a session parameter, and an empty one (422, nothing ran)', async () => {
    const before = srv.requests.length;
    const plain = await post('plain', { message: 'x', session: 'abc' });
    assert.equal(plain.status, 422);
    const e1 = (await plain.json()) as { error: { code: string; message: string } };
    assert.deepEqual([e1.error.code, e1.error.message], ['invalid_inputs', `'session' continues a conversation through the pipeline's 'session' parameter (an agent step's memory: {session: "{{ session }}"}), which this pipeline does not declare`]);
    const empty = await post('support', { message: 'x', session: ' ' });
    assert.equal(empty.status, 422);
    assert.equal(((await empty.json()) as { error: { message: string } }).error.message, `'session' is a conversation's id, a non-empty string (give none to start a new conversation), got " "`);
    assert.equal(srv.requests.length, before);
  });

  it('refuses a session id the Orc-Session header cannot echo exactly (non-ASCII, NUL, CR LF, outer spaces, too long) with 422 before any run', async () => {
    // issue 74 item 3: these ran the pipeline and then answered 500 (an invalid header value), so the
    // client never learnt the run's id; " spaced " came back as `Orc-Session: spaced`, another conversation
    const before = srv.requests.length;
    const runsBefore = ((await (await fetch(`${s.url}/runs?limit=1000`)).json()) as { runs: unknown[] }).runs.length;
    for (const session of ['café-1', 'a\u0000b', 'a\r\nX-Injected: 1', ' spaced ', 'x'.repeat(257), 'tab\tinside']) {
      const r = await post('support', { message: 'x', session }, { prefer: 'wait=10' });
      const doc = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(r.status, 422, JSON.stringify(session));
      assert.equal(doc.error.code, 'invalid_inputs');
      assert.match(doc.error.message, /^'session' is a conversation's id: 1 to 256 printable ASCII characters, with no space at either end \(it is echoed in the Orc-Session header\); got /);
    }
    assert.equal(srv.requests.length, before, 'no model call');
    assert.equal(((await (await fetch(`${s.url}/runs?limit=1000`)).json()) as { runs: unknown[] }).runs.length, runsBefore, 'no run started');
    // one with a space inside is echoed exactly
    const ok = await post('support', { message: 'hello', session: 'ticket 42/a' }, { prefer: 'wait=20' });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(ok.headers.get('orc-session'), 'ticket 42/a');
  });

  it('the OpenAPI document describes the session: in the body (not required), in the answers, and as a filter of /runs', async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, { description?: string }>; required: string[] } }> }; responses: Record<string, { headers?: Record<string, unknown> }>; parameters?: { name: string }[] }>> };
    const op = doc.paths['/pipelines/support/runs'].post;
    const schema = op.requestBody!.content['application/json'].schema;
    assert.deepEqual(schema.required, ['message']);
    assert.match(schema.properties.session.description!, /^The conversation this run continues/);
    assert.deepEqual(Object.keys(op.responses['202'].headers ?? {}), ['Orc-Session']);
    assert.equal(doc.paths['/pipelines/plain/runs'].post.responses['202'].headers, undefined);
    assert.deepEqual(doc.paths['/runs'].get.parameters!.map((p) => p.name), ['limit', 'session']);
    const checked = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    assert.deepEqual(checked.errors ?? [], []);
    // GET /pipelines gives the same body schema: the session described, not required
    const listed = ((await (await fetch(`${s.url}/pipelines`)).json()) as { id: string; input_schema: unknown }[]).find((p) => p.id === 'support')!;
    assert.deepEqual(listed.input_schema, schema);
  });
});
