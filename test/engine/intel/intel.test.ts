// orc explain and orc new against the loopback OpenAI server (real SDK, scripted structured
// answers): summaries checked against the steps with findings on the right lines, a cache hit with
// no call; a pipeline written only when it compiles, repaired from its findings.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync } from '../../helpers/cli';

const REPORT = `id: weekly_report
name: Weekly report
description: Collects the week's notes and emails a summary to the team.
orchestrator: openai:gpt-4o-mini
steps:
  - id: collect
    tool: filesystem
    action: list
    parameters:
      path: notes
  - id: summarize
    action: generate
    model: openai:gpt-4o-mini
    dependencies: [collect]
    parameters:
      prompt: "Summarize {{ collect.result.entries }}"
  - id: archive
    tool: filesystem
    action: write
    dependencies: [summarize]
    parameters:
      path: summary.md
      content: "{{ summarize.result }}"
`;

const GOOD = `id: greet
name: Greeting
steps:
  - id: write
    tool: filesystem
    action: write
    parameters:
      path: hello.txt
      content: hello
  - id: read
    tool: filesystem
    action: read
    dependencies: [write]
    parameters:
      path: hello.txt
`;

describe('explain and new', function () {
  this.timeout(60_000);
  let server: LoopbackProviders;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    server = await new LoopbackProviders().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-intel-'));
    env = { OPENAI_API_KEY: 'sk-test-intel', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
  });
  afterEach(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('orc explain reports scripted contradictions on the right steps, and a second call is a cache hit', async () => {
    fs.writeFileSync(path.join(dir, 'r.pipeline.yaml'), REPORT);
    server.script.push(
      { json: { intention: 'Email a weekly summary of the notes to the team.', architecture: 'collect lists the notes; summarize writes the summary.' } },
      {
        json: {
          contradictions: [
            { step: 'archive', kind: 'unaccounted-step', message: "The architecture never mentions 'archive'." },
            { step: null, kind: 'undeliverable-intention', message: 'The intention says the summary is emailed, and no step sends anything.' },
          ],
        },
      },
    );
    const r = await orcAsync(['explain', 'r.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests.length, 2);
    assert.match(JSON.stringify(server.requests[0].body.messages), /- summarize: generate on openai:gpt-4o-mini, after collect/);
    const x = JSON.parse(r.stdout) as { cached: boolean; intention: string; findings: { code: string; severity: string; step: string | null; range: { start: { line: number; character: number } } }[] };
    assert.equal(x.cached, false);
    assert.equal(x.intention, 'Email a weekly summary of the notes to the team.');
    assert.deepEqual(
      x.findings.map((f) => [f.code, f.severity, f.step, f.range.start.line + 1, f.range.start.character + 1]),
      [
        ['explain.undeliverable-intention', 'warning', null, 2, 1],
        ['explain.unaccounted-step', 'warning', 'archive', 17, 9],
      ],
    );
    const again = await orcAsync(['explain', 'r.pipeline.yaml'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.requests.length, 2, 'an unchanged file makes no call');
    assert.match(again.stdout, /^Intention\nEmail a weekly summary of the notes to the team\.\n\nArchitecture\ncollect lists the notes; summarize writes the summary\.\n\nby openai:gpt-4o-mini, from the cache/);
    assert.match(again.stderr, /^r\.pipeline\.yaml:17:9: warning explain\.unaccounted-step The architecture never mentions 'archive'\./m);
    // a changed file is explained again
    fs.appendFileSync(path.join(dir, 'r.pipeline.yaml'), '# changed\n');
    server.script.push({ json: { intention: 'i', architecture: 'a' } }, { json: { contradictions: [] } });
    const changed = await orcAsync(['explain', 'r.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(server.requests.length, 4);
  });

  it('orc new writes nothing when the answers never compile', async () => {
    const broken = 'id: broken\nsteps:\n  - id: a\n    tool: filesystem\n    action: read\n    dependencies: [nope]\n    parameters:\n      path: x\n';
    for (let i = 0; i < 4; i++) server.script.push({ json: { yaml: broken } });
    const r = await orcAsync(['new', 'a pipeline that reads x', '--model', 'openai:gpt-4o-mini'], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.equal(server.requests.length, 4, 'the first answer and three repairs');
    assert.match(r.stderr, /orc new: the pipeline openai:gpt-4o-mini wrote still does not compile after 3 repairs: nothing written\n$/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('orc new writes the pipeline when a repair fixes the findings of the first answer', async () => {
    server.script.push({ json: { yaml: GOOD.replace('dependencies: [write]', 'dependencies: [wirte]') } }, { json: { yaml: GOOD } });
    const r = await orcAsync(['new', 'a pipeline that writes hello and reads it back', '--model', 'openai:gpt-4o-mini'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests.length, 2);
    const firstAsk = JSON.stringify(server.requests[0].body.messages);
    assert.match(firstAsk, /Tools \(step `tool:` and `action:`\):/);
    assert.match(firstAsk, /"\$schema"|\\"properties\\"/);
    assert.match(JSON.stringify(server.requests[1].body.messages), /It does not compile:\\nline 13, column 20: step\.unknown-dependency: Unknown step 'wirte'/);
    assert.equal(r.stdout, "wrote greet.pipeline.yaml: pipeline 'greet', 2 steps, after 1 repair of its findings (by openai:gpt-4o-mini)\n");
    assert.equal(fs.readFileSync(path.join(dir, 'greet.pipeline.yaml'), 'utf8'), GOOD);
    const again = await orcAsync(['new', 'another', '--model', 'openai:gpt-4o-mini', '-o', 'greet.pipeline.yaml'], { cwd: dir, env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /greet\.pipeline\.yaml exists; 'orc new' does not overwrite files/);
  });
});
