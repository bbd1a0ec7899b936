// examples/support-answers.pipeline.yaml as a user runs it from a shell: rows from the database, a
// model (a loopback server speaking OpenAI's wire protocol) answering each in a for_each, the answers
// written back in one transaction. On SQLite with no setup, then on the test's own PostgreSQL with the
// password in PGPASSWORD (in no record); a second run finds nothing left to answer.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { BUILTIN_TOOLS } from '../../../engine/tools/registry';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync, ROOT } from '../../helpers/cli';
import { startPostgres, type PgServer } from '../../helpers/postgresServer';
import { toolContext } from '../../helpers/toolContext';

const EXAMPLE = path.join(ROOT, 'examples', 'support-answers.pipeline.yaml');

/** Answers name the question they answer, so the rows show which answer went where. */
function answering(server: LoopbackProviders): void {
  server.responder = (body) => {
    const messages = body.messages as { content: string }[];
    const q = /: (.*)$/.exec(messages[messages.length - 1].content)?.[1] ?? '?';
    return { text: `Answer to "${q}"` };
  };
}

const EXPECTED = [
  { id: 1, question: 'How do I reset my password?', answer: 'Answer to "How do I reset my password?"' },
  { id: 2, question: 'Can I export my data as CSV?', answer: 'Answer to "Can I export my data as CSV?"' },
  { id: 3, question: 'Why was I charged twice this month?', answer: 'Answer to "Why was I charged twice this month?"' },
];

describe('examples/support-answers.pipeline.yaml', function () {
  this.timeout(120_000);
  let server: LoopbackProviders;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    server = await new LoopbackProviders().start();
    answering(server);
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-sqlex-')));
    fs.copyFileSync(EXAMPLE, path.join(dir, 'support-answers.pipeline.yaml'));
    env = { OPENAI_API_KEY: 'sk-test-example', OPENAI_BASE_URL: `${server.origin}/v1` };
  });
  afterEach(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs on SQLite with no setup, and a second run has nothing left to answer', async () => {
    const r = await orcAsync(['run', 'support-answers.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { outputs: unknown; steps: Record<string, { result: unknown }> };
    assert.deepEqual(doc.outputs, { answered: 3 });
    assert.equal(server.requests.length, 3);
    const rows = await BUILTIN_TOOLS.sql.run('query', { connection: 'sqlite:output/support.db', sql: 'SELECT id, question, answer FROM tickets ORDER BY id' }, toolContext(dir));
    assert.deepEqual((rows.result as { rows: unknown[] }).rows, EXPECTED);

    const again = await orcAsync(['run', 'support-answers.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as { outputs: unknown }).outputs, { answered: 0 });
    assert.equal(server.requests.length, 3, 'no model call for answered tickets');
  });

  describe('on PostgreSQL', () => {
    let db: PgServer;
    before(async () => {
      db = await startPostgres();
    });
    after(() => db?.stop());

    it('runs with -i database=postgres://... and the password in PGPASSWORD, which no record holds', async () => {
      const r = await orcAsync(['run', 'support-answers.pipeline.yaml', '--json', '-i', `database=${db.url}`], { cwd: dir, env: { ...env, PGPASSWORD: db.password } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual((JSON.parse(r.stdout) as { outputs: unknown }).outputs, { answered: 3 });
      const c = new pg.Client({ connectionString: db.urlWithPassword });
      await c.connect();
      try {
        assert.deepEqual((await c.query('SELECT id, question, answer FROM tickets ORDER BY id')).rows, EXPECTED);
      } finally {
        await c.end();
      }
      const files: string[] = [];
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name));
      };
      walk(path.join(dir, '.orchestrator'));
      assert.ok(files.some((f) => f.endsWith('checkpoint.json')), files.join(', '));
      const leaks = [['stdout', r.stdout], ['stderr', r.stderr], ...files.map((f) => [path.relative(dir, f), fs.readFileSync(f, 'utf8')])].filter(([, t]) => t.includes(db.password)).map(([n]) => n);
      assert.deepEqual(leaks, []);
    });
  });
});
