// `orc serve --metrics-port N` through the built CLI: the monitors' checks counted on the Prometheus
// endpoint the server opens, GET /monitors answering, the check on disk.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { tempDir } from '../../helpers/agentRun';
import { until } from '../../helpers/processes';
import { startServe, writeWorkspace, type ServeProcess } from '../../helpers/serveProcess';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('orc serve --metrics-port: the monitors on the Prometheus endpoint', function () {
  this.timeout(60_000);
  let s: ServeProcess | null = null;
  after(async () => {
    await s?.stop();
  });

  it('counts each check by result and gives the pass rate', async () => {
    const root = tempDir('orc-monitors-cli-');
    writeWorkspace(root, {
      'support.pipeline.yaml': `id: support
parameters:
  answer: {type: string, required: true}
steps:
  - id: reply
    tool: data
    action: convert
    parameters: {data: "{{ answer }}", format: json}
outputs:
  reply: "{{ answer }}"
monitors:
  - name: polite
    assert: [{type: not-contains, value: "I cannot"}]
`,
    });
    const port = await freePort();
    s = await startServe(root, ['--metrics-port', String(port)]);
    assert.match(s.stderr(), new RegExp(`orc serve: metrics for Prometheus at http://127\\.0\\.0\\.1:${port}/metrics`));
    for (const answer of ['Your order ships today.', 'I cannot say.']) {
      const res: Response = await fetch(`${s.url}/pipelines/support/runs`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'wait=30' }, body: JSON.stringify({ answer }) });
      assert.equal(res.status, 200);
    }
    const file = path.join(root, '.orchestrator', 'monitors', 'polite.jsonl');
    await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim().split('\n').length === 2);
    const monitors = (await (await fetch(`${s.url}/monitors`)).json()) as { monitors: Array<{ checks: number; pass_rate: number }> };
    assert.deepEqual(monitors.monitors.map((m) => [m.checks, m.pass_rate]), [[2, 0.5]]);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^orc_monitor_checks_total\{pipeline="support",monitor="polite",result="pass",otel_scope_name="orchestrator",otel_scope_version="[^"]*"\} 1$/m);
    assert.match(metrics, /^orc_monitor_checks_total\{pipeline="support",monitor="polite",result="fail",otel_scope_name="orchestrator",otel_scope_version="[^"]*"\} 1$/m);
    assert.match(metrics, /^orc_monitor_pass_rate\{pipeline="support",monitor="polite",otel_scope_name="orchestrator",otel_scope_version="[^"]*"\} 0\.5$/m);
    assert.equal(await s.stop(), 0);
    s = null;
  });
});
