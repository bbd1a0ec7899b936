// The built language server started as the extension starts it, with ORCHESTRATOR_COMPILE_CACHE
// (server/entry.ts): its features' bundle is loaded with V8's code cache, which the first server
// writes once it has analysed a document and every later start reads, under the same V8 flags the
// server sets on itself (server/server.ts). Without the variable nothing is cached.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { SERVER_ENV } from '../../server/launch';
import { ROOT } from '../helpers/cli';
import { LspClient } from '../helpers/lspClient';

const FEATURES = path.join(ROOT, 'dist', 'serverFeatures.js');
const DOC = ['id: p', 'steps:', '  - id: a', '    tool: filesystem', '    action: read', '    parameters: {path: in.txt}', '  - id: b', '    dependencies: [a, missing]', '    action: <AUTO>say hi</AUTO>', ''].join('\n');

/** A server's session: start, open DOC, its diagnostics; then (when asked) long enough for the cache's write, and stop. Returns the server's stderr and the diagnostics' messages. */
async function session(env: NodeJS.ProcessEnv, waitForWrite: boolean): Promise<{ log: string; messages: string[] }> {
  const lsp = new LspClient('stdio', process.execPath, undefined, env);
  try {
    const diagnostics = new Promise<PublishDiagnosticsParams>((resolve) => lsp.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => resolve(p)));
    await lsp.initialize();
    lsp.open('file:///tmp/orc-code-cache/p.pipeline.yaml', DOC);
    const messages = (await diagnostics).diagnostics.map((d) => String(d.message));
    // the features' cache is written 3 s after they load (server/entry.ts)
    if (waitForWrite) await new Promise((r) => setTimeout(r, 4000));
    return { log: lsp.logs.join(''), messages };
  } finally {
    await lsp.stop();
  }
}

describe("language server: its features' code cache", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-server-cache-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is written by the first server once it has worked, and read by the next, whose diagnostics are the same', async () => {
    const cache = path.join(dir, 'compile-cache');
    const env = { ...process.env, ...SERVER_ENV, ORCHESTRATOR_COMPILE_CACHE: cache, NODE_DEBUG: 'orc_code_cache' };
    const first = await session(env, true);
    assert.ok(first.log.includes(`code cache of ${FEATURES} absent`), first.log);
    assert.ok(first.log.includes(`code cache of ${FEATURES} written for server`), first.log);
    const written = fs.readdirSync(cache).filter((f) => f.endsWith('.v8cache'));
    assert.equal(written.length, 1, written.join(', '));
    assert.match(written[0], /^serverFeatures\.js-\d+-\d+-\d+-v[\d.]+-\w+\.v8cache$/);
    const before = fs.statSync(path.join(cache, written[0]));
    assert.ok(before.size > 100_000, `${before.size} bytes`);

    const second = await session(env, false);
    // accepted: V8's flags when the cache was made (the server's own, the idle collection's) are those of a fresh start
    assert.ok(second.log.includes(`code cache of ${FEATURES} accepted`), second.log);
    assert.ok(!second.log.includes('written'), second.log);
    assert.deepEqual(second.messages, first.messages);
    assert.ok(second.messages.some((m) => m.includes('missing')), second.messages.join('\n'));
    assert.equal(fs.statSync(path.join(cache, written[0])).mtimeMs, before.mtimeMs);
  });

  it('is not kept without ORCHESTRATOR_COMPILE_CACHE', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...SERVER_ENV, NODE_DEBUG: 'orc_code_cache', XDG_CACHE_HOME: dir };
    delete env.ORCHESTRATOR_COMPILE_CACHE;
    const { log, messages } = await session(env, false);
    assert.ok(!log.includes('code cache'), log);
    assert.ok(messages.length > 0);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
