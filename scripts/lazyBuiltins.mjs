// Node's built-in modules that only some commands use, loaded when first used rather than when the
// CLI starts. The bundle imports them at the top of the modules that need them (a run's terminal
// steps, `orc serve`'s HTTP and HTTP/2, the durable worker, the browser tool, the REPL's readline),
// so every `orc` command loaded them all: `orc validate` loaded 91 of Node's internal modules that
// `node -e 0` does not, and requiring those built-ins alone costs 55 ms of CPU on top of a bare
// start's 70 (2026-11-28, Node 22, 8 runs each). Each one named here resolves to a stand-in: an
// object with a getter (and a setter) per export the built-in has where the bundle is built, which
// requires the built-in the first time any of them is read. The objects a stand-in hands out are
// the built-in's own, so `instanceof` and identity hold; only reading an export loads it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The built-ins made lazy: those a command that neither runs nor serves has no use for. */
export const LAZY_BUILTINS = ['child_process', 'dgram', 'http', 'http2', 'https', 'net', 'readline', 'readline/promises', 'tls', 'v8', 'worker_threads', 'zlib'];

const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.map((m) => m.replace('/', '\\/')).join('|')})$`);

/** The stand-in's source for `name` (without `node:`). */
function standIn(name) {
  const names = Object.keys(require(`node:${name}`)).filter((n) => n !== 'default' && n !== '__esModule');
  return [
    `let m;`,
    `const load = () => (m ??= require(${JSON.stringify(`node:${name}`)}));`,
    `for (const name of ${JSON.stringify(names)}) Object.defineProperty(module.exports, name, { enumerable: true, get: () => load()[name], set: (v) => { load()[name] = v; } });`,
  ].join('\n');
}

/** The esbuild plugin: each of LAZY_BUILTINS, with or without `node:`, is its stand-in. */
export const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter }, (a) => (a.namespace === 'lazy-builtin' ? { path: `node:${a.path.replace(/^node:/, '')}`, external: true } : { path: a.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (a) => ({ loader: 'js', contents: standIn(a.path) }));
  },
};
