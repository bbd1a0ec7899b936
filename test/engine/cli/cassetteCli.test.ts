// `orc run FILE --record | --replay [--cassette PATH] [--live STEP,...]` as a user runs it: the
// built CLI against the loopback OpenAI server, then offline with no key.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResultDocument } from '../../../engine/run/events';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { CLI, ROOT } from '../../helpers/cli';

const CANARY = 'sk-canary-cli-cassette-81c4f0';

let server: LoopbackProviders;
let dir: string;

/** The CLI with no provider variable of this process (keys and base URLs only as given). */
function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/API_KEY|BASE_URL|OLLAMA/.test(k)) clean[k] = v;
    const p = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...clean, NO_COLOR: '1', ...extraEnv } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const openai = () => ({ OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: `${server.origin}/v1` });

const PIPELINE = `id: brief
steps:
  - id: draft
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Write a line"
  - id: polish
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Polish: {{ draft.result }}"
outputs:
  text: "{{ polish.result }}"
`;

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  server.responder = (body) => {
    const prompt = String((body.messages as { content: string }[]).at(-1)?.content);
    return prompt.startsWith('Write') ? { chunks: ['A ', 'line.'], tokensIn: 10, tokensOut: 2 } : { text: `Polished ${prompt.length}.`, tokensIn: 20, tokensOut: 3 };
  };
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-cassette-cli-'));
  fs.writeFileSync(path.join(dir, 'brief.pipeline.yaml'), PIPELINE);
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('orc run --record / --replay', function () {
  this.timeout(30_000);

  it('records beside the pipeline (brief.pipeline.yaml → brief.pipeline.cassette.jsonl), then replays offline with no key', async () => {
    const rec = await cli(['run', 'brief.pipeline.yaml', '--record', '--json'], openai());
    assert.equal(rec.code, 0, rec.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.orchestrator', 'brief.pipeline.cassette.jsonl', 'brief.pipeline.yaml']);
    assert.ok(!fs.readFileSync(path.join(dir, 'brief.pipeline.cassette.jsonl'), 'utf8').includes(CANARY));
    assert.equal(server.requests.length, 2);
    await server.stop();

    const rep = await cli(['run', 'brief.pipeline.yaml', '--replay', '--json']);
    assert.equal(rep.code, 0, rep.stderr);
    const a = JSON.parse(rec.stdout) as ResultDocument;
    const b = JSON.parse(rep.stdout) as ResultDocument;
    assert.deepEqual(b.outputs, { text: 'Polished 15.' });
    assert.deepEqual(b.outputs, a.outputs);
    assert.deepEqual([b.tokens_in, b.tokens_out, b.cost_usd], [a.tokens_in, a.tokens_out, a.cost_usd]);
    assert.deepEqual([b.tokens_in, b.tokens_out], [30, 5]);
    for (const id of ['draft', 'polish']) assert.deepEqual([b.steps[id].result, b.steps[id].model, b.steps[id].cost_usd], [a.steps[id].result, a.steps[id].model, a.steps[id].cost_usd]);
  });

  it('--cassette PATH names another file; a miss exits 1 with the step, and --live runs a step for real', async () => {
    fs.mkdirSync(path.join(dir, 'tapes'));
    const rec = await cli(['run', 'brief.pipeline.yaml', '--record', '--cassette', 'tapes/b.jsonl', '--json'], openai());
    assert.equal(rec.code, 0, rec.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'tapes', 'b.jsonl'), 'utf8').split('\n').filter(Boolean).length, 2);

    fs.writeFileSync(path.join(dir, 'brief.pipeline.yaml'), PIPELINE.replace('Write a line', 'Write two lines'));
    const miss = await cli(['run', 'brief.pipeline.yaml', '--replay', '--cassette', 'tapes/b.jsonl', '--json']);
    assert.equal(miss.code, 1, miss.stderr);
    const doc = JSON.parse(miss.stdout) as ResultDocument;
    assert.equal(doc.steps.draft.error_type, 'CassetteMiss');
    assert.equal(
      doc.steps.draft.error,
      `Step 'draft': the cassette b.jsonl has no recorded answer for this call to openai:gpt-4o-mini (a replay makes no live call). Nearest recorded request (step 'draft'): prompt differs at character 7: recorded "Write a line", now "Write two lines". Record again with --record, or run the step live.`,
    );
    assert.equal(server.requests.length, 2);

    // the edited step live, the rest from the cassette: only it reaches the server
    server.responder = () => ({ chunks: ['Two ', 'lines.'], tokensIn: 10, tokensOut: 2 });
    const live = await cli(['run', 'brief.pipeline.yaml', '--replay', '--cassette', 'tapes/b.jsonl', '--live', 'draft', '--json'], openai());
    assert.equal(live.code, 1, live.stderr);
    const d2 = JSON.parse(live.stdout) as ResultDocument;
    assert.equal(d2.steps.draft.status, 'completed');
    // polish now sees a different draft: a miss that says so
    assert.match(String(d2.steps.polish.error), /^Step 'polish': .* prompt differs at character 9: recorded "Polish: A line\.", now "Polish: Two lines\."/);
    assert.equal(server.requests.length, 3);
  });

  it('orc resume --record finishes a failed recording run into the same cassette, which then replays whole', async () => {
    const responder = server.responder!;
    server.responder = (body) => (String((body.messages as { content: string }[]).at(-1)?.content).startsWith('Polish') ? { status: 400 } : responder(body));
    const first = await cli(['run', 'brief.pipeline.yaml', '--record', '--json'], openai());
    assert.equal(first.code, 1, first.stderr);
    const runId = (JSON.parse(first.stdout) as ResultDocument).execution_id;
    assert.deepEqual(fs.readFileSync(path.join(dir, 'brief.pipeline.cassette.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { stepId: string }).stepId), ['draft']);
    server.responder = responder;
    const resumed = await cli(['resume', runId, '--record', '--json'], openai());
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(server.requests.length, 3, 'draft is not asked again');
    await server.stop();
    const rep = await cli(['run', 'brief.pipeline.yaml', '--replay', '--json']);
    assert.equal(rep.code, 0, rep.stderr);
    assert.deepEqual((JSON.parse(rep.stdout) as ResultDocument).outputs, { text: 'Polished 15.' });
  });

  it('refuses contradictory or incomplete flags, and a replay with no cassette, before anything runs', async () => {
    const both = await cli(['run', 'brief.pipeline.yaml', '--record', '--replay']);
    assert.deepEqual([both.code, both.stdout, both.stderr], [2, '', "orc: --record and --replay contradict each other\nrun 'orc help' for usage\n"]);
    const lone = await cli(['run', 'brief.pipeline.yaml', '--cassette', 'x.jsonl']);
    assert.deepEqual([lone.code, lone.stderr], [2, "orc: --cassette goes with --record or --replay\nrun 'orc help' for usage\n"]);
    const liveRec = await cli(['run', 'brief.pipeline.yaml', '--record', '--live', 'draft']);
    assert.deepEqual([liveRec.code, liveRec.stderr], [2, "orc: --live goes with --replay\nrun 'orc help' for usage\n"]);
    const none = await cli(['run', 'brief.pipeline.yaml', '--replay']);
    assert.equal(none.code, 2);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, 'orc: The cassette brief.pipeline.cassette.jsonl does not exist: record it first (orc run FILE --record)\n');
    const ghost = await cli(['run', 'brief.pipeline.yaml', '--replay', '--live', 'ghost,draft']);
    assert.equal(ghost.code, 2);
    assert.equal(
      ghost.stderr,
      "orc: warning: --live 'ghost' names no step of this pipeline (a nested pipeline's steps are not checked); it replays unless a nested step has that id\n" +
        'orc: The cassette brief.pipeline.cassette.jsonl does not exist: record it first (orc run FILE --record)\n',
    );
    assert.equal(server.requests.length, 0);
  });
});

describe('orc run --replay of a pipeline whose steps choose their model (requires_model)', function () {
  this.timeout(30_000);

  it('examples/research.pipeline.yaml: recorded with an OpenAI key, replayed with none, chooses the same models and writes the same products', async () => {
    server.responder = null;
    fs.copyFileSync(path.join(ROOT, 'examples', 'research.pipeline.yaml'), path.join(dir, 'research.pipeline.yaml'));
    const rec = await cli(['run', 'research.pipeline.yaml', '--record', '--json'], openai());
    assert.equal(rec.code, 0, rec.stderr);
    assert.equal(server.requests.length, 5);
    await server.stop();
    const rep = await cli(['run', 'research.pipeline.yaml', '--replay', '--json']);
    assert.equal(rep.code, 0, rep.stderr);
    const [a, b] = [JSON.parse(rec.stdout), JSON.parse(rep.stdout)] as ResultDocument[];
    assert.deepEqual(b.outputs, a.outputs);
    assert.deepEqual(Object.fromEntries(Object.entries(b.steps).map(([id, r]) => [id, [r.model, r.model_reason]])), Object.fromEntries(Object.entries(a.steps).map(([id, r]) => [id, [r.model, r.model_reason]])));
    assert.equal(b.steps.plan_questions.model, 'openai:gpt-4o-mini');
    const report = (doc: ResultDocument) => fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'products', 'report.md'), 'utf8');
    assert.equal(report(b), report(a));
    assert.equal(report(b), 'body from the loopback server');
  });
});

