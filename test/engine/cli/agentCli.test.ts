// Agent steps as `orc` shows them (the built CLI against the loopback OpenAI server): a line per
// tool call under its step on stderr, a named agent's calls one level deeper; --replay-tools
// answering the calls from the cassette (no tool runs, no provider is called); approvals answered
// on the command line (-i STEP=deny, --yes, or denied with no one to ask); and `orc report`, turn
// by turn, from the run's record.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync } from '../../helpers/cli';
import { tempDir, turnOf } from '../../helpers/agentRun';
import { call, stepLines, steady, timeless, triageLines, TRIAGE_PIPELINE, triageResponder } from '../../fixtures/agents/cliTriage';
import { type AgentStepResult, buildReport, type ResultDocument } from '../../../engine/api/index';

const KEY = 'sk-loopback-agent-cli-0001';
/** What the agent writes: long enough that its line cuts the arguments. */
const REPORT = `# Report\n${'Three bugs: a, b and c. '.repeat(4)}`;

describe('agent steps on the command line', function () {
  this.timeout(20000);
  let srv: LoopbackProviders;
  let dir: string;
  const env = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${srv.origin}/v1` });
  const run = (args: string[], withProvider = true) => orcAsync(args, { cwd: dir, isolated: true, env: withProvider ? env() : {} });

  beforeEach(async () => {
    srv = await new LoopbackProviders().start();
    dir = tempDir('orc-agent-cli-');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'three bugs: a, b, c');
  });
  afterEach(async () => {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('the tool calls on stderr', () => {
    const PIPELINE = TRIAGE_PIPELINE;
    const responder = triageResponder(REPORT);

    it('each call has a line under its step as it ends; a named agent\'s calls one level deeper; the same under --json', async () => {
      fs.writeFileSync(path.join(dir, 'triage.pipeline.yaml'), PIPELINE);
      srv.responder = responder;
      const r = await run(['run', 'triage.pipeline.yaml']);
      assert.equal(r.code, 0, r.stderr);
      const expected = triageLines(`  ↳ filesystem.write {"path":"report.md","content":"# Report\\nThree bugs: a, b and c. Three bugs: a,… T`);
      assert.deepEqual(stepLines(r.stderr), expected);
      assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), REPORT);

      // --json: stdout is the document alone; the progress, these lines included, stays on stderr
      fs.rmSync(path.join(dir, 'report.md'));
      const j = await run(['run', 'triage.pipeline.yaml', '--json']);
      assert.equal(j.code, 0, j.stderr);
      assert.deepEqual(stepLines(j.stderr), expected);
      const doc = JSON.parse(j.stdout) as ResultDocument;
      const res = doc.steps.triage.result as AgentStepResult;
      assert.deepEqual(res.tool_calls.map((c) => [c.tool, c.status]), [['filesystem.read', 'error'], ['shell_exec', 'refused'], ['agent:summarizer', 'ok'], ['filesystem.write', 'ok']]);
      assert.equal(res.tool_calls[0].error, 'File not found: missing.txt');
    });

    it('orc report: the agent step turn by turn, as text and as data', async () => {
      fs.writeFileSync(path.join(dir, 'triage.pipeline.yaml'), PIPELINE);
      srv.responder = responder;
      const r = await run(['run', 'triage.pipeline.yaml', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as ResultDocument;
      const res = doc.steps.triage.result as AgentStepResult;
      const turns = res.transcript;

      const j = await run(['report', doc.execution_id, '--json'], false);
      assert.equal(j.code, 0, j.stderr);
      const report = JSON.parse(j.stdout) as { agents: Record<string, unknown>[]; suggestions: string[] };
      assert.equal(report.agents.length, 1);
      const a = report.agents[0];
      // the figures are the record's: each turn's latency, the calls' durations, summed
      assert.equal(a.model_ms, Math.round(turns.reduce((t, x) => t + x.latency_ms, 0) * 1000) / 1000);
      assert.equal(a.tools_ms, Math.round(res.tool_calls.reduce((t, x) => t + x.duration_ms, 0) * 1000) / 1000);
      assert.ok((a.model_ms as number) > 0 && (a.tools_ms as number) > 0);
      const summarizer = res.tool_calls[2].agent!;
      const price = (i: number) => turns[i].cost_usd;
      assert.deepEqual(timeless(a), {
        step: 'triage',
        status: 'completed',
        duration_ms: 0,
        error: null,
        stop_reason: 'answered',
        turns: 4,
        tool_calls: 4,
        model_ms: 0,
        tools_ms: 0,
        tokens_in: 111,
        tokens_out: 23,
        cost_usd: res.cost_usd,
        transcript: [
          { turn: 1, model: 'openai:gpt-4o-mini', latency_ms: 0, tokens_in: 10, tokens_out: 4, cost_usd: price(0), finish_reason: 'tool_calls', calls: [
            { id: res.tool_calls[0].id, tool: 'filesystem.read', status: 'error', duration_ms: 0, error: 'File not found: missing.txt' },
            { id: res.tool_calls[1].id, tool: 'shell_exec', status: 'refused', duration_ms: 0, error: "Refused: 'shell_exec' is not one of the tools you may call (filesystem_read, filesystem_write, agent__summarizer)." },
          ] },
          { turn: 2, model: 'openai:gpt-4o-mini', latency_ms: 0, tokens_in: 20, tokens_out: 3, cost_usd: price(1), finish_reason: 'tool_calls', calls: [
            { id: res.tool_calls[2].id, tool: 'agent:summarizer', status: 'ok', duration_ms: 0, agent: {
              stop_reason: 'answered', turns: 2, tool_calls: 1, model_ms: 0, tools_ms: 0, tokens_in: 11, tokens_out: 4, cost_usd: summarizer.cost_usd,
              transcript: [
                { turn: 1, model: 'openai:gpt-4o-mini', latency_ms: 0, tokens_in: 5, tokens_out: 2, cost_usd: summarizer.transcript[0].cost_usd, finish_reason: 'tool_calls', calls: [{ id: summarizer.tool_calls[0].id, tool: 'filesystem.read', status: 'ok', duration_ms: 0 }] },
                { turn: 2, model: 'openai:gpt-4o-mini', latency_ms: 0, tokens_in: 6, tokens_out: 2, cost_usd: summarizer.transcript[1].cost_usd, finish_reason: 'stop', calls: [] },
              ],
            } },
          ] },
          { turn: 3, model: 'openai:gpt-4o-mini', latency_ms: 0, tokens_in: 30, tokens_out: 9, cost_usd: price(2), finish_reason: 'tool_calls', calls: [{ id: res.tool_calls[3].id, tool: 'filesystem.write', status: 'ok', duration_ms: 0 }] },
          { turn: 4, model: 'openai:gpt-4o-mini', latency_ms: 0, tokens_in: 40, tokens_out: 3, cost_usd: price(3), finish_reason: 'stop', calls: [] },
        ],
      });
      assert.deepEqual(report.suggestions, []);

      const t = await run(['report', doc.execution_id], false);
      assert.equal(t.code, 0, t.stderr);
      const lines = t.stdout.split('\n');
      const from = lines.indexOf('Agents');
      assert.ok(from > 0, t.stdout);
      const usd = (x: number) => `$${x.toFixed(4)}`;
      assert.deepEqual(lines.slice(from, lines.indexOf('Suggestions') - 1).map(steady), [
        'Agents',
        `  triage: answered after 4 turns and 4 tool calls in T; T in the model, T in tools; 111+23 tokens, ${usd(res.cost_usd)}`,
        `    turn 1  openai:gpt-4o-mini T  10+4 tokens  ${usd(price(0))}  tool_calls`,
        '      ↳ filesystem.read  error T  File not found: missing.txt',
        "      ↳ shell_exec       refused T  Refused: 'shell_exec' is not one of the tools you may call (filesystem_read, filesystem_write, agent__summarizer).",
        `    turn 2  openai:gpt-4o-mini T  20+3 tokens  ${usd(price(1))}  tool_calls`,
        '      ↳ agent:summarizer  ok T',
        `          answered after 2 turns and 1 tool call; T in the model, T in tools; 11+4 tokens, ${usd(summarizer.cost_usd)}`,
        `          turn 1  openai:gpt-4o-mini T  5+2 tokens  ${usd(summarizer.transcript[0].cost_usd)}  tool_calls`,
        '            ↳ filesystem.read  ok T',
        `          turn 2  openai:gpt-4o-mini T  6+2 tokens  ${usd(summarizer.transcript[1].cost_usd)}  stop`,
        `    turn 3  openai:gpt-4o-mini T  30+9 tokens  ${usd(price(2))}  tool_calls`,
        '      ↳ filesystem.write  ok T',
        `    turn 4  openai:gpt-4o-mini T  40+3 tokens  ${usd(price(3))}  stop`,
      ]);
    });
  });

  describe('--replay-tools', () => {
    const PIPELINE = `id: writer
model: openai:gpt-4o-mini
steps:
  - id: writer
    action: agent
    tools: [filesystem.write]
    parameters:
      prompt: Write report.md
outputs:
  answer: "{{ writer.result.answer }}"
`;

    it('a replay with --replay-tools answers the calls from the cassette: the same result, no file written, no provider called', async () => {
      fs.writeFileSync(path.join(dir, 'writer.pipeline.yaml'), PIPELINE);
      srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [call('filesystem_write', { path: 'report.md', content: REPORT })], tokensIn: 12, tokensOut: 5 } : { text: 'Done.', tokensIn: 20, tokensOut: 1 });
      const rec = await run(['run', 'writer.pipeline.yaml', '--record', '--json']);
      assert.equal(rec.code, 0, rec.stderr);
      assert.equal(srv.requests.length, 2);
      const report = path.join(dir, 'report.md');
      assert.equal(fs.readFileSync(report, 'utf8'), REPORT);
      const cassette = fs.readFileSync(path.join(dir, 'writer.pipeline.cassette.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { request: { kind: string; model: string } });
      assert.deepEqual(cassette.map((l) => l.request.kind).sort(), ['chat', 'chat', 'tool']);
      const recorded = JSON.parse(rec.stdout) as ResultDocument;

      fs.rmSync(report);
      await srv.stop(); // a call to the provider now fails the step; and the replay has no key
      const rep = await run(['run', 'writer.pipeline.yaml', '--replay', '--replay-tools', '--json'], false);
      assert.equal(rep.code, 0, rep.stderr);
      assert.equal(fs.existsSync(report), false, 'no tool ran');
      const replayed = JSON.parse(rep.stdout) as ResultDocument;
      assert.deepEqual(timeless(replayed.steps.writer), timeless(recorded.steps.writer));
      assert.deepEqual(replayed.outputs, { answer: 'Done.' });
      assert.deepEqual(stepLines(rep.stderr, 'writer'), ['▶ writer', `  ↳ filesystem.write {"path":"report.md","content":"# Report\\nThree bugs: a, b and c. Three bugs: a,… T`, '✓ writer T; 2 turns, 1 tool call']);

      // without --replay-tools the model's answers replay and the tools run for real
      const live = await run(['run', 'writer.pipeline.yaml', '--replay', '--json'], false);
      assert.equal(live.code, 0, live.stderr);
      assert.equal(fs.readFileSync(report, 'utf8'), REPORT);
      assert.deepEqual(timeless((JSON.parse(live.stdout) as ResultDocument).steps.writer), timeless(recorded.steps.writer));
    });

    it('--replay-tools goes only with --replay', async () => {
      fs.writeFileSync(path.join(dir, 'writer.pipeline.yaml'), PIPELINE);
      for (const args of [['--replay-tools'], ['--record', '--replay-tools']]) {
        const r = await run(['run', 'writer.pipeline.yaml', ...args]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^orc: --replay-tools goes with --replay$/m);
      }
      assert.equal(srv.requests.length, 0);
      assert.equal(fs.existsSync(path.join(dir, 'report.md')), false);
    });
  });

  describe('approvals', () => {
    /** `approve: true` on the step's own entry, or (`named`) only on a named agent's. */
    const pipeline = (named: boolean) => `id: gated
model: openai:gpt-4o-mini
${named ? 'agents:\n  scribe:\n    description: Writes files.\n    instructions: You write files.\n    tools: [{filesystem.write: {approve: true}}]\n' : ''}steps:
  - id: gated
    action: agent
    tools: [${named ? '{agent: scribe}' : '{filesystem.write: {approve: true}}'}]
    parameters:
      prompt: Write report.md
`;
    const writeArgs = { path: 'report.md', content: 'approved text' };
    const writeLine = (tail: string) => `  ↳ filesystem.write {"path":"report.md","content":"approved text"} T${tail}`;
    beforeEach(() => {
      srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [call('filesystem_write', writeArgs)] } : { text: 'Finished.' });
      fs.writeFileSync(path.join(dir, 'gated.pipeline.yaml'), pipeline(false));
    });
    const callOf = (stdout: string) => (JSON.parse(stdout) as ResultDocument).steps.gated.result as AgentStepResult;
    /** What the model was told of the call (the second request's tool message). */
    const told = () => ((srv.requests[1].body.messages as { role: string; content: string }[]).find((m) => m.role === 'tool')?.content ?? '');

    it('-i STEP=deny: the call is denied, in the result and on stderr, and the file is not written', async () => {
      const r = await run(['run', 'gated.pipeline.yaml', '-i', 'gated=deny', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const c = callOf(r.stdout).tool_calls[0];
      assert.deepEqual([c.status, c.error], ['denied', 'The call was denied by the person running the pipeline (-i gated=deny).']);
      assert.equal(told(), 'Error: The call was denied by the person running the pipeline (-i gated=deny).');
      assert.deepEqual(stepLines(r.stderr, 'gated'), ['▶ gated', writeLine(' ✗ denied by the person running the pipeline (-i gated=deny)'), '✓ gated T; 2 turns, 1 tool call']);
      assert.equal(fs.existsSync(path.join(dir, 'report.md')), false);
    });

    it('--yes approves the call', async () => {
      const r = await run(['run', 'gated.pipeline.yaml', '--yes', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(callOf(r.stdout).tool_calls[0].status, 'ok');
      assert.deepEqual(stepLines(r.stderr, 'gated'), ['▶ gated', writeLine(''), '✓ gated T; 2 turns, 1 tool call']);
      assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), 'approved text');
    });

    it('nothing given and no terminal: the call is denied, with the reason', async () => {
      const r = await run(['run', 'gated.pipeline.yaml', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const why = "denied: it needs a person's approval and no one could be asked (answer it ahead with -i STEP_ID=approve, pass --yes, or run in a terminal)";
      assert.equal(callOf(r.stdout).tool_calls[0].error, `The call was ${why}.`);
      assert.deepEqual(stepLines(r.stderr, 'gated'), ['▶ gated', writeLine(` ✗ ${why}`), '✓ gated T; 2 turns, 1 tool call']);
      assert.equal(fs.existsSync(path.join(dir, 'report.md')), false);
    });

    it("a step whose named agent has the approve: true entry asks too: -i STEP=approve answers the agent's call", async () => {
      fs.writeFileSync(path.join(dir, 'gated.pipeline.yaml'), pipeline(true));
      srv.responder = (body) => {
        const scribe = (body.messages as { role: string; content: string }[])[0].content === 'You write files.';
        if (scribe) return turnOf(body) === 0 ? { toolCalls: [call('filesystem_write', writeArgs)] } : { text: 'Written.' };
        return turnOf(body) === 0 ? { toolCalls: [call('agent__scribe', { prompt: 'Write report.md' })] } : { text: 'Finished.' };
      };
      const r = await run(['run', 'gated.pipeline.yaml', '-i', 'gated=approve', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const scribe = callOf(r.stdout).tool_calls[0].agent!;
      assert.deepEqual(scribe.tool_calls.map((c) => [c.tool, c.status]), [['filesystem.write', 'ok']]);
      assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), 'approved text');
      assert.deepEqual(stepLines(r.stderr, 'gated'), ['▶ gated', '  ↳ agent:scribe {"prompt":"Write report.md"}', `  ${writeLine('')}`, '  ↳ agent:scribe T (2 turns, 1 tool call)', '✓ gated T; 2 turns, 1 tool call']);
    });
  });
});

