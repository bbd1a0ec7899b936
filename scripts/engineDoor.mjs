// The names of the values engine/api/index.ts exports (its `export { ... } from` lines, less the
// `type` ones): esbuild.mjs gives the extension's stand-in for the engine one getter per name, and
// test/scripts/package.test.ts checks them against what dist/engine.js exports.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const DOOR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'engine', 'api', 'index.ts');

export function engineValueExports(source = readFileSync(DOOR, 'utf8')) {
  const names = [];
  for (const m of source.matchAll(/^export\s*\{([^}]*)\}\s*from\s*['"][^'"]+['"]/gm)) {
    for (const entry of m[1].split(',').map((e) => e.trim()).filter(Boolean)) {
      if (entry.startsWith('type ')) continue;
      names.push(entry.split(/\s+as\s+/).pop());
    }
  }
  if (/^export\s+(?!type\b|\{)/m.test(source)) throw new Error('engine/api/index.ts: the lazy engine stand-in (esbuild.mjs) reads only `export { ... } from` lines');
  return names;
}
