// Eval assertions on an agent step's trajectory (tool_called with args, tool_not_called,
// tool_sequence, max_turns, max_tool_calls): what the eval file's analysis says of them, with exact
// ranges, and their exact results on real eval runs of an agent step against the loopback OpenAI
// server — a step that answered, and one that failed at its max_turns limit — and `orc eval
// --record` then `--replay` (with and without --replay-tools) giving the same verdicts offline.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { loopbackEnv, tempDir } from '../../helpers/agentRun';
import { orcAsync } from '../../helpers/cli';
import { analyzeEval } from '../../../engine/eval/evalAnalysis';
import { runEval } from '../../../engine/eval/evalRunner';
import type { CaseResult } from '../../../engine/eval/evalRecord';
import { createModelRunner } from '../../../engine/models/index';
import { parseEvalArgs, evalCassette } from '../../../engine/cli/evalCommand';
import { evalCompletions } from '../../../server/evalCompletion';
import { runAssertion } from '../../../engine/eval/assertions';
import { EvalSink, readAssertion } from '../../../engine/eval/evalFile';
import { parseYaml } from '../../../engine/parse/yamlDocument';
import { emptyStepResult, type AgentStepResult, type AgentToolCall, type ResultDocument } from '../../../engine/run/events';
import { NO_MODELS } from '../../../engine/models/modelRunner';

const PIPELINE = `id: triage
model: openai:gpt-4o-mini
parameters:
  notes: {type: string, default: notes.txt}
agents:
  checker:
    instructions: You check reports.
    tools: []
steps:
  - id: outline
    action: generate
    parameters: {prompt: Outline the work}
  - id: triage
    action: agent
    tools: [filesystem.read, filesystem.write, agent:checker]
    max_turns: 4
    parameters:
      prompt: "Read {{ notes }} and write report.md"
outputs:
  answer: "{{ triage.result.answer }}"
`;

/** The model of the loopback server: reads the notes (and asks for a shell it was not given), writes the report and has it checked, then answers; the checker agent answers at once. */
function triageModel(body: Record<string, unknown>) {
  const msgs = body.messages as { role: string; content: string | null }[];
  if (msgs[0].role === 'system' && msgs[0].content === 'You check reports.') return { text: 'The report looks complete.' };
  if (msgs[0].role === 'user' && msgs[0].content === 'Outline the work') return { text: 'An outline.' };
  if (/^Loop/.test(msgs[0].content ?? '')) return { toolCalls: [{ name: 'filesystem_read', arguments: { path: 'notes.txt' } }] };
  const turn = msgs.filter((m) => m.role === 'assistant').length;
  if (turn === 0) return { toolCalls: [{ name: 'filesystem_read', arguments: { path: 'notes.txt' } }, { name: 'shell_exec', arguments: { cmd: 'rm -rf /' } }] };
  if (turn === 1) return { toolCalls: [{ name: 'filesystem_write', arguments: { path: 'report.md', content: '# Report\nthree bugs' } }, { name: 'agent__checker', arguments: { prompt: 'Check report.md' } }] };
  return { text: 'Wrote report.md' };
}

const EVAL = `pipeline: triage.pipeline.yaml
cases:
  - id: one
    report: report.md
assert:
  - step: triage
    tool_called: filesystem.read
  - step: triage
    tool_called: filesystem.write
    args: {path: "{{ case.report }}"}
  - step: triage
    tool_called: filesystem.write
    args: {path: other.md}
  - step: triage
    tool_called: agent:checker
    args: {prompt: Check report.md}
  - step: triage
    tool_called: shell.exec
  - step: triage
    tool_not_called: shell.exec
  - step: triage
    tool_not_called: filesystem.write
  - step: triage
    tool_sequence: [filesystem.read, filesystem.write]
  - step: triage
    tool_sequence: [filesystem.write, filesystem.read]
  - step: triage
    max_turns: 3
  - step: triage
    max_turns: 2
  - step: triage
    max_tool_calls: 4
  - step: triage
    max_tool_calls: 2
`;

