// Records the cassette of the in-host and UI tests of Improve Prompts… (test/e2e/fixtures/tickets.*):
// the scripted task of `orc improve`'s tests (test/fixtures/improve/scriptedTask.ts) answered by the
// loopback server through the real openai SDK, the search run once with `cassette: 'record'`.
//   node --import tsx test/e2e/recordImproveFixture.ts
// Run it again when the pipeline, the eval or the search's calls change.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { improvePrompts } from '../../engine/improve/index';
import { createModelRunner } from '../../engine/models/index';
import { scriptedTask, TASK_PIPELINE, taskEval } from '../fixtures/improve/scriptedTask';
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';

const FIXTURES = path.join(__dirname, 'fixtures');
/** The pipeline of the tests: the scripted task's, its reflection model named in it (the command asks for none). */
export const TICKETS_PIPELINE = TASK_PIPELINE.replace('id: ticket-summary\n', 'id: ticket-summary\norchestrator: openai:gpt-4o\n');

async function main(): Promise<void> {
  const server = await new LoopbackProviders().start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orc-improve-fixture-'));
  try {
    server.responder = scriptedTask().responder;
    writeFileSync(path.join(FIXTURES, 'tickets.pipeline.yaml'), TICKETS_PIPELINE);
    writeFileSync(path.join(FIXTURES, 'tickets.eval.yaml'), taskEval('tickets.pipeline.yaml', { theme: 'validation', login: 'train' }));
    for (const f of ['tickets.pipeline.yaml', 'tickets.eval.yaml']) copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
    const env = { OPENAI_API_KEY: 'sk-fixture', OPENAI_BASE_URL: `${server.origin}/v1` };
    const r = await improvePrompts({ root: dir, evalFile: path.join(dir, 'tickets.eval.yaml'), cassette: 'record', env, models: createModelRunner({ env }), maxEvals: 150, budgetUsd: 1 });
    copyFileSync(path.join(dir, 'tickets.cassette.jsonl'), path.join(FIXTURES, 'tickets.cassette.jsonl'));
    console.log(`recorded: ${r.stopped}, train ${r.train.before} → ${r.train.after}, validation ${r.validation.before} → ${r.validation.after}, ${r.evals} evals, ${r.calls} calls, chosen ${r.chosen}`);
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
