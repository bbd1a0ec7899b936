// The agent steps' "done when" scenarios, each on real servers: the loopback provider server speaking
// OpenAI's, Anthropic's and Gemini's wires (one for the whole file), MCP servers over stdio started
// by the run as a user's pipeline declares them (`node --import tsx test/fixtures/mcp/echoServer.ts`),
// and the built CLI. The pipelines, files and data are in test/fixtures/agents/.
//  1. an agent reads a file and calls an MCP tool in one turn, then writes a file from both: the
//     same result, file and server calls on every wire, streaming or not;
//  2. a call outside the allow-list is refused, has no effect, and the run goes on;
//  3. `max_turns` fails the step (exit 1 through `orc run`), or with `on_limit: answer` ends it
//     with the last answer;
//  4. the ground-truth arguments of a real function-calling data set (the Berkeley Function Calling
//     Leaderboard, test/fixtures/agents/bfcl/) reach an MCP server intact on every wire.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { analyze, createModelRunner, runPipeline } from '../../../engine/api/index';
import type { AgentStepResult } from '../../../engine/agent/types';
import type { RunEvent } from '../../../engine/run/events';
import { LoopbackProviders, type Scripted } from '../../fixtures/providers/loopbackServer';
import { loadBfcl, type BfclEntry } from '../../fixtures/agents/bfcl';
import { callId, carriedMessages, declaredTools, lastMessages, loopbackEnv, MODEL, offersTools, resultsOf, streamed, turnOf, WIRES, type Declared, type ExpectedResult, type Wire } from '../../fixtures/agents/wires';
import { CLI, orcAsync, ROOT } from '../../helpers/cli';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'agents');
const NOTES = fs.readFileSync(path.join(FIXTURES, 'notes.md'), 'utf8');
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * A folder laid out as a user's project: the given fixtures copied in and, for the pipelines that
 * start the MCP fixture server with `node --import tsx test/fixtures/mcp/...`, the repository's
 * `node_modules` and `test` linked in (as a project's own install and sources would be).
 */
function workspace(files: string[], mcp = false): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-agent-scenarios-'));
  for (const f of files) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  if (mcp) {
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    fs.symlinkSync(path.join(ROOT, 'test'), path.join(dir, 'test'));
  }
  return dir;
}

/** What is left of a result once ids, durations and costs are set aside: what must be equal on every wire. */
function comparable(r: AgentStepResult) {
  return {
    answer: r.answer,
    stop_reason: r.stop_reason,
    turns: r.turns,
    tool_calls: r.tool_calls.map(({ id: _id, duration_ms: _ms, ...c }) => c),
    transcript: r.transcript.map((t) => ({ turn: t.turn, text: t.text, calls: t.tool_calls.length, tokens_in: t.tokens_in, tokens_out: t.tokens_out, ...(t.kind ? { kind: t.kind } : {}) })),
    tokens_in: r.tokens_in,
    tokens_out: r.tokens_out,
  };
}

/** Each turn of the transcript names exactly the calls of that turn, and every turn is the wire's model. */
function assertTranscriptMatchesCalls(r: AgentStepResult, model: string): void {
  for (const t of r.transcript) {
    assert.equal(t.model, model);
    assert.deepEqual(t.tool_calls, r.tool_calls.filter((c) => c.turn === t.turn).map((c) => c.id), `turn ${t.turn}`);
  }
}