describe('examples/brief.pipeline.yaml replays offline from its committed cassette', function () {
  this.timeout(30_000);

  it('orc run --replay with no key and no server: the recorded outputs, tokens and cost; the cassette is left as it was', async () => {
    await server.stop();
    const example = path.join(ROOT, 'examples', 'brief.pipeline.yaml');
    const tape = path.join(ROOT, 'examples', 'brief.pipeline.cassette.jsonl');
    const before = fs.readFileSync(tape, 'utf8');
    const r = await cli(['run', example, '--replay', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    assert.deepEqual(doc.outputs, {
      title: 'Runs you can repeat',
      brief:
        'Runs you can repeat\n\nA pipeline that calls models gives a different answer, and a new bill, on every run. Recording each answer once turns the run into a fixture that tests can hold to. A replay finds each call by the hash of its request and answers it from the cassette, streamed deltas and tokens included. No provider is contacted and no key is needed. Commit the cassette beside the pipeline and run it with --replay on every push. A prompt changed without recording again fails the build and names the step.',
    });
    assert.deepEqual([doc.tokens_in, doc.tokens_out], [292, 275]);
    const lines = before.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { answer: { cost_usd: number } });
    assert.equal(lines.length, 5);
    assert.equal(doc.cost_usd, Math.round(lines.reduce((n, l) => n + l.answer.cost_usd, 0) * 1e6) / 1e6);
    assert.equal(fs.readFileSync(tape, 'utf8'), before);
  });
});
