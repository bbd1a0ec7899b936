// `orc serve` as a user starts it: `node dist/cli.js serve --root DIR --port 0`, its URL read from
// its first line on stdout, its output kept, and stopped (SIGTERM, then SIGKILL) by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, withoutProviderEnv } from './cli';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startServe(root: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--root', root, '--port', '0', ...args], { cwd: root, env: { ...withoutProviderEnv(), NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /^listening on (http:\/\/\S+)\n/.exec(stdout);
      if (m) {
        child.stdout!.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`orc serve exited (${code}) before listening: ${stderr}`)));
  });
  return {
    url,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A workspace of pipelines that need no model, written into `dir`. */
export function writeWorkspace(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

/** One SSE frame. */
export interface Frame {
  id: number;
  event: string;
  data: unknown;
}

/** Frames of an SSE body text. */
export function framesOf(text: string): Frame[] {
  return text
    .split('\n\n')
    // (a comment block, `: keep-alive`, is no frame)
    .filter((b) => b.trim() && !b.startsWith(':'))
    .map((b) => {
      const f: Record<string, string> = {};
      for (const line of b.split('\n')) {
        const i = line.indexOf(': ');
        if (i > 0) f[line.slice(0, i)] = line.slice(i + 2);
      }
      return { id: Number(f.id), event: f.event, data: JSON.parse(f.data) };
    });
}

/** Reads an SSE response as it comes, until `enough(frames)` holds or it ends; the rest is left unread (cancelled). */
export async function readFrames(res: Response, enough: (frames: Frame[]) => boolean = () => false): Promise<{ frames: Frame[]; ended: boolean }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { frames: framesOf(text), ended: true };
    text += decoder.decode(value, { stream: true });
    const complete = text.slice(0, text.lastIndexOf('\n\n') + 2);
    const frames = framesOf(complete);
    if (enough(frames)) {
      await reader.cancel();
      return { frames, ended: false };
    }
  }
}
