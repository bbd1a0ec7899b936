// `npm run package`: builds the bundles, then the extension's .vsix with @vscode/vsce's API,
// offline. What goes in is the allow-list in .vscodeignore; node_modules never does (the bundles
// carry their dependencies, except playwright-core: see below). Prints the package's path and size.
//
//   node scripts/package.mjs [--out DIR] [--no-build] [--base-url URL]
//
// --out DIR       where the .vsix goes (default dist-vsix/, ignored by git)
// --no-build      package dist/ as it is (the tests build first themselves)
// --base-url URL  the public address of the repository's files: README's and CHANGELOG's relative
//                 links and images are rewritten against it (vsce's rewriting and checks). Without
//                 it, and while package.json names no repository, they stay relative: the images
//                 they show are packaged (docs/images), and this script checks that each one is.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createVSIX, listFiles, PackageManager } from '@vscode/vsce';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(name) {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (!value || value.startsWith('--')) fail(`${name} needs a value`);
  return value;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

const outDir = path.resolve(ROOT, option('--out') ?? 'dist-vsix');
const baseUrl = option('--base-url');
if (baseUrl && !/^https:\/\//.test(baseUrl)) fail(`--base-url must be an https:// address, got ${baseUrl}`);

if (!process.argv.includes('--no-build')) {
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) fail(`the build failed (exit ${r.status ?? r.signal})`);
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

// vsce lists every file under its folder, node_modules/ alone left out, before .vscodeignore filters
// them: in a checkout holding the workbench tools (.tools/, 85,000 files) that took minutes of CPU.
// It packages a staging folder instead: the top-level entries .vscodeignore lets through, copied,
// and node_modules linked (vsce asks npm for the production dependencies there; its `**` follows no
// link at the top, so the folder's own listing never enters it). The allow-list decides as before.
// vsce then matches each file of the production dependencies against every pattern of the ignore
// lists with minimatch(file, pattern), which compiles the pattern anew on each call (18 of its 25 s
// of CPU here). Its calls go through the minimatch module's export, so the same module's export is
// wrapped here to compile each pattern once. Should vsce stop calling it so, the wrapper is simply
// not used: the package is the same, only slower.
{
  const vsceRequire = createRequire(createRequire(import.meta.url).resolve('@vscode/vsce'));
  const mm = vsceRequire('minimatch');
  const compiled = new Map();
  const original = mm.minimatch;
  if (typeof original === 'function' && typeof mm.Minimatch === 'function') {
    mm.minimatch = (file, pattern, options = {}) => {
      const key = `${JSON.stringify(options)}\0${pattern}`;
      let m = compiled.get(key);
      if (m === undefined) compiled.set(key, (m = new mm.Minimatch(pattern, options)));
      return !options.nocomment && pattern.startsWith('#') ? false : m.match(file);
    };
  }
}
const stage = mkdtempSync(path.join(tmpdir(), 'orc-package-'));
process.on('exit', () => rmSync(stage, { recursive: true, force: true }));
const allowListed = readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('!'))
  .map((l) => l.slice(1).trim().split('/')[0]);
for (const name of new Set(['package.json', 'README.md', '.vscodeignore', ...allowListed])) {
  if (name !== 'node_modules' && existsSync(path.join(ROOT, name))) cpSync(path.join(ROOT, name), path.join(stage, name), { recursive: true });
}
symlinkSync(path.join(ROOT, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
// vsce rewrites relative links against a base URL, or one it derives from a GitHub or GitLab
// `repository`; this project has neither yet, so there is nothing to rewrite against.
const rewrite = Boolean(baseUrl || manifest.repository);

if (!rewrite) {
  // What vsce checks when it rewrites, for a package whose README stays self-contained: every image
  // is a packaged file (or an https address), none is an SVG.
  const packaged = new Set(await listFiles({ cwd: stage, packageManager: PackageManager.None }));
  const problems = [];
  for (const doc of ['README.md', 'CHANGELOG.md']) {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    const images = [...text.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)/g), ...text.matchAll(/<img[^>]*\ssrc=["']([^"']+)["']/g)].map((m) => m[1]);
    for (const src of images) {
      if (/\.svg(\?|#|$)/i.test(src) || src.startsWith('data:')) problems.push(`${doc}: ${src}: no SVG or data: images`);
      else if (/^[a-z][a-z0-9+.-]*:/i.test(src)) {
        if (!src.startsWith('https://')) problems.push(`${doc}: ${src}: an image from the web must come over https`);
      } else if (!packaged.has(path.posix.normalize(path.posix.join(path.posix.dirname(doc), src.split(/[?#]/)[0])))) {
        problems.push(`${doc}: ${src}: the image is not in the package (see .vscodeignore)`);
      }
    }
  }
  if (problems.length) fail(`images that would be broken in the installed extension:\n  ${problems.join('\n  ')}`);
}

mkdirSync(outDir, { recursive: true });
const packagePath = path.join(outDir, `${manifest.name}-${manifest.version}.vsix`);
await createVSIX({
  cwd: stage,
  packagePath,
  // the bundles in dist/ carry every runtime dependency but one: playwright-core, which the browser
  // tools load on first use and which is not bundled (engine/tools/browser.ts). vsce takes the
  // production dependencies, and .vscodeignore lets only playwright-core's files through.
  dependencies: true,
  packageManager: PackageManager.Npm,
  // (package.json has no `vscode:prepublish` hook: the build above is the only build)
  allowMissingRepository: !manifest.repository,
  rewriteRelativeLinks: rewrite,
  ...(baseUrl ? { baseContentUrl: baseUrl, baseImagesUrl: baseUrl } : {}),
});

const bytes = statSync(packagePath).size;
const shown = path.relative(process.cwd(), packagePath);
console.log(`${shown.startsWith('..') ? packagePath : shown}  ${(bytes / 1024 / 1024).toFixed(2)} MB (${bytes} bytes)`);
