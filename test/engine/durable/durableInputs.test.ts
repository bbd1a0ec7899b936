// What a durable run is given, as a user gives it: `-i STEP=VALUE` answers, `--yes` and the AUTO
// lock's answers reach the run on the worker as they reach a local run; a `secret: true`
// parameter's value never goes to Restate (whose journal keeps what is submitted): the client
// refuses it, each worker fills it from its own environment (ORC_INPUT_NAME), and Restate's journal
// and state, read through its admin SQL API, hold the run's other inputs but not the secret.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResultDocument } from '../../../engine/api/index';
import { CLI, freePort, startCli, startRestate, startWorker, stopGroup, type RestateServer, type Worker } from '../../helpers/restateServer';

const SECRET = 'sk-durable-secret-0123456789abcdef';
const VISIBLE = 'visible-topic-4242';

const GATED = `id: gated
parameters:
  topic: {type: string, required: true}
  api_key: {type: string, secret: true, required: true}
steps:
  - id: check
    tool: terminal
    action: execute
    parameters:
      command: "printf %s \\"$KEY\\" | sha256sum | cut -c1-16"
      env: {KEY: "{{ api_key }}"}
  - id: gate
    tool: approval-gate
    action: execute
    dependencies: [check]
    parameters: {title: "Publish {{ topic }}?", content: draft}
outputs:
  topic: "{{ topic }}"
  said: "{{ steps.check.result.stdout | trim }}"
`;

const YES = `id: yes
steps:
  - id: gate
    tool: approval-gate
    action: execute
    parameters: {title: Ship it?, content: v1}
`;

const AUTO = `id: auto
orchestrator: openai:gpt-4o-mini
steps:
  - id: write
    tool: filesystem
    action: write
    parameters:
      path: auto-out.txt
      content: "<AUTO>Write a one-line greeting</AUTO>"
`;

/** Every row of Restate's journal, state, promises and invocations, through its admin SQL API. */
async function restateRows(admin: string): Promise<string> {
  let all = '';
  for (const table of ['sys_journal', 'state', 'sys_promise', 'sys_invocation']) {
    const res = await fetch(`${admin}/query`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: `SELECT * FROM ${table}` }) });
    assert.equal(res.status, 200, `${table}: ${await res.clone().text()}`);
    all += await res.text();
  }
  return all;
}

/** The spellings a value can take in the admin API's rows: as text, hex (raw journal bytes) and base64. */
function spellings(value: string): string[] {
  return [value, Buffer.from(value).toString('hex'), Buffer.from(value).toString('base64').replace(/=+$/, '')];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('durable runs: answers given ahead, --yes, AUTO answers, and secrets kept out of Restate', function () {
  this.timeout(120_000);
  let restate: RestateServer;
  let root: string;
  let worker: Worker | null = null;

  before(async function () {
    this.timeout(120_000);
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (node esbuild.mjs)');
    restate = await startRestate();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-durable-inputs-'));
    fs.writeFileSync(path.join(root, 'gated.yaml'), GATED);
    fs.writeFileSync(path.join(root, 'yes.yaml'), YES);
    fs.writeFileSync(path.join(root, 'auto.yaml'), AUTO);
    fs.writeFileSync(path.join(root, 'auto.yaml.auto.lock.json'), JSON.stringify({ format: 1, entries: [{ path: 'steps[0].parameters.content', text: 'Write a one-line greeting', model: 'openai:gpt-4o-mini', value: 'Hello from the lock.' }] }));
    worker = await startWorker(restate.admin, await freePort(), root, { ORC_INPUT_API_KEY: SECRET });
  });

  after(async function () {
    this.timeout(60_000);
    await stopGroup(worker?.child, 'SIGKILL');
    await restate?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('a secret parameter comes from the worker\'s environment; -i STEP=VALUE answers the gate; Restate\'s journal and the run\'s folder hold the other inputs, never the secret', async () => {
    const run = startCli(['run', 'gated.yaml', '--restate', restate.ingress, '-i', `topic=${VISIBLE}`, '-i', 'gate=approve', '--json'], root);
    assert.equal(await run.done, 0, run.stderr());
    const doc = JSON.parse(run.stdout()) as ResultDocument;
    assert.equal(doc.status, 'completed');
    // the step saw the worker's secret (its hash: the pipeline's text goes to the journal too)
    assert.deepEqual(doc.outputs, { topic: VISIBLE, said: createHash('sha256').update(SECRET).digest('hex').slice(0, 16) });
    assert.equal((doc.steps.gate.result as { action: string }).action, 'approve');
    const rows = await restateRows(restate.admin);
    // the positive control: the run's ordinary input is there, in the journal's raw bytes
    assert.ok(rows.includes(Buffer.from(VISIBLE).toString('hex')), 'the submission is in the journal');
    for (const s of spellings(SECRET)) assert.ok(!rows.includes(s), `the secret is in Restate's rows as ${s}`);
    const folder = path.join(root, '.orchestrator', 'runs', doc.execution_id);
    const files = filesUnder(folder);
    assert.ok(files.some((f) => f.endsWith('checkpoint.json')));
    for (const f of files) assert.ok(!fs.readFileSync(f, 'utf8').includes(SECRET), `${path.relative(root, f)} holds the secret`);
    assert.equal((JSON.parse(fs.readFileSync(path.join(folder, 'checkpoint.json'), 'utf8')) as { inputs: Record<string, unknown> }).inputs.api_key, '[redacted: parameter api_key]');
    assert.ok(!run.stdout().includes(SECRET) && !run.stderr().includes(SECRET));
  });

  it('a secret given to the client is refused before anything is submitted, naming the variable the workers read', async () => {
    const run = startCli(['run', 'gated.yaml', '--restate', restate.ingress, '-i', 'topic=t', '-i', `api_key=${SECRET}`], root);
    assert.equal(await run.done, 2);
    assert.equal(run.stderr(), "orc: Input 'api_key' is secret, and a durable run's inputs are kept in Restate's journal, so it is not sent: set ORC_INPUT_API_KEY in the workers' environment (each worker fills it from there) and give no value for it here; nothing ran\n");
    assert.equal(run.stdout(), '');
  });

  it('--yes approves the gate of a durable run, as of a local one', async () => {
    const run = startCli(['run', 'yes.yaml', '--restate', restate.ingress, '--yes', '--json'], root);
    assert.equal(await run.done, 0, run.stderr());
    const doc = JSON.parse(run.stdout()) as ResultDocument;
    assert.equal(doc.status, 'completed');
    assert.equal((doc.steps.gate.result as { action: string }).action, 'approve');
  });

  it('the AUTO lock\'s answers go with the run: the worker runs the pipeline with them (no model asked)', async () => {
    const run = startCli(['run', 'auto.yaml', '--restate', restate.ingress, '--json'], root);
    assert.equal(await run.done, 0, run.stderr());
    assert.equal((JSON.parse(run.stdout()) as ResultDocument).status, 'completed');
    assert.equal(fs.readFileSync(path.join(root, 'auto-out.txt'), 'utf8'), 'Hello from the lock.');
  });
});
