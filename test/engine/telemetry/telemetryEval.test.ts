// An eval's trace, as a user sets it up: `OTEL_EXPORTER_OTLP_ENDPOINT=… orc eval hello.eval.yaml`
// against the loopback OTLP receiver (decoding the official OTLP protobuf): one trace, the eval's
// span, a span per case under it, each case's pipeline run under its case, and the assertions'
// results as `gen_ai.evaluation.result` events on their case.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OtlpReceiver, treeOf } from '../../fixtures/otlpReceiver';
import { CLI, ROOT } from '../../helpers/cli';

let receiver: OtlpReceiver;
let dir: string;

function orc(args: string[], extraEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/API_KEY|BASE_URL|OLLAMA|^OTEL_/.test(k)) clean[k] = v;
    const p = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...clean, NO_COLOR: '1', ...extraEnv } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-otel-eval-'));
  for (const f of ['hello.eval.yaml', 'hello.pipeline.yaml']) fs.copyFileSync(path.join(ROOT, 'examples', f), path.join(dir, f));
});

afterEach(async () => {
  await receiver.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const CASE_RUN = ['    invoke_workflow hello [INTERNAL]', '      execute_tool read_greeting [INTERNAL]', '      execute_tool write_greeting [INTERNAL]'];

describe('telemetry: orc eval with OTEL_EXPORTER_OTLP_ENDPOINT delivers the eval as one trace', function () {
  this.timeout(30_000);

  it("the eval's span, a span per case with its run inside, the assertions' results as evaluation events", async () => {
    const r = await orc(['eval', 'hello.eval.yaml', '--json'], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { eval: { eval_id: string }; results: { case: string; run_id: string; status: string }[] };
    assert.deepEqual(out.results.map((x) => [x.case, x.status]), [
      ['ada', 'pass'],
      ['grace', 'pass'],
      ['default', 'pass'],
      ['shout', 'fail'],
    ]);
    assert.equal(
      treeOf(receiver.spans),
      ['evaluate hello [INTERNAL]', '  eval_case ada [INTERNAL]', ...CASE_RUN, '  eval_case default [INTERNAL]', ...CASE_RUN, '  eval_case grace [INTERNAL]', ...CASE_RUN, '  eval_case shout [INTERNAL] ERROR', ...CASE_RUN].join('\n'),
    );
    assert.equal(new Set(receiver.spans.map((s) => s.traceId)).size, 1, 'one trace');

    const root = receiver.spans.find((s) => s.name === 'evaluate hello')!;
    assert.equal(root.parentSpanId, '');
    assert.deepEqual(root.attributes, {
      'orchestrator.eval.id': out.eval.eval_id,
      'orchestrator.eval.file': 'hello.eval.yaml',
      'orchestrator.eval.variants': ['default'],
      'orchestrator.eval.repeat': 1,
      'orchestrator.eval.planned': 4,
      'orchestrator.eval.resumed': false,
      'orchestrator.pipeline.id': 'hello',
      'orchestrator.eval.pipeline_file': 'hello.pipeline.yaml',
      'orchestrator.status': 'completed',
      'orchestrator.eval.total': 4,
      'orchestrator.eval.passed': 3,
      'orchestrator.eval.pass_rate': 0.75,
      'orchestrator.eval.verdict': 'passed',
    });

    // each case: under the eval, its run under it (the run's id on both)
    for (const res of out.results) {
      const c = receiver.spans.find((s) => s.name === `eval_case ${res.case}`)!;
      assert.equal(c.parentSpanId, root.spanId);
      const run = receiver.spans.find((s) => s.name === 'invoke_workflow hello' && s.parentSpanId === c.spanId)!;
      assert.equal(run.attributes['orchestrator.run.id'], res.run_id);
      assert.equal(c.attributes['orchestrator.run.id'], res.run_id);
      assert.equal(c.attributes['orchestrator.eval.case_status'], res.status);
    }

    const shout = receiver.spans.find((s) => s.name === 'eval_case shout')!;
    assert.deepEqual(shout.attributes, {
      'orchestrator.eval.case': 'shout',
      'orchestrator.eval.variant': 'default',
      'orchestrator.eval.repeat_index': 0,
      'orchestrator.eval.case_status': 'fail',
      'orchestrator.eval.score': shout.attributes['orchestrator.eval.score'],
      'orchestrator.run.id': out.results[3].run_id,
      'orchestrator.status': 'completed',
      'error.type': 'AssertionFailed',
    });
    assert.equal(shout.status.message, 'failed: equals');
    // the file's four assertions, then the case's own: each a gen_ai.evaluation.result event
    assert.deepEqual(
      shout.events.map((e) => [e.name, e.attributes['gen_ai.evaluation.name'], e.attributes['gen_ai.evaluation.score.label'], e.attributes['gen_ai.evaluation.score.value'], e.attributes['orchestrator.eval.line']]),
      [
        ['gen_ai.evaluation.result', 'regex', 'pass', 1, 28],
        ['gen_ai.evaluation.result', 'contains', 'pass', 1, 30],
        ['gen_ai.evaluation.result', 'status', 'pass', 1, 32],
        ['gen_ai.evaluation.result', 'max_latency_ms', 'pass', 1, 33],
        ['gen_ai.evaluation.result', 'equals', 'fail', 0, 25],
      ],
    );
    assert.match(String(shout.events[4].attributes['gen_ai.evaluation.explanation']), /HELLO, ADA!/);
  });
});
