// A damaged session store (`memory:` on an agent step) says which store, which file and what to do,
// instead of SQLite's bare `file is not a database`; the file is left as it was, and no model is
// called for a conversation that could not be loaded. Real SDK against the loopback provider server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SqliteSessionStore } from '../../../engine/agent/sessions';
import { runAgentPipeline, tempDir, useLoopback } from '../../helpers/agentRun';

const PIPELINE = `id: support
model: openai:gpt-4o-mini
steps:
  - id: chat
    action: agent
    memory: {session: main}
    parameters:
      instructions: You are a support agent.
      prompt: Hello
      stream: false
`;
const DAMAGED = 'The file is damaged or is not a SQLite database: move it aside to start again with no sessions (a new store is made on the next run), or put back a copy from a backup; ORC_SESSION_STORE can name another store.';

describe('a damaged session store', function () {
  this.timeout(30_000);
  const srv = useLoopback();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = tempDir('orc-session-damaged-');
    dirs.push(d);
    return d;
  };

  it('a garbage file as the store fails the step naming the store, its file and what to do; the file is kept as it was', async () => {
    const d = dir();
    const file = path.join(d, '.orchestrator', 'sessions', 'sessions.sqlite');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const garbage = Buffer.from('this is not a database at all\n'.repeat(200));
    fs.writeFileSync(file, garbage);
    const { doc } = await runAgentPipeline(srv, d, PIPELINE);
    assert.equal(doc.status, 'failed');
    assert.equal(doc.steps.chat.error_type, 'ConfigurationError');
    assert.equal(doc.steps.chat.error, `The session store ${file} could not be opened: file is not a database (SQLite error 26). ${DAMAGED}`);
    assert.equal(srv.requests.length, 0);
    assert.deepEqual(fs.readFileSync(file), garbage);
  });

  it('a store whose pages are damaged after it was opened: reading it names the store and its file', () => {
    const d = dir();
    const file = path.join(d, 'sessions.sqlite');
    const store = new SqliteSessionStore(file);
    store.append('main', Array.from({ length: 200 }, (_, i) => ({ role: 'user' as const, content: `message ${i} ${'x'.repeat(200)}` })), 'run-1');
    store.close();
    // the header page kept, every page after it overwritten
    const bytes = fs.readFileSync(file);
    bytes.fill(0xff, 4096);
    fs.writeFileSync(file, bytes);
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
    assert.throws(
      () => {
        const again = new SqliteSessionStore(file);
        try {
          again.load('main');
        } finally {
          again.close();
        }
      },
      { name: 'SessionStoreError', message: new RegExp(`^The session store ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} could not be (opened|read): database disk image is malformed \\(SQLite error 11\\)\\. ${DAMAGED.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) },
    );
  });
});
