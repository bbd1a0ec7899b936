// The `object-storage` tool on both its stores, with the same operations and exact result documents:
// the embedded `file://` store on real files in a temporary workspace, and S3 through the real
// @aws-sdk/client-s3 against s3rver (an S3-compatible server from npm) in a child process on 127.0.0.1, stopped by the test.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_TOOLS } from '../../../engine/tools/registry';
import type { ToolOutcome } from '../../../engine/toolkit/runtime';
import { startS3Server, type S3Server } from '../../helpers/s3Server';
import { toolContext } from '../../helpers/toolContext';

let root: string;
const store = (action: string, params: Record<string, unknown>): Promise<ToolOutcome> => BUILTIN_TOOLS['object-storage'].run(action, params, toolContext(root));

async function rejects(p: Promise<unknown>, errorType: string, message: string): Promise<void> {
  await assert.rejects(p, (e: Error & { errorType?: string }) => {
    assert.equal(e.errorType ?? e.name, errorType);
    assert.equal(e.message, message);
    return true;
  });
}

const stripTimes = (r: ToolOutcome) => {
  const res = r.result as { objects: { last_modified: string | null }[]; count: number; truncated: boolean };
  for (const o of res.objects) {
    assert.match(String(o.last_modified), /^\d{4}-\d\d-\d\dT/);
    o.last_modified = 'T';
  }
  return res;
};

/** The same operations on a store: `base` is `file://store` or `s3://bucket`; `extra` adds the endpoint. */
function sameOperations(base: () => string, extra: () => Record<string, unknown>) {
  it('puts text, data and a file, gets them back, lists by prefix and deletes', async () => {
    const b = base();
    assert.deepEqual((await store('put', { url: `${b}/reports/a.txt`, content: 'héllo', ...extra() })).result, { url: `${b}/reports/a.txt`, size: 6 });
    assert.deepEqual((await store('put', { url: `${b}/reports/b.json`, content: { n: 1 }, ...extra() })).result, { url: `${b}/reports/b.json`, size: 7 });
    fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(300_000, 7));
    assert.deepEqual((await store('put', { url: `${b}/blobs/big.bin`, from_file: 'big.bin', ...extra() })).result, { url: `${b}/blobs/big.bin`, size: 300_000 });

    const got = (await store('get', { url: `${b}/reports/a.txt`, ...extra() })).result as Record<string, unknown>;
    assert.deepEqual({ ...got, content_type: null }, { url: `${b}/reports/a.txt`, content: 'héllo', size: 6, content_type: null, file: null });
    const file = await store('get', { url: `${b}/blobs/big.bin`, to_file: 'copy/big.bin', ...extra() });
    assert.equal((file.result as { file: string; size: number }).size, 300_000);
    assert.ok(fs.readFileSync(path.join(root, 'copy', 'big.bin')).equals(Buffer.alloc(300_000, 7)));
    await rejects(store('get', { url: `${b}/blobs/big.bin`, max_bytes: 1000, ...extra() }), 'LimitError', `${b}/blobs/big.bin is larger than max_bytes (300000 > 1000): read it with to_file`);

    assert.deepEqual(stripTimes(await store('list', { url: `${b}/reports/`, ...extra() })), {
      objects: [
        { key: `${prefixOf(b)}reports/a.txt`, url: `${b}/reports/a.txt`, size: 6, last_modified: 'T' },
        { key: `${prefixOf(b)}reports/b.json`, url: `${b}/reports/b.json`, size: 7, last_modified: 'T' },
      ],
      count: 2,
      truncated: false,
    });
    const one = stripTimes(await store('list', { url: `${b}/`, max_keys: 1, ...extra() }));
    assert.deepEqual([one.count, one.truncated], [1, true]);

    assert.deepEqual((await store('delete', { url: `${b}/reports/a.txt`, ...extra() })).result, { url: `${b}/reports/a.txt`, deleted: true });
    assert.deepEqual((await store('delete', { url: `${b}/reports/a.txt`, ...extra() })).result, { url: `${b}/reports/a.txt`, deleted: true });
    await rejects(store('get', { url: `${b}/reports/a.txt`, ...extra() }), 'NotFound', `No object ${b}/reports/a.txt`);
  });
}

function prefixOf(base: string): string {
  return base.startsWith('file://') ? `${base.slice('file://'.length)}/` : '';
}

describe('object-storage tool', function () {
  this.timeout(60_000);
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-objects-')));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  describe('file:// (embedded)', () => {
    sameOperations(() => 'file://store', () => ({}));

    it('keeps objects inside the workspace', async () => {
      await rejects(store('get', { url: 'file://../x' }), 'PermissionError', "file://../x: a file:// location is a path inside the workspace, relative to the working directory, without '..'");
      await rejects(store('put', { url: 'file://a.txt', content: 'x', from_file: 'b' }), 'ValueError', "put takes 'content' or 'from_file', not both");
      await rejects(store('get', { url: 'ftp://h/x' }), 'ValueError', 'Unsupported location ftp://h/x: use s3://bucket/key or file://folder/key');
      await rejects(store('get', { url: 'file://a.txt', to_file: '../out' }), 'PermissionError', 'to_file escapes the workspace: ../out');
    });
  });

  describe('s3:// (s3rver on 127.0.0.1)', () => {
    let server: S3Server;
    let endpoint = '';
    const saved: Record<string, string | undefined> = {};
    before(async () => {
      server = await startS3Server(['bucket']);
      endpoint = server.endpoint;
      for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_PROFILE']) saved[k] = process.env[k];
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
      delete process.env.AWS_PROFILE;
    });
    after(async () => {
      await server?.stop();
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    });

    sameOperations(() => 's3://bucket', () => ({ endpoint }));

    it('says when the bucket does not exist', async () => {
      await rejects(store('get', { url: 's3://nobucket/x', endpoint }), 'ValueError', 's3://nobucket/x: the bucket does not exist');
    });
  });
});