describe('agent scenarios on the three providers\' wires, with real MCP servers', function () {
  let models: LoopbackProviders;
  /** What a responder could not make of a request (the model answers 400 instead): must stay empty. */
  let modelErrors: string[];
  const dirs: string[] = [];

  before(async () => {
    models = await new LoopbackProviders().start();
  });
  after(async () => {
    await models.stop();
  });
  beforeEach(() => {
    modelErrors = [];
    models.responder = null;
  });
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** The loopback model answering with `answer`; a request it cannot read is a 400 and an entry in modelErrors. */
  function play(answer: (body: Record<string, unknown>) => Scripted): void {
    models.responder = (body) => {
      try {
        return answer(body);
      } catch (e) {
        modelErrors.push((e as Error).stack ?? String(e));
        return { status: 400, errorBody: { error: { message: `the test's model could not answer: ${(e as Error).message}` } } };
      }
    };
  }

  /** Runs a fixture pipeline (copied into `dir`) in this process, against the loopback server. */
  async function run(dir: string, file: string, opts: { inputs?: Record<string, unknown>; defaultModel?: string } = {}) {
    const pipelineFile = path.join(dir, file);
    if (!fs.existsSync(pipelineFile)) fs.copyFileSync(path.join(FIXTURES, file), pipelineFile);
    const source = fs.readFileSync(pipelineFile, 'utf8');
    const analysis = analyze(source);
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const events: RunEvent[] = [];
    const from = models.requests.length;
    const doc = await runPipeline(analysis, { cwd: dir, source, pipelineFile, inputs: opts.inputs, defaultModel: opts.defaultModel, models: createModelRunner({ env: loopbackEnv(models.origin) }), listeners: [(e) => events.push(e)], checkpoint: false });
    assert.deepEqual(modelErrors, []);
    return { doc, events, requests: models.requests.slice(from) };
  }

  describe('1. read a file and call an MCP tool at once, then write a file from both: the same on every wire', () => {
    const LOOKUP_ARGS = { key: 'ORC-101', fields: ['owner', 'state'], history: { since: '2024-05-01', limit: 3 } };
    const READ_RESULT = { content: NOTES, size: bytes(NOTES), path: 'notes.md' };
    const ECHO = JSON.stringify({ tool: 'lookup', arguments: LOOKUP_ARGS });
    const LOOKUP_RESULT = { content: [{ type: 'text', text: ECHO }], text: ECHO, structured: null };
    const REPORT = `# Report on ORC-101\n\n${NOTES}\n## Ticket\n\n${ECHO}\n`;
    const WRITE_RESULT = { path: 'report.md', size: bytes(REPORT) };
    const ANSWER = 'Wrote report.md from the notes and the ticket.';

    /** Turn 1: both calls at once; turn 2: the report built from what the request carried back; turn 3: the answer. */
    const triageModel = (wire: Wire) => (body: Record<string, unknown>): Scripted => {
      const turn = turnOf(wire, body);
      if (turn === 1) return { text: 'Reading the notes and looking the ticket up.', toolCalls: [{ id: callId(wire, 1, 0), name: 'filesystem_read', arguments: { path: 'notes.md' } }, { id: callId(wire, 1, 1), name: 'mcp__tickets__lookup', arguments: LOOKUP_ARGS }] };
      if (turn === 2) {
        const [notes, ticket] = resultsOf(wire, body);
        const content = `# Report on ORC-101\n\n${(JSON.parse(notes.content) as { content: string }).content}\n## Ticket\n\n${(JSON.parse(ticket.content) as { text: string }).text}\n`;
        return { toolCalls: [{ id: callId(wire, 2, 0), name: 'filesystem_write', arguments: { path: 'report.md', content } }] };
      }
      return { text: ANSWER };
    };

    const EXPECTED = {
      answer: ANSWER,
      stop_reason: 'answered',
      turns: 3,
      tool_calls: [
        { tool: 'filesystem.read', arguments: { path: 'notes.md' }, result: READ_RESULT, status: 'ok', turn: 1 },
        { tool: 'mcp:tickets.lookup', arguments: LOOKUP_ARGS, result: LOOKUP_RESULT, status: 'ok', turn: 1 },
        { tool: 'filesystem.write', arguments: { path: 'report.md', content: REPORT }, result: WRITE_RESULT, status: 'ok', turn: 2 },
      ],
      transcript: [
        { turn: 1, text: 'Reading the notes and looking the ticket up.', calls: 2, tokens_in: 11, tokens_out: 7 },
        { turn: 2, text: '', calls: 1, tokens_in: 11, tokens_out: 7 },
        { turn: 3, text: ANSWER, calls: 0, tokens_in: 11, tokens_out: 7 },
      ],
      tokens_in: 33,
      tokens_out: 21,
    };

    for (const wire of WIRES) {
      for (const stream of [true, false]) {
        it(`${wire}, ${stream ? 'streaming' : 'not streaming'}: the report, the result, the MCP server's calls and the results carried back`, async () => {
          const dir = workspace(['notes.md'], true);
          dirs.push(dir);
          play(triageModel(wire));
          const { doc, events, requests } = await run(dir, `triage.${wire}.pipeline.yaml`, { inputs: { stream } });

          assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), REPORT);
          const step = doc.steps.triage;
          assert.equal(step.status, 'completed', String(step.error));
          assert.equal(doc.outputs.answer, ANSWER);
          const result = step.result as AgentStepResult;
          assert.deepEqual(comparable(result), EXPECTED);
          assertTranscriptMatchesCalls(result, MODEL[wire]);
          assert.deepEqual([step.tokens_in, step.tokens_out], [33, 21]);
          // the MCP server got exactly the model's arguments, once
          const served = fs.readFileSync(path.join(dir, 'mcp-calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
          assert.deepEqual(served, [{ tool: 'lookup', arguments: LOOKUP_ARGS }]);
          // both calls of turn 1 were under way at once
          const callEvents = events.filter((e) => e.type === 'tool-call-started' || e.type === 'tool-call-ended').map((e) => e.type);
          assert.deepEqual(callEvents, ['tool-call-started', 'tool-call-started', 'tool-call-ended', 'tool-call-ended', 'tool-call-started', 'tool-call-ended']);

          // three model calls, streamed or not as asked; the second carried both results back, the third the write's
          assert.equal(requests.length, 3);
          assert.deepEqual(requests.map((r) => streamed(wire, r)), [stream, stream, stream]);
          const [read, lookup, write] = result.tool_calls;
          const back = (c: typeof read, name: string, content: unknown): ExpectedResult => ({ ...(wire === 'google' ? {} : { id: c.id }), name, content: JSON.stringify(content) });
          if (wire !== 'google') assert.deepEqual([read.id, lookup.id, write.id], [callId(wire, 1, 0), callId(wire, 1, 1), callId(wire, 2, 0)]);
          assert.deepEqual(lastMessages(wire, requests[1].body, 2), carriedMessages(wire, [back(read, 'filesystem_read', READ_RESULT), back(lookup, 'mcp__tickets__lookup', LOOKUP_RESULT)]));
          assert.deepEqual(lastMessages(wire, requests[2].body, 1), carriedMessages(wire, [back(write, 'filesystem_write', WRITE_RESULT)]));
        });
      }
    }
  });

  describe('2. a call outside the allow-list is refused, with no side effect, and the run goes on', () => {
    const KEEP = 'Quarterly numbers: 4, 8, 15.\n';
    const REFUSED = (name: string) => `Refused: '${name}' is not one of the tools you may call (filesystem_read, filesystem_write).`;

    for (const wire of WIRES) {
      it(`${wire}: filesystem.delete and terminal.execute are refused, the file stays, no marker is written`, async () => {
        const dir = workspace([]);
        dirs.push(dir);
        fs.writeFileSync(path.join(dir, 'keep.txt'), KEEP);
        play((body) => {
          const turn = turnOf(wire, body);
          if (turn === 1) return { toolCalls: [{ id: callId(wire, 1, 0), name: 'filesystem_delete', arguments: { path: 'keep.txt' } }, { id: callId(wire, 1, 1), name: 'terminal_execute', arguments: { command: 'touch marker.txt' } }] };
          if (turn === 2) return { toolCalls: [{ id: callId(wire, 2, 0), name: 'filesystem_read', arguments: { path: 'keep.txt' } }] };
          return { text: 'keep.txt is still there; I may not delete files or run commands.' };
        });
        const { doc, requests } = await run(dir, 'refuse.pipeline.yaml', { defaultModel: MODEL[wire] });

        assert.equal(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8'), KEEP);
        assert.equal(fs.existsSync(path.join(dir, 'marker.txt')), false);
        const step = doc.steps.tidy;
        assert.equal(step.status, 'completed', String(step.error));
        assert.equal(doc.success, true);
        const result = step.result as AgentStepResult;
        assert.deepEqual(comparable(result), {
          answer: 'keep.txt is still there; I may not delete files or run commands.',
          stop_reason: 'answered',
          turns: 3,
          tool_calls: [
            { tool: 'filesystem_delete', arguments: { path: 'keep.txt' }, error: REFUSED('filesystem_delete'), status: 'refused', turn: 1 },
            { tool: 'terminal_execute', arguments: { command: 'touch marker.txt' }, error: REFUSED('terminal_execute'), status: 'refused', turn: 1 },
            { tool: 'filesystem.read', arguments: { path: 'keep.txt' }, result: { content: KEEP, size: bytes(KEEP), path: 'keep.txt' }, status: 'ok', turn: 2 },
          ],
          transcript: [
            { turn: 1, text: '', calls: 2, tokens_in: 11, tokens_out: 7 },
            { turn: 2, text: '', calls: 1, tokens_in: 11, tokens_out: 7 },
            { turn: 3, text: 'keep.txt is still there; I may not delete files or run commands.', calls: 0, tokens_in: 11, tokens_out: 7 },
          ],
          tokens_in: 33,
          tokens_out: 21,
        });
        // the model was told, as an error result of each call
        const [del, exec] = result.tool_calls;
        const ids = (c: typeof del) => (wire === 'google' ? {} : { id: c.id });
        assert.deepEqual(lastMessages(wire, requests[1].body, 2), carriedMessages(wire, [{ ...ids(del), name: 'filesystem_delete', content: REFUSED('filesystem_delete'), isError: true }, { ...ids(exec), name: 'terminal_execute', content: REFUSED('terminal_execute'), isError: true }]));
        // and was never offered either tool
        assert.deepEqual(declaredTools(wire, requests[0].body).map((d) => d.name), ['filesystem_read', 'filesystem_write']);
      });
    }
  });

  describe('3. max_turns ends a model that never stops calling tools, through `orc run`', () => {
    const FINAL = 'notes.md holds the standup notes about ORC-101.';
    const READ = { content: NOTES, size: bytes(NOTES), path: 'notes.md' };
    const LAST_TURN = 'Not run: this was the last turn the agent may take (max_turns).';

    before(function () {
      assert.ok(fs.existsSync(CLI), `${CLI} is missing: build it with \`node esbuild.mjs\``);
    });

    async function orcRun(file: string) {
      const dir = workspace([file, 'notes.md']);
      dirs.push(dir);
      // it reads notes.md on every turn it is offered tools; asked without tools, it answers
      play((body) => {
        const turn = turnOf('openai', body);
        return offersTools('openai', body) ? { toolCalls: [{ id: callId('openai', turn, 0), name: 'filesystem_read', arguments: { path: 'notes.md' } }] } : { text: FINAL };
      });
      const from = models.requests.length;
      const r = await orcAsync(['run', file, '--json'], { cwd: dir, isolated: true, env: { HOME: dir, ORC_MCP_CONFIG: '', ...loopbackEnv(models.origin) } });
      assert.deepEqual(modelErrors, []);
      return { ...r, doc: JSON.parse(r.stdout) as { success: boolean; failed_steps: string[]; outputs: Record<string, unknown>; steps: Record<string, { status: string; error: string | null; error_type: string | null; result: AgentStepResult }> }, requests: models.requests.slice(from) };
    }

    const threeTurns = [
      { tool: 'filesystem.read', arguments: { path: 'notes.md' }, result: READ, status: 'ok', turn: 1 },
      { tool: 'filesystem.read', arguments: { path: 'notes.md' }, result: READ, status: 'ok', turn: 2 },
      { tool: 'filesystem.read', arguments: { path: 'notes.md' }, error: LAST_TURN, status: 'refused', turn: 3 },
    ];

    it('on_limit: fail (the default): the step fails with AgentLimitError naming max_turns, its result the 3 turns, and the run exits 1', async () => {
      const { code, stderr, doc, requests } = await orcRun('limit.pipeline.yaml');
      const message = "Agent step 'dig' stopped at its limit: max_turns (3 model calls) reached before it answered (3 turns, 3 tool calls, 54 tokens, $0.0000)";
      assert.equal(code, 1, stderr);
      assert.equal(doc.success, false);
      assert.deepEqual(doc.failed_steps, ['dig']);
      const step = doc.steps.dig;
      assert.deepEqual([step.status, step.error_type, step.error], ['failed', 'AgentLimitError', message]);
      assert.deepEqual(comparable(step.result), {
        answer: null,
        stop_reason: 'max_turns',
        turns: 3,
        tool_calls: threeTurns,
        transcript: [1, 2, 3].map((turn) => ({ turn, text: '', calls: 1, tokens_in: 11, tokens_out: 7 })),
        tokens_in: 33,
        tokens_out: 21,
      });
      assert.match(stderr, new RegExp(`✗ dig failed: AgentLimitError: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      // three model calls and no fourth
      assert.equal(requests.length, 3);
    });

    it('on_limit: answer: one last call without tools, and the step completes with its answer and stop_reason max_turns', async () => {
      const { code, stderr, doc, requests } = await orcRun('limit-answer.pipeline.yaml');
      assert.equal(code, 0, stderr);
      const step = doc.steps.dig;
      assert.equal(step.status, 'completed');
      assert.equal(doc.outputs.answer, FINAL);
      assert.deepEqual(comparable(step.result), {
        answer: FINAL,
        stop_reason: 'max_turns',
        turns: 4,
        tool_calls: threeTurns,
        transcript: [...[1, 2, 3].map((turn) => ({ turn, text: '', calls: 1, tokens_in: 11, tokens_out: 7 })), { turn: 4, text: FINAL, calls: 0, tokens_in: 11, tokens_out: 7, kind: 'final' }],
        tokens_in: 44,
        tokens_out: 28,
      });
      assert.equal(requests.length, 4);
      const last = requests[3].body;
      assert.equal(last.tools, undefined);
      const msgs = last.messages as { role: string; content: string }[];
      assert.deepEqual(msgs.slice(-2), [
        { role: 'tool', tool_call_id: callId('openai', 3, 0), content: `Error: ${LAST_TURN}` },
        { role: 'user', content: "You have reached this task's limit: max_turns (3 model calls). No more tools can be called. Give your final answer now, from what you have found." },
      ]);
    });
  });

  describe('4. a real function-calling data set\'s arguments reach the MCP server intact (BFCL sample)', () => {
    const entries = loadBfcl();
    /** Entries whose ground truth does not satisfy the function's own schema, and what our validation answers. */
    const DATASET_INVALID: Record<string, string> = {
      // "5 minutes" is not one of the function's enum values
      'live_multiple_947-197-0': `Not run: 'duration' must be one of ["1 hour","30 minutes","1 hour 30 minutes","45 minutes","2 hours"] (the schema of mcp__echo__set_countdown).`,
      // the ground truth leaves out 'fuel_efficiency', which the function requires
      simple_python_200: "Not run: the arguments must have 'fuel_efficiency' (the schema of mcp__echo__calculate_emissions).",
    };
    const valid = entries.filter((e) => !(e.id in DATASET_INVALID));
    const tools = entries.flatMap((e) => e.tools);
    const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
    const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0));

    it('the sample is what its README says: 62 entries, 81 calls, every function name unique, the two invalid ones present', () => {
      assert.equal(entries.length, 62);
      assert.equal(entries.reduce((n, e) => n + e.calls.length, 0), 81);
      assert.equal(new Set(tools.map((t) => t.name)).size, tools.length);
      for (const id of Object.keys(DATASET_INVALID)) assert.ok(entries.some((e) => e.id === id), id);
      assert.ok(tools.some((t) => t.name === 'math.factorial'));
    });

    /** Each function's wire name: the declaration with its description and exactly its converted schema. */
    function wireNames(declared: Declared[]): Map<string, string> {
      const out = new Map<string, string>();
      for (const t of tools) {
        const found = declared.filter((d) => d.description === t.description && isDeepStrictEqual(d.parameters, t.inputSchema));
        if (found.length !== 1) throw new Error(`${t.name} is declared ${found.length} times as the data set wrote it`);
        out.set(t.name, found[0].name);
      }
      return out;
    }

    for (const wire of WIRES) {
      it(`${wire}: each entry's ground-truth calls in one turn; the server receives every argument object deep-equal`, async () => {
        const dir = workspace([], true);
        dirs.push(dir);
        fs.writeFileSync(path.join(dir, 'bfcl.tools.json'), JSON.stringify(tools));
        let names: Map<string, string> | null = null;
        play((body) => {
          const turn = turnOf(wire, body);
          names ??= wireNames(declaredTools(wire, body));
          const e: BfclEntry | undefined = entries[turn - 1];
          if (!e) return { text: `Called the functions of ${entries.length} questions.` };
          return { toolCalls: e.calls.map((c, i) => ({ id: callId(wire, turn, i), name: names!.get(c.name)!, arguments: c.arguments })) };
        });
        const { doc, requests } = await run(dir, `bfcl.${wire}.pipeline.yaml`);

        const step = doc.steps.calls;
        assert.equal(step.status, 'completed', String(step.error));
        const result = step.result as AgentStepResult;
        assert.deepEqual([result.stop_reason, result.turns, result.tool_calls.length], ['answered', entries.length + 1, 81]);
        // the server received exactly the valid entries' calls, each argument object deep-equal to the data set's
        const served = fs.readFileSync(path.join(dir, 'mcp-calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
        const expected = valid.flatMap((e) => e.calls.map((c) => ({ tool: c.name, arguments: c.arguments })));
        assert.equal(served.length, expected.length);
        assert.deepStrictEqual(sorted(served), sorted(expected));
        // the result names each call as the allow-list spells it (dots kept), with the arguments and what the server said
        let k = 0;
        for (const e of entries) {
          for (const c of e.calls) {
            const call = result.tool_calls[k++];
            assert.equal(call.tool, `mcp:echo.${c.name}`, e.id);
            assert.deepStrictEqual(call.arguments, c.arguments, e.id);
            if (e.id in DATASET_INVALID) assert.deepEqual({ status: call.status, error: call.error }, { status: 'error', error: DATASET_INVALID[e.id] }, e.id);
            else {
              assert.equal(call.status, 'ok', `${e.id}: ${call.error}`);
              assert.deepStrictEqual(JSON.parse((call.result as { text: string }).text), { tool: c.name, arguments: c.arguments }, e.id);
            }
          }
        }
        // every wire name is one all three providers take; dotted and over-long names were mapped, reversibly
        const wire1 = declaredTools(wire, requests[0].body).map((d) => d.name);
        assert.equal(wire1.length, tools.length);
        for (const n of wire1) assert.match(n, /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/);
        assert.equal(names!.get('math.factorial'), 'mcp__echo__math_factorial');
        assert.equal(new Set(names!.values()).size, tools.length);
      });
    }
  });
});
