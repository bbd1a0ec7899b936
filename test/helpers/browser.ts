// The system's Chromium for tests of the browser tools, installed on first use as the workbench
// tests' tools are.
import { spawnSync } from 'node:child_process';
import { findBrowser } from '../../engine/tools/browser';

/**
 * The browser the tools find (the same /usr/bin/chromium the workbench tests drive). When there is
 * none, Debian's chromium is installed the way scripts/installE2ETools.mjs installs it.
 */
export function ensureBrowser(): string {
  try {
    return findBrowser();
  } catch {
    if (process.getuid?.() !== 0) throw new Error('These tests need Chromium: sudo apt-get install -y chromium');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', 'chromium']]) {
      const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
      if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    }
    return findBrowser();
  }
}

