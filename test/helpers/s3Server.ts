// An S3-compatible server of the test's own: s3rver (from npm) in a child process on 127.0.0.1 and a
// free port, with a fresh folder and the given buckets; stopped by the test (and with this process).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface S3Server {
  endpoint: string;
  stop(): Promise<void>;
}

export function startS3Server(buckets: string[]): Promise<S3Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', path.join(__dirname, 's3rverMain.cjs'), dir, ...buckets], { stdio: ['pipe', 'pipe', 'inherit'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before it listened`)));
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (!out.includes('\n')) return;
      const { port } = JSON.parse(out.split('\n')[0]) as { port: number };
      child.removeAllListeners('exit');
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise<void>((done) => {
            process.off('exit', killOnExit);
            if (child.exitCode !== null) return done();
            child.once('exit', () => {
              fs.rmSync(dir, { recursive: true, force: true });
              done();
            });
            child.stdin!.end();
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      });
    });
  });
}
