// Packages the fake language model provider (this folder) as a .vsix with @vscode/vsce and installs
// it into a fresh extensions folder with code-server's --install-extension, as a user installs an
// extension: a second extension under development is not loaded by the web workbench, and the
// chat provider's vendor must be declared by the extension that registers it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CODE_SERVER_ENTRY, NODE24 } from '../codeServer';

/** This process's installed copy: packaged and installed once, and shared by the workbenches the
 * process starts one after another (it ran 7 times a run, each a packaging and a code-server
 * process of its own). */
let installed: Promise<string> | null = null;

export function installFakeLanguageModel(): Promise<string> {
  installed ??= install();
  // a failed install is tried again by the next caller
  installed.catch(() => (installed = null));
  return installed;
}

async function install(): Promise<string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-fake-lm-'));
  const vsix = path.join(tmp, 'fake-language-model.vsix');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createVSIX } = require('@vscode/vsce') as typeof import('@vscode/vsce');
  await createVSIX({ cwd: __dirname, packagePath: vsix, dependencies: false, allowMissingRepository: true, skipLicense: true, allowStarActivation: true });
  const extensionsDir = path.join(tmp, 'extensions');
  const r = spawnSync(NODE24, [CODE_SERVER_ENTRY, '--user-data-dir', path.join(tmp, 'user-data'), '--extensions-dir', extensionsDir, '--install-extension', vsix], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'config'), XDG_DATA_HOME: path.join(tmp, 'data') },
  });
  if (r.status !== 0 || !/was successfully installed/.test(r.stdout)) throw new Error(`installing the fake language model failed:\n${r.stdout}\n${r.stderr}`);
  return extensionsDir;
}
