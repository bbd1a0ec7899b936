// `orc models --stats`: per model, from the run records `orc run` wrote (real runs against the
// loopback server): calls, errors (a fallback chain's passed-over model included), latency, tokens/s, cost.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { describeStats, modelStats, type ModelStats } from '../../../engine/run/modelStats';
import { hover } from '../../../server/hover';
import { statsFor } from '../../../server/modelStatsCache';
import type { ResultDocument } from '../../../engine/run/events';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync, type CliResult } from '../../helpers/cli';

let server: LoopbackProviders;
let dir: string;

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-stats-'));
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('model stats: orc models --stats', function () {
  this.timeout(60_000);
  it('reads the run records: the answering model’s calls, latency, tokens/s and cost; a passed-over model’s errors', async () => {
    const env = { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${server.origin}/v1`, OLLAMA_BASE_URL: `${server.origin}/ollama/v1` };
    const file = path.join(dir, 'p.pipeline.yaml');
    fs.writeFileSync(file, 'id: p\ncontext: {max_retries: 1}\nsteps:\n  - id: a\n    action: generate\n    model: openai:gpt-4o-mini\n    parameters: {prompt: Hi, stream: false}\n  - id: b\n    action: generate\n    model: [ollama:llama3.2, openai:gpt-4o-mini]\n    parameters: {prompt: Hi, stream: false}\n    depends_on: [a]\n');
    // the first run: every call answers; the second: ollama answers 503 (five attempts), so the chain passes it over
    let r = await cli(['run', file, '--json'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const busy = { status: 503, headers: { 'retry-after-ms': '0' } };
    server.script.push({ tokensIn: 100, tokensOut: 50 }, busy, busy, busy, busy, busy);
    r = await cli(['run', file, '--json'], dir, env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const second = JSON.parse(r.stdout) as ResultDocument;
    assert.equal(second.steps.b.model, 'openai:gpt-4o-mini');

    const stats = await cli(['models', '--stats', '--json'], dir, env);
    assert.equal(stats.code, 0, stats.stderr);
    const doc = JSON.parse(stats.stdout) as { runs: number; models: ModelStats[] };
    assert.equal(doc.runs, 2);
    const records = fs.readdirSync(path.join(dir, '.orchestrator', 'runs')).map((id) => JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'result.json'), 'utf8')) as ResultDocument);
    // the figures are those of the records: computed here from them by hand
    const answered = records.flatMap((d) => Object.values(d.steps)).filter((s) => s.model === 'openai:gpt-4o-mini' && s.status === 'completed');
    const lat = answered.map((s) => s.latency_ms!).sort((x, y) => x - y);
    const openai = doc.models.find((m) => m.model === 'openai:gpt-4o-mini')!;
    assert.equal(answered.length, 3);
    assert.deepEqual([openai.calls, openai.errors, openai.error_rate, openai.runs], [3, 0, 0, 2]);
    assert.equal(openai.latency_p50_ms, Math.round(lat[1] * 10) / 10);
    assert.equal(openai.latency_p95_ms, Math.round(lat[2] * 10) / 10);
    const out = answered.reduce((n, s) => n + s.tokens_out, 0);
    const secs = answered.reduce((n, s) => n + s.latency_ms!, 0) / 1000;
    assert.equal(openai.tokens_per_second, Math.round((out / secs) * 10) / 10);
    assert.equal(openai.cost_per_call_usd, Math.round((answered.reduce((n, s) => n + s.cost_usd, 0) / 3) * 1e6) / 1e6);
    const ollama = doc.models.find((m) => m.model === 'ollama:llama3.2')!;
    assert.deepEqual([ollama.calls, ollama.errors, ollama.error_rate, ollama.cost_per_call_usd, ollama.runs], [1, 1, 0.5, 0, 2]);
    assert.equal(typeof ollama.latency_p50_ms, 'number');

    // the model hover shows the same figures, read from the pipeline file's workspace
    const yaml = fs.readFileSync(file, 'utf8');
    const h = hover(analyze(yaml), yaml.indexOf('openai:gpt-4o-mini') + 3, null, (m) => statsFor(file, m));
    assert.ok((h?.contents as { value: string }).value.endsWith(`\n\n**In this workspace's runs:** ${describeStats(openai)}`), (h?.contents as { value: string }).value);
    assert.match(describeStats(openai), /^p50 \d+ ms · p95 \d+ ms · 0\.0 % errors · \d+ tok\/s · \$0\.0000\/call \(3 calls, 0 errors\)$/);

    const text = await cli(['models', '--stats'], dir, env);
    assert.match(text.stdout, /^MODEL +CALLS +ERRORS +P50 +P95 +TOK\/S +\$\/CALL$/m);
    assert.match(text.stdout, /^ollama:llama3\.2 +1 +50\.0 % /m);
    assert.match(text.stdout, /^from 2 run records under .+\/\.orchestrator\/runs$/m);
  });

  it('with no records it says so; a failed step without a chain counts as its model’s error', async () => {
    const none = await cli(['models', '--stats'], dir, {});
    assert.equal(none.stdout.trim(), 'no run records here (no .orchestrator/ in this folder or above)');
    const failed = { status: 'failed', model: 'openai:gpt-4o', latency_ms: 5, tokens_out: 0, cost_usd: 0 } as unknown as ResultDocument['steps'][string];
    assert.deepEqual(modelStats([{ execution_id: 'x', steps: { s: failed } } as unknown as ResultDocument]).map((m) => [m.model, m.calls, m.errors, m.error_rate, m.latency_p50_ms]), [['openai:gpt-4o', 0, 1, 1, null]]);
  });
});

/** `orc` with no provider of this machine's environment: only the loopback servers the test names. */
function cli(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv): Promise<CliResult> {
  return orcAsync(args, { cwd, env: extraEnv, isolated: true });
}