describe('orc report: agent steps in a loop, and what their figures suggest', () => {
  it('finds an agent step in a loop iteration, keeps turns the transcript left out apart, and suggests what its stop and its calls say', () => {
    const refused = (id: string, turn: number) => ({ id, tool: 'shell_exec', arguments: {}, error: "Refused: 'shell_exec' is not one of the tools you may call (filesystem_read).", status: 'refused' as const, duration_ms: 0, turn });
    const agent: AgentStepResult = {
      answer: null,
      stop_reason: 'max_turns',
      turns: 3,
      tool_calls: [refused('c1', 1), refused('c2', 1), refused('c3', 2), refused('c9', 3)],
      tool_calls_omitted: 2,
      transcript: [
        { turn: 1, model: 'openai:gpt-4o-mini', text: '', tool_calls: ['c1', 'c2'], tokens_in: 10, tokens_out: 2, cost_usd: 0.001, latency_ms: 100, finish_reason: 'tool_calls' },
        { turn: 2, model: 'openai:gpt-4o-mini', text: '', tool_calls: ['c3'], tokens_in: 20, tokens_out: 2, cost_usd: 0.002, latency_ms: 200, finish_reason: 'tool_calls' },
      ],
      transcript_omitted: 1,
      tokens_in: 45,
      tokens_out: 6,
      cost_usd: 0.0045,
    };
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString();
    const step = (result: unknown, extra: object = {}) => ({ status: 'failed', success: false, result, error: 'limit', error_type: 'AgentLimitError', timed_out: false, attempts: 1, retries: 0, started_at: at(0), ended_at: at(900), duration_ms: 900, model: null, tokens_in: 0, tokens_out: 0, cost_usd: 0, ...extra });
    const doc = {
      pipeline_id: 'p', execution_id: 'e', status: 'failed', success: false, outputs: {},
      steps: { each: step(null, { iterations: [{ index: 0, item: 'a', status: 'failed', steps: { ask: step(agent) } }] }) },
      execution_order: ['each'], execution_levels: [['each']], failed_steps: ['each'], skipped_steps: [],
      started_at: at(0), ended_at: at(1000), duration_ms: 1000, tokens_in: 0, tokens_out: 0, cost_usd: 0,
    } as unknown as ResultDocument;
    const r = buildReport({ doc, deps: null, maxParallel: 4, widestLevel: 1 });
    assert.equal(r.agents.length, 1);
    const a = r.agents[0];
    assert.deepEqual([a.step, a.status, a.stop_reason, a.turns, a.tool_calls, a.model_ms, a.tools_ms, a.turns_omitted, a.calls_omitted], ['each[0]/ask', 'failed', 'max_turns', 3, 6, 300, 0, 1, 2]);
    assert.deepEqual(a.transcript.map((t) => [t.turn, t.calls.map((c) => c.id)]), [[1, ['c1', 'c2']], [2, ['c3']]]);
    assert.deepEqual(a.calls_without_turn?.map((c) => c.id), ['c9']);
    assert.deepEqual(r.suggestions, [
      "Agent step 'each[0]/ask' stopped at its max_turns limit after 3 turns: raise max_turns, or narrow its task or its tools.",
      "Agent step 'each[0]/ask': 4 of its 4 tool calls failed or were refused: its instructions or the tools' descriptions may not say enough.",
    ]);
  });
});
