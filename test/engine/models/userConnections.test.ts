// The user's connections file (engine/tools/sql/connections.ts, loadUserConnections) is kept between
// runs while its folder does not change: a run that follows an edit must see the edit, a file made
// after the first run (its folder too) must be found, and a file that is a link is read every time.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadUserConnections } from '../../../engine/tools/sql/connections';

const decl = (url: string) => JSON.stringify({ connections: { warehouse: { url } } });

/** Loads until `want` holds (a watch event arrives at a later turn of the event loop), at most 10 s. */
async function loadsUntil(env: NodeJS.ProcessEnv, want: (r: ReturnType<typeof loadUserConnections>) => boolean): Promise<ReturnType<typeof loadUserConnections>> {
  for (let i = 0; i < 200; i++) {
    const r = loadUserConnections(env);
    if (want(r)) return r;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return loadUserConnections(env);
}

describe("the user's connections file, kept between runs", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-user-connections-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is read once while unchanged, and an edit is seen by the next load', async () => {
    const file = path.join(dir, 'connections.json');
    fs.writeFileSync(file, decl('postgres://app@127.0.0.1/one'));
    const env = { ORC_CONNECTIONS_CONFIG: file };
    const first = loadUserConnections(env);
    assert.equal(first.connections.warehouse.url, 'postgres://app@127.0.0.1/one');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(loadUserConnections(env), first, 'the same read while the folder did not change');
    fs.writeFileSync(file, decl('postgres://app@127.0.0.1/two'));
    const edited = await loadsUntil(env, (r) => r.connections.warehouse?.url !== 'postgres://app@127.0.0.1/one');
    assert.equal(edited.connections.warehouse.url, 'postgres://app@127.0.0.1/two');
    fs.writeFileSync(file, '{ broken');
    const broken = await loadsUntil(env, (r) => r.problem !== null);
    assert.match(broken.problem ?? '', /not JSON/);
    fs.rmSync(file);
    assert.deepEqual(await loadsUntil(env, (r) => r.problem === null), { connections: {}, problem: null });
  });

  it('a file made after the first load, in a folder made after it, is found', async () => {
    const file = path.join(dir, 'later', 'deeper', 'connections.json');
    const env = { ORC_CONNECTIONS_CONFIG: file };
    assert.deepEqual(loadUserConnections(env), { connections: {}, problem: null });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, decl('postgres://app@127.0.0.1/made-later'));
    const found = await loadsUntil(env, (r) => 'warehouse' in r.connections);
    assert.equal(found.connections.warehouse.url, 'postgres://app@127.0.0.1/made-later');
  });

  it('a file that is a link is read every time: an edit of what it points to is seen at once', () => {
    const target = path.join(dir, 'dotfiles', 'connections.json');
    fs.mkdirSync(path.dirname(target));
    fs.writeFileSync(target, decl('postgres://app@127.0.0.1/linked-one'));
    const file = path.join(dir, 'connections.json');
    fs.symlinkSync(target, file);
    const env = { ORC_CONNECTIONS_CONFIG: file };
    assert.equal(loadUserConnections(env).connections.warehouse.url, 'postgres://app@127.0.0.1/linked-one');
    fs.writeFileSync(target, decl('postgres://app@127.0.0.1/linked-two'));
    assert.equal(loadUserConnections(env).connections.warehouse.url, 'postgres://app@127.0.0.1/linked-two');
  });
});
