// The build's files appear whole or not at all. The build runs while other processes read dist/:
// the test suite packages the extension (scripts/package.mjs builds again) beside tests that run
// `node dist/cli.js`, and `node esbuild.mjs --watch` rebuilds while a developer runs the CLI. A file
// written in place is empty, then partial, for a moment: a run that required dist/vendor/google-genai.js
// in that moment got an empty module ("m.GoogleGenAI is not a constructor"). Each file is written
// to a temporary name beside it and renamed over it, which readers see as one change.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Writes `file` through a temporary file renamed over it, keeping the mode of the file it replaces. */
export function writeAtomic(file, data) {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data);
    try {
      chmodSync(temp, statSync(file).mode & 0o7777);
    } catch {
      // no file there yet: the default mode
    }
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

/** Copies `from` to `to` with writeAtomic. */
export function copyAtomic(from, to) {
  writeAtomic(to, readFileSync(from));
}

/** Escapes every non-ASCII character of a bundle's text (see esbuild.mjs, `ascii`). */
function asciiText(text) {
  return /[^\x00-\x7f]/.test(text) ? text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
}

/**
 * The esbuild plugin that writes a build's files with writeAtomic; the build is given `write: false`
 * (`atomicBuild`). `ascii`: the .js files are written with every non-ASCII character escaped.
 */
export function atomicWrite({ ascii = false } = {}) {
  return {
    name: 'atomic-write',
    setup(build) {
      build.onEnd((result) => {
        if (result.errors.length) return;
        for (const f of result.outputFiles ?? []) writeAtomic(f.path, ascii && f.path.endsWith('.js') ? asciiText(f.text) : f.contents);
      });
    },
  };
}

/** esbuild options that write through atomicWrite instead of in place. */
export function atomicBuild(options, { ascii = false } = {}) {
  return { ...options, write: false, plugins: [...(options.plugins ?? []), atomicWrite({ ascii })] };
}
