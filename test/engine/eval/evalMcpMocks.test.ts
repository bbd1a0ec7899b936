// Mocks of MCP servers' tools (`mcp:SERVER.TOOL`): an agent's call and a plain MCP step are answered
// by the case's mocks, matched by tool and arguments, and the server is never started (its command
// would leave a file); a call no mock matches fails naming it instead of starting the server; the
// case's result lists what was mocked (the real openai SDK against loopback).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, createModelRunner, EvalInputError, runEval, type CaseResult, type ResultDocument } from '../../../engine/api/index';
import { loopbackEnv, tempDir, turnOf, useLoopback } from '../../helpers/agentRun';

const PIPELINE = `id: tickets
mcp_servers:
  desk:
    command: sh
    args: [-c, "touch desk-started; sleep 30"]
    timeout: 5
steps:
  - id: triage
    action: agent
    model: openai:gpt-4o-mini
    tools: [mcp:desk]
    parameters: {prompt: "Look ticket 7 up and say its state"}
  - id: close
    tool: mcp:desk.close
    dependencies: [triage]
    parameters: {ticket: 7}
outputs:
  state: "{{ triage.result.answer }}"
`;

describe('eval mocks of MCP tools', function () {
  this.timeout(30000);
  const srv = useLoopback();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  beforeEach(() => {
    // turn 0 asks the mocked tool; turn 1 answers with what the tool said
    srv.responder = (body) => {
      if (turnOf(body) === 0) return { toolCalls: [{ name: 'mcp__desk__lookup', arguments: { ticket: 7 } }] };
      const messages = body.messages as { role: string; content: string }[];
      return { text: `state: ${messages.filter((m) => m.role === 'tool').map((m) => m.content).join(' | ')}` };
    };
  });

  async function evalOf(cases: string): Promise<{ results: CaseResult[]; docs: ResultDocument[]; dir: string }> {
    const dir = tempDir('orc-eval-mcp-mocks-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'tickets.pipeline.yaml'), PIPELINE);
    const text = `pipeline: tickets.pipeline.yaml\n${cases}`;
    const file = path.join(dir, 'tickets.eval.yaml');
    fs.writeFileSync(file, text);
    const analysis = analyzeEval(text, file);
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const env = loopbackEnv(srv);
    const results: CaseResult[] = [];
    const docs: ResultDocument[] = [];
    await runEval({ root: dir, analysis, evalText: text, models: createModelRunner({ env }), env, cache: false, onResult: (r) => results.push(r), onRun: (d) => docs.push(d) });
    return { results, docs, dir };
  }

  it('answers an agent\'s call and a plain MCP step from the mocks, and never starts the server', async () => {
    const { results, docs, dir } = await evalOf(`cases:
  - id: open-ticket
    mocks:
      - {tool: mcp:desk.lookup, args: {ticket: 7}, result: {text: open}}
      - {tool: mcp:desk.close, args: {ticket: 7}, result: {text: closed}}
    assert:
      - output: state
        contains: open
      - step: close
        expression: "value.text == 'closed'"
`);
    assert.deepEqual(results.map((r) => [r.case, r.status, r.error ?? null]), [['open-ticket', 'pass', null]]);
    assert.deepEqual(results[0].mocked, [
      { tool: 'mcp:desk.lookup', args: { ticket: 7 }, answered: 'result', calls: 1 },
      { tool: 'mcp:desk.close', args: { ticket: 7 }, answered: 'result', calls: 1 },
    ]);
    // the model was offered the mocked tools of the server, and got the mock's answer back
    const offered = (srv.requests[0].body.tools as { function: { name: string } }[]).map((t) => t.function.name).sort();
    assert.deepEqual(offered, ['mcp__desk__close', 'mcp__desk__lookup']);
    assert.equal(docs[0].outputs.state, 'state: {"text":"open"}');
    assert.equal(fs.existsSync(path.join(dir, 'desk-started')), false, 'the MCP server was started');
  });

  it('fails a call no mock matches, naming it, without starting the server', async () => {
    const { results, docs, dir } = await evalOf(`cases:
  - id: other-ticket
    mocks:
      - {tool: mcp:desk.lookup, args: {ticket: 8}, result: {text: open}}
    assert:
      - step: close
        status: failed
`);
    assert.deepEqual(results.map((r) => [r.case, r.status]), [['other-ticket', 'pass']]);
    // the agent's model was told the call failed; the plain step failed with it
    assert.match(JSON.stringify(srv.requests[1].body.messages), /No mock of the case answers mcp:desk.lookup with \{\\"ticket\\":7\}, and server 'desk' is mocked, so it is not started/);
    assert.match(docs[0].steps.close.error ?? '', /No mock of the case answers mcp:desk.close with \{"ticket":7\}/);
    assert.equal(fs.existsSync(path.join(dir, 'desk-started')), false, 'the MCP server was started');
  });

  it('refuses an MCP mock that names no tool before anything runs', async () => {
    await assert.rejects(evalOf('cases:\n  - {id: c, mocks: [{tool: "mcp:desk", result: 1}]}\n'), (e: Error) => e instanceof EvalInputError && /an MCP tool is mocked as mcp:SERVER.TOOL, not 'mcp:desk'/.test(e.message));
    assert.equal(srv.requests.length, 0);
  });
});
