// Hardening, round two (issue 24): model text shown on a terminal. `orc explain` printed the model's
// escape sequences (a window title, a cleared screen) as they came and a 200,000-character warning
// whole: control sequences are stripped and what is printed is bounded (--json keeps it whole).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stripControls, terminalText } from '../../../engine/cli/terminalText';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync } from '../../helpers/cli';

const HOSTILE = 'Sums\x1b]0;pwned\x07 the\x1b[2J\x1b[H notes\x9b31m.\x07\x08\r';

describe('hardening 2: model text on a terminal', function () {
  this.timeout(60_000);
  let server: LoopbackProviders;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    server = await new LoopbackProviders().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-term-'));
    env = { OPENAI_API_KEY: 'sk-test-term', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
    fs.writeFileSync(path.join(dir, 'e.pipeline.yaml'), `id: e\nmodel: openai:gpt-4o-mini\nsteps:\n  - id: w\n    tool: filesystem\n    action: write\n    parameters: {path: out.txt, content: hi}\n`);
  });
  afterEach(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('orc explain strips escape sequences and bounds a 200,000-character warning; --json keeps the text', async () => {
    const long = 'x'.repeat(200_000);
    server.script.push({ json: { intention: HOSTILE, architecture: 'w writes.' } }, { json: { contradictions: [{ step: 'w', kind: 'other', message: `\x1b[31m${long}` }] } });
    const r = await orcAsync(['explain', 'e.pipeline.yaml'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Intention\nSums the notes\.\n\nArchitecture\nw writes\.\n/);
    for (const text of [r.stdout, r.stderr]) assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    assert.ok(r.stderr.length < 3000, `${r.stderr.length} characters of warnings printed`);
    assert.match(r.stderr, /^e\.pipeline\.yaml:4:9: warning explain\.contradiction x{100}.*x… \(198000 more characters not shown; --json has the whole text\)$/m);
    const json = await orcAsync(['explain', 'e.pipeline.yaml', '--json'], { cwd: dir, env });
    const x = JSON.parse(json.stdout) as { intention: string; findings: { message: string }[] };
    assert.equal(x.intention, HOSTILE);
    assert.equal(x.findings[0].message.length, 200_005);
  });

  it('stripControls keeps text, tabs and new lines; terminalText marks a cut', () => {
    assert.equal(stripControls('a\tb\nc\x1b[1;31md\x1b[0m\x1bP1$r\x1b\\e\x1b]8;;http://x\x1b\\f'), 'a\tb\ncdef');
    assert.equal(terminalText('abcdef', 4), 'abcd… (2 more characters not shown; --json has the whole text)');
    assert.equal(terminalText('ü€😀', 10), 'ü€😀');
  });
});