const CALLS = ['filesystem.read', 'shell_exec (refused)', 'filesystem.write', 'agent:checker'];
const WRITE = 'filesystem.write {"path":"report.md","content":"# Report\\nthree bugs"}';
const ok = (kind: string, line: number, expected: unknown, actual: unknown) => ({ kind, target: 'step triage', line, expected, actual, pass: true, status: 'pass', score: 1, reason: '' });
const bad = (kind: string, line: number, expected: unknown, actual: unknown, reason: string) => ({ kind, target: 'step triage', line, expected, actual, pass: false, status: 'fail', score: 0, reason });

/** Every assertion's result of the eval's run, in the order of the eval file. */
const EXPECTED = [
  ok('tool_called', 5, 'filesystem.read', CALLS),
  ok('tool_called', 7, 'filesystem.write {"path":"report.md"}', ['filesystem.read', 'shell_exec (refused)', WRITE, 'agent:checker']),
  bad('tool_called', 10, 'filesystem.write {"path":"other.md"}', ['filesystem.read', 'shell_exec (refused)', WRITE, 'agent:checker'], 'filesystem.write ran once, never with {"path":"other.md"}: \'path\' is "report.md", not "other.md"'),
  ok('tool_called', 13, 'agent:checker {"prompt":"Check report.md"}', ['filesystem.read', 'shell_exec (refused)', 'filesystem.write', 'agent:checker {"prompt":"Check report.md"}']),
  bad('tool_called', 16, 'shell.exec', CALLS, "shell.exec was asked for once but never ran: refused (Refused: 'shell_exec' is not one of the tools you may call (filesystem_read, filesystem_write, agent__checker).)"),
  ok('tool_not_called', 18, 'no call of shell.exec', ['filesystem.read', 'shell_exec {"cmd":"rm -rf /"} (refused)', 'filesystem.write', 'agent:checker']),
  bad('tool_not_called', 20, 'no call of filesystem.write', ['filesystem.read', 'shell_exec (refused)', WRITE, 'agent:checker'], 'filesystem.write was called once: turn 2 {"path":"report.md","content":"# Report\\nthree bugs"}'),
  ok('tool_sequence', 22, ['filesystem.read', 'filesystem.write'], CALLS),
  bad('tool_sequence', 24, ['filesystem.write', 'filesystem.read'], CALLS, 'filesystem.write ran (call 3), but no filesystem.read ran after it; the calls: filesystem.read, shell_exec (refused), filesystem.write, agent:checker'),
  ok('max_turns', 26, '<= 3', 3),
  bad('max_turns', 28, '<= 2', 3, 'the agent took 3 turns, more than 2'),
  ok('max_tool_calls', 30, '<= 4', 4),
  bad('max_tool_calls', 32, '<= 2', 4, 'the agent made 4 tool calls, more than 2 (3 ran, 1 refused)'),
];

const LIMITED = `pipeline: loop.pipeline.yaml
cases: [{id: looping}]
assert:
  - step: reader
    status: failed
  - step: reader
    max_turns: 1
  - step: reader
    tool_called: filesystem.read
    args: {path: notes.txt}
  - step: reader
    max_tool_calls: 2
`;

const LOOP_PIPELINE = `id: loop
model: openai:gpt-4o-mini
steps:
  - id: reader
    action: agent
    tools: [filesystem.read]
    max_turns: 2
    parameters: {prompt: Loop over notes.txt}
`;

function findings(text: string, file: string) {
  return analyzeEval(text, file).findings.map((f) => [f.code, f.severity, f.message, `${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character}`]);
}

