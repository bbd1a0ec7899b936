// `npm run demo`: the extension in a real VS Code workbench with examples/ open. Installs
// code-server, Node 24 and chromium on first use (scripts/installE2ETools.mjs), builds, starts
// code-server on 127.0.0.1 and prints the URL to open in a browser. Ctrl-C stops it (its whole
// process group). DEMO_PORT picks the port.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, Workbench } from '../test/e2e/codeServer';

async function main(): Promise<void> {
  const install = spawnSync('node', [path.join(ROOT, 'scripts', 'installE2ETools.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (install.status !== 0) process.exit(install.status ?? 1);
  const build = spawnSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const port = process.env.DEMO_PORT ? Number(process.env.DEMO_PORT) : undefined;
  const wb = await Workbench.start({ workspace: path.join(ROOT, 'examples'), trusted: true, port, settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
  const stop = () => {
    wb.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`\nOrchestrator is running in VS Code (code-server) with examples/ open:\n\n  ${wb.url()}\n`);
  console.log('Open a pipeline, then "Orchestrator: Run Pipeline" from the command palette (Ctrl+Shift+P),');
  console.log('or the ▶ Run pipeline lens above its first line. Runs write into examples/output/.');
  console.log('Press Ctrl-C to stop.');
  await new Promise(() => undefined);
}

void main();
