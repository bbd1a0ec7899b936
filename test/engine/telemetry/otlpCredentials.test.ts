// The OTLP exporters' headers are credentials (#41 item 7): each header's value, and the token after
// its scheme, is redacted on its own wherever the run writes (a command that prints it), and a step's
// command or an MCP server's process is not given the variables unless the step names them.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redactor } from '../../../engine/toolkit/redact';
import { commandEnv } from '../../../engine/tools/processGroup';
import { orc } from '../../helpers/cli';

const BEARER = 'phx-4f9a8b7c6d5e4f3a';
const BASIC = Buffer.from('pk-lf-public:sk-lf-secret-77').toString('base64');
const HEADERS = `Authorization=Bearer ${BEARER},x-langfuse=Basic%20${BASIC}`;

describe('hardening: the OTLP headers are credentials', function () {
  this.timeout(20_000);

  it('redacts each header value, decoded too, and the token after its scheme', () => {
    const r = new Redactor({ OTEL_EXPORTER_OTLP_HEADERS: HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=abcdef123456' });
    assert.equal(r.text(`token ${BEARER} here`), 'token [redacted: OTEL_EXPORTER_OTLP_HEADERS Authorization] here');
    assert.equal(r.text(`Authorization: Bearer ${BEARER}`), 'Authorization: [redacted: OTEL_EXPORTER_OTLP_HEADERS Authorization]');
    assert.equal(r.text(`auth Basic ${BASIC}.`), 'auth [redacted: OTEL_EXPORTER_OTLP_HEADERS x-langfuse].');
    assert.equal(r.text('k=abcdef123456'), 'k=[redacted: OTEL_EXPORTER_OTLP_TRACES_HEADERS api-key]');
    assert.equal(r.text(HEADERS), '[redacted: OTEL_EXPORTER_OTLP_HEADERS]');
  });

  it("a step's command and an MCP server are not given the OTLP headers unless the step names them", () => {
    const saved = process.env.OTEL_EXPORTER_OTLP_HEADERS;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = HEADERS;
    try {
      assert.equal(commandEnv({}).OTEL_EXPORTER_OTLP_HEADERS, undefined);
      assert.equal(commandEnv({ pass_env: ['OTEL_EXPORTER_OTLP_HEADERS'] }).OTEL_EXPORTER_OTLP_HEADERS, HEADERS);
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
      else process.env.OTEL_EXPORTER_OTLP_HEADERS = saved;
    }
  });

  it('a command that prints the bearer token: it is in no file the run wrote, nor on stdout', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-otlp-'));
    try {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), `id: leak\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo [\${OTEL_EXPORTER_OTLP_HEADERS:-withheld}] ${BEARER}"\n`);
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env: { OTEL_EXPORTER_OTLP_HEADERS: HEADERS } });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.steps.a.result.stdout, '[withheld] [redacted: OTEL_EXPORTER_OTLP_HEADERS Authorization]\n');
      const runDir = path.join(dir, '.orchestrator', 'runs', doc.execution_id);
      for (const text of [r.stdout, r.stderr, ...fs.readdirSync(runDir).map((f) => fs.readFileSync(path.join(runDir, f), 'utf8'))]) {
        assert.ok(!text.includes(BEARER), `the token leaked into: ${text.slice(0, 300)}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