describe('eval: assertions on an agent step', function () {
  this.timeout(20_000);
  let srv: LoopbackProviders;
  let dir: string;

  before(async () => {
    srv = await new LoopbackProviders().start();
    srv.responder = triageModel;
  });
  after(() => srv.stop());
  beforeEach(() => {
    dir = tempDir('orc-eval-agent-');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'three bugs');
    fs.writeFileSync(path.join(dir, 'triage.pipeline.yaml'), PIPELINE);
    fs.writeFileSync(path.join(dir, 'triage.eval.yaml'), EVAL);
    fs.writeFileSync(path.join(dir, 'loop.pipeline.yaml'), LOOP_PIPELINE);
    fs.writeFileSync(path.join(dir, 'loop.eval.yaml'), LIMITED);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function evaluate(file: string): Promise<CaseResult[]> {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const a = analyzeEval(text, path.join(dir, file));
    const results: CaseResult[] = [];
    await runEval({ root: dir, analysis: a, evalText: text, models: createModelRunner({ env: loopbackEnv(srv) }), env: loopbackEnv(srv), onResult: (r) => results.push(r) });
    return results;
  }

  it('the analysis: a trajectory kind looks at an agent step only, and a tool its allow-list lacks is a warning with did-you-mean', () => {
    const text = `pipeline: triage.pipeline.yaml
cases: [{id: one}]
assert:
  - step: triage
    tool_called: filesystem.wirte
  - step: outline
    max_turns: 3
  - output: answer
    tool_called: filesystem.read
  - max_tool_calls: 5
  - step: triage
    tool_sequence: [filesystem.read, mcp:files.list]
  - step: triage
    tool_not_called: filesystem.read
    args: {path: x}
  - step: triage
    tool_sequence: []
  - step: triage
    tool_called: filesystem.read
    args: {path: "{{ case.nope }}"}
`;
    assert.deepEqual(findings(text, path.join(dir, 'x.eval.yaml')), [
      ['eval.unknown-tool', 'warning', "Step 'triage' cannot call 'filesystem.wirte': it is not in its allow-list (filesystem.read, filesystem.write, agent:checker), so this assertion cannot pass. Did you mean 'filesystem.write'?", '4:17-4:33'],
      ['eval.assertion-target', 'error', "Step 'outline' is not an agent step (its action is 'generate'): 'max_turns' looks at an agent step's calls and turns. Agent steps: triage.", '5:10-5:17'],
      ['eval.assertion-target', 'error', "'tool_called' looks at an agent step's calls and turns, not at an output: use 'step: ID'. Agent steps: triage.", '7:4-7:10'],
      ['eval.assertion-target', 'error', "'max_tool_calls' looks at an agent step's calls and turns: say which with 'step: ID'. Agent steps: triage.", '9:4-9:18'],
      ['eval.unknown-tool', 'warning', "Step 'triage' cannot call 'mcp:files.list': it is not in its allow-list (filesystem.read, filesystem.write, agent:checker), so this assertion cannot pass.", '11:37-11:51'],
      ['eval.unknown-key', 'error', "'args' goes with 'tool_called' (the arguments a call must have), not with 'tool_not_called'.", '14:4-14:8'],
      ['eval.type', 'error', "'tool_sequence' takes a list of tools as the allow-list spells them, in the order they must be called.", '16:19-16:21'],
      ['eval.unknown-column', 'warning', "No case has a column 'nope'.", '19:26-19:30'],
    ]);
    // the eval file of the runs below: only the tool its step cannot call is a warning; `case.report` in args counts as read
    assert.deepEqual(findings(EVAL, path.join(dir, 'triage.eval.yaml')), [
      ['eval.unknown-tool', 'warning', "Step 'triage' cannot call 'shell.exec': it is not in its allow-list (filesystem.read, filesystem.write, agent:checker), so this assertion cannot pass.", '17:17-17:27'],
      ['eval.unknown-tool', 'warning', "Step 'triage' cannot call 'shell.exec': it is not in its allow-list (filesystem.read, filesystem.write, agent:checker), so this assertion cannot fail.", '19:21-19:31'],
    ]);
  });

  it('a whole tool, an MCP server and a named agent\'s own tools in the allow-list', () => {
    fs.writeFileSync(
      path.join(dir, 'wide.pipeline.yaml'),
      `id: wide
model: openai:gpt-4o-mini
agents:
  fetcher:
    tools: [http.get]
steps:
  - id: wide
    action: agent
    tools: [filesystem, mcp:files, agent:fetcher]
    parameters: {prompt: Go}
`,
    );
    const text = `pipeline: wide.pipeline.yaml
cases: [{id: one}]
assert:
  - step: wide
    tool_sequence: [filesystem.list, mcp:files.read, agent:fetcher]
  - step: wide
    tool_called: http.get
`;
    // `filesystem` is each of its actions, `mcp:files` any tool of that server; http.get is only the named agent's
    assert.deepEqual(findings(text, path.join(dir, 'wide.eval.yaml')), [
      [
        'eval.unknown-tool',
        'warning',
        "Step 'wide' cannot call 'http.get': it is not in its allow-list (filesystem.read, filesystem.write, filesystem.append, filesystem.copy, filesystem.move, filesystem.delete, filesystem.list, filesystem.exists, agent:fetcher, mcp:files.*), so this assertion cannot pass. It is in the allow-list of agent 'fetcher', whose calls are its own: assert 'tool_called: agent:fetcher' instead.",
        '6:17-6:25',
      ],
    ]);
  });

  it("the editor completes an agent step's allowed tools after tool_called:", () => {
    const text = 'pipeline: triage.pipeline.yaml\ncases: [{id: one}]\nassert:\n  - step: triage\n    tool_called: \n';
    const file = path.join(dir, 'c.eval.yaml');
    const a = analyzeEval(text, file);
    const items = evalCompletions({ text, eval: a, pipeline: a.pipeline, pipelineFile: path.join(dir, 'triage.pipeline.yaml') }, { line: 4, character: 17 }, file);
    assert.deepEqual(items.map((i) => [i.label, i.detail]), [
      ['filesystem.read', "a tool of agent step 'triage'"],
      ['filesystem.write', "a tool of agent step 'triage'"],
      ['agent:checker', "a tool of agent step 'triage'"],
    ]);
  });

  it('judges the calls and turns of a real agent run: pass and fail, with expected, actual and the reason', async () => {
    const [r] = await evaluate('triage.eval.yaml');
    assert.equal(r.run_status, 'completed');
    assert.deepEqual(
      r.assertions.map(({ kind, target, line, expected, actual, pass, status, score, reason }) => ({ kind, target, line, expected, actual, pass, status, score, reason })),
      EXPECTED,
    );
    assert.equal(r.status, 'fail');
    assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), '# Report\nthree bugs');
  });

  it('a step that failed at its max_turns limit is judged on the loop it kept', async () => {
    const [r] = await evaluate('loop.eval.yaml');
    assert.equal(r.run_status, 'failed');
    assert.deepEqual(
      r.assertions.map(({ kind, expected, actual, status, reason }) => ({ kind, expected, actual, status, reason })),
      [
        { kind: 'status', expected: 'failed', actual: 'failed', status: 'pass', reason: '' },
        { kind: 'max_turns', expected: '<= 1', actual: 2, status: 'fail', reason: 'the agent took 2 turns, more than 1 (the loop stopped at its limit: max_turns)' },
        { kind: 'tool_called', expected: 'filesystem.read {"path":"notes.txt"}', actual: ['filesystem.read {"path":"notes.txt"}', 'filesystem.read {"path":"notes.txt"} (refused)'], status: 'pass', reason: '' },
        { kind: 'max_tool_calls', expected: '<= 2', actual: 2, status: 'pass', reason: '' },
      ],
    );
    assert.equal(r.status, 'fail');
  });

  it('orc eval --record, then --replay (tools run) and --replay --replay-tools (no tool runs): the same verdicts, offline', async function () {
    this.timeout(60_000);
    const env = { ...loopbackEnv(srv), ORC_MODEL_REGISTRY: '', ORC_JUDGE_MODEL: '' };
    const recorded = await orcAsync(['eval', 'triage.eval.yaml', '--record', '--json'], { cwd: dir, env, isolated: true });
    assert.equal(recorded.code, 1, recorded.stderr);
    const verdicts = (out: string) => (JSON.parse(out) as { results: CaseResult[] }).results[0].assertions.map(({ kind, line, expected, actual, status, reason }) => ({ kind, line, expected, actual, status, reason }));
    const want = EXPECTED.map(({ kind, line, expected, actual, status, reason }) => ({ kind, line, expected, actual, status, reason }));
    assert.deepEqual(verdicts(recorded.stdout), want);
    const tape = fs.readFileSync(path.join(dir, 'triage.cassette.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { request: { provider: string; model: string } });
    // the agent's three turns, the checker's one and the outline step's call; the two tool results
    // (the named agent's call is its own turns, not a recorded result; the refused call never ran)
    assert.deepEqual(tape.filter((l) => l.request.provider === 'tool').map((l) => l.request.model).sort(), ['filesystem.read', 'filesystem.write']);
    assert.equal(tape.filter((l) => l.request.provider === 'openai').length, 5);
    const requests = srv.requests.length;
    const offline = { OPENAI_API_KEY: '', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', ORC_MODEL_REGISTRY: '', ORC_JUDGE_MODEL: '' };
    const replayed = await orcAsync(['eval', 'triage.eval.yaml', '--replay', '--json'], { cwd: dir, env: offline, isolated: true });
    assert.equal(replayed.code, 1, replayed.stderr);
    assert.deepEqual(verdicts(replayed.stdout), want);
    // with --replay-tools the tools answer from the cassette: the notes and the report may be gone
    fs.rmSync(path.join(dir, 'notes.txt'));
    fs.rmSync(path.join(dir, 'report.md'));
    const taped = await orcAsync(['eval', 'triage.eval.yaml', '--replay', '--replay-tools', '--json'], { cwd: dir, env: offline, isolated: true });
    assert.equal(taped.code, 1, taped.stderr);
    assert.deepEqual(verdicts(taped.stdout), want);
    assert.equal(fs.existsSync(path.join(dir, 'report.md')), false, 'no tool ran');
    assert.equal(srv.requests.length, requests, 'a replay calls nothing');
    const wrong = await orcAsync(['eval', 'triage.eval.yaml', '--replay-tools'], { cwd: dir, env: offline, isolated: true });
    assert.deepEqual([wrong.code, wrong.stderr.split('\n')[0]], [2, 'orc: --replay-tools goes with --replay']);
  });

  it('--replay-tools reaches the cassette options', () => {
    assert.deepEqual(evalCassette(parseEvalArgs(['a.eval.yaml', '--replay', '--replay-tools'])), { mode: 'replay', file: 'a.cassette.jsonl', replayTools: true });
    assert.deepEqual(evalCassette(parseEvalArgs(['a.eval.yaml', '--replay'])), { mode: 'replay', file: 'a.cassette.jsonl' });
  });

  describe('on a result document', () => {
    const call = (tool: string, args: unknown, status: AgentToolCall['status'] = 'ok', extra: Partial<AgentToolCall> = {}): AgentToolCall => ({ id: 'c', tool, arguments: args, status, duration_ms: 1, turn: 1, ...extra });
    /** A run whose step `s` has this agent result (or this plain result). */
    const docOf = (r: Partial<AgentStepResult> | string, status: 'completed' | 'failed' = 'completed'): ResultDocument => {
      const result = typeof r === 'string' ? r : { answer: 'done', stop_reason: 'answered', turns: 1, tool_calls: [], transcript: [], tokens_in: 0, tokens_out: 0, cost_usd: 0, ...r };
      return {
        pipeline_id: 'p',
        execution_id: 'run-1',
        status,
        success: status === 'completed',
        outputs: {},
        steps: { s: { ...emptyStepResult(status), success: status === 'completed', result, error: status === 'failed' ? 'boom' : null } },
        execution_order: ['s'],
        execution_levels: [['s']],
        failed_steps: status === 'failed' ? ['s'] : [],
        skipped_steps: [],
        started_at: '2026-01-01T00:00:00.000Z',
        ended_at: '2026-01-01T00:00:01.000Z',
        duration_ms: 1000,
        tokens_in: 0,
        tokens_out: 0,
        cost_usd: 0,
      };
    };
    async function check(yaml: string, doc: ResultDocument) {
      const parsed = parseYaml(yaml);
      const sink = new EvalSink(parsed);
      const a = readAssertion(sink, parsed.value, [], true)!;
      assert.deepEqual(sink.findings, []);
      const r = await runAssertion(a, { case: { id: 'c1', values: { n: 3, dir: 'out' }, assert: [], skip: null, line: 1 }, doc, models: NO_MODELS, judge: null, embedding: null, signal: new AbortController().signal, env: {} });
      return { status: r.status, reason: r.reason };
    }

    it('args: mappings match as subsets, recursively; lists and other values must be equal; a one-expression template keeps its type', async () => {
      const doc = docOf({ tool_calls: [call('data.write', { path: 'out/a.json', opts: { n: 3, mode: 'w', tags: ['x', 'y'] } })] });
      assert.deepEqual(await check('step: s\ntool_called: data.write\nargs: {path: "{{ case.dir }}/a.json", opts: {n: "{{ case.n }}"}}', doc), { status: 'pass', reason: '' });
      assert.deepEqual(await check('step: s\ntool_called: data.write\nargs: {opts: {tags: [x]}}', doc), { status: 'fail', reason: 'data.write ran once, never with {"opts":{"tags":["x"]}}: \'opts.tags\' is ["x","y"], not ["x"]' });
      assert.deepEqual(await check('step: s\ntool_called: data.write\nargs: {opts: {size: 1}}', doc), { status: 'fail', reason: 'data.write ran once, never with {"opts":{"size":1}}: no \'opts.size\'' });
      assert.deepEqual(await check('step: s\ntool_called: data.write\nargs: {opts: {n: "3"}}', doc), { status: 'fail', reason: 'data.write ran once, never with {"opts":{"n":"3"}}: \'opts.n\' is 3, not "3"' });
    });

    it('a call that was denied or failed did not run; with args, the reason says what became of the call that had them', async () => {
      const doc = docOf({ tool_calls: [call('filesystem.delete', { path: 'a' }, 'denied', { error: 'The call was denied.' }), call('filesystem.delete', { path: 'b' }), call('filesystem.delete', { path: 'c' }, 'error', { error: 'No such file' })] });
      assert.deepEqual(await check('step: s\ntool_called: filesystem.delete\nargs: {path: c}', doc), { status: 'fail', reason: 'filesystem.delete ran once, never with {"path":"c"}: \'path\' is "b", not "c"; with those arguments it did not run: error (No such file)' });
      assert.deepEqual(await check('step: s\ntool_not_called: filesystem.delete', docOf({ tool_calls: [call('filesystem.delete', { path: 'a' }, 'denied', { error: 'The call was denied.' })] })), { status: 'fail', reason: 'filesystem.delete was called once: turn 1 {"path":"a"} (denied)' });
      assert.deepEqual(await check('step: s\ntool_sequence: [filesystem.delete, filesystem.read]', docOf({ tool_calls: [call('filesystem.delete', {}), call('filesystem.read', {}, 'error', { error: 'Not run: path is required' })] })), { status: 'fail', reason: 'filesystem.delete ran (call 1), but no filesystem.read ran after it: it was asked for but did not run: error (Not run: path is required); the calls: filesystem.delete, filesystem.read (error)' });
    });

    it('calls left out of a long loop\'s record make a verdict that depends on them an error, not a guess', async () => {
      const doc = docOf({ tool_calls: [call('filesystem.read', {})], tool_calls_omitted: 7 });
      assert.deepEqual(await check('step: s\ntool_called: filesystem.read', doc), { status: 'pass', reason: '' });
      assert.deepEqual(await check('step: s\ntool_not_called: filesystem.write', doc), { status: 'error', reason: "7 tool calls were left out of the step's record (only the first and the latest are kept), so whether filesystem.write was called cannot be told" });
      assert.deepEqual(await check('step: s\nmax_tool_calls: 5', doc), { status: 'fail', reason: 'the agent made 8 tool calls, more than 5 (1 ran, 7 not kept)' });
    });

    it('a step that is not an agent\'s, or has no result, fails them with why', async () => {
      assert.deepEqual(await check('step: s\nmax_turns: 3', docOf('plain text')), { status: 'fail', reason: "step 's' is not an agent step: it has no tool calls or turns to look at" });
      const failed = docOf('x', 'failed');
      failed.steps.s.result = null;
      assert.deepEqual(await check('step: s\nmax_turns: 3', failed), { status: 'fail', reason: "step 's' failed: boom" });
    });
  });
});
