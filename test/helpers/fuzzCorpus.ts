// Deterministic mutations of the example pipelines: what a person mid-edit (or a hostile file)
// gives the analyzer. The language-server suite replays the same corpus through every handler.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BEHAVIOUR, ROOT } from './cli';

/** mulberry32: a small seeded PRNG, so a failure names a seed that reproduces it. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedDocuments(): { name: string; text: string }[] {
  const dirs = [path.join(ROOT, 'examples'), BEHAVIOUR];
  return dirs.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.yaml')).map((f) => ({ name: f, text: fs.readFileSync(path.join(d, f), 'utf8') })));
}

type Mutation = (text: string, r: () => number) => string;

const pick = <T>(xs: T[], r: () => number): T => xs[Math.floor(r() * xs.length)];
const lines = (t: string) => t.split('\n');

export const MUTATIONS: Record<string, Mutation> = {
  deleteLine: (t, r) => { const l = lines(t); l.splice(Math.floor(r() * l.length), 1); return l.join('\n'); },
  duplicateLine: (t, r) => { const l = lines(t); const i = Math.floor(r() * l.length); l.splice(i, 0, l[i]); return l.join('\n'); },
  breakIndent: (t, r) => { const l = lines(t); const i = Math.floor(r() * l.length); l[i] = ' '.repeat(Math.floor(r() * 7)) + l[i].trimStart(); return l.join('\n'); },
  randomBytes: (t, r) => { const i = Math.floor(r() * t.length); let junk = ''; for (let k = 0; k < 1 + r() * 8; k++) junk += String.fromCharCode(Math.floor(r() * 0x3000)); return t.slice(0, i) + junk + t.slice(i); },
  truncate: (t, r) => t.slice(0, Math.floor(r() * t.length)),
  swapChars: (t, r) => { const i = Math.floor(r() * (t.length - 1)); return t.slice(0, i) + t[i + 1] + t[i] + t.slice(i + 2); },
  templateNoise: (t, r) => { const i = Math.floor(r() * t.length); return t.slice(0, i) + pick(['{{', '}}', '{%', '%}', '{{ x.', '| ', '<AUTO>', '</AUTO>', "['", '"', "'", '{% for %}', '{{ steps[ }}'], r) + t.slice(i); },
  yamlNoise: (t, r) => { const i = Math.floor(r() * t.length); return t.slice(0, i) + pick(['&a ', '*a', '*nope', '- ', ': ', '? ', '!!binary ', '[', ']', '{', '}', '|', '>', '#', '---\n', '...\n', '\t', '%YAML 1.1\n'], r) + t.slice(i); },
  renameId: (t, r) => t.replace(/id: (\w+)/, (_, id) => `id: ${id}${pick(['-x', ' y', '', '2', '$', '.'], r)}`),
  hugeScalar: (t) => t.replace(/content: .*/, `content: "${'x'.repeat(1_000_000)}"`),
};

/** Hostile documents no mutation of the examples reaches; `broken` ones must get an error finding. */
export function hostileDocuments(): { name: string; text: string; broken: boolean }[] {
  const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  return [
    { name: 'alias bomb', broken: true, text: bomb.join('\n') + '\nsteps: [*i]\n' },
    { name: 'deep flow nesting', broken: true, text: 'steps: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n' },
    // the language server died of this one (SIGABRT in V8's regexp compiler) before nestingDepth.ts
    { name: 'deeper flow nesting in a long document', broken: true, text: 'id: deep\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: hi}\n  - id: b\n    action: generate\n    parameters: {prompt: ' + '['.repeat(20_000) + ']'.repeat(20_000) + '}\n' },
    { name: 'deep block nesting', broken: true, text: 'steps:\n' + Array.from({ length: 800 }, (_, i) => ' '.repeat(i * 2) + '- ').join('\n') + 'x\n' },
    { name: 'deep template nesting', broken: true, text: `steps:\n  - id: a\n    action: generate\n    parameters: {prompt: "{{ ${'('.repeat(3000)}1${')'.repeat(3000)} }}"}\n` },
    { name: 'many steps in one line', broken: true, text: 'steps: [' + Array.from({ length: 3000 }, (_, i) => `{id: s${i}, action: generate, parameters: {prompt: hi}, dependencies: [s${Math.max(0, i - 1)}]}`).join(',') + ']\n' },
    { name: 'a long chain', broken: false, text: 'id: chain\nsteps:\n' + Array.from({ length: 3000 }, (_, i) => `  - id: s${i}\n    action: generate\n    parameters: {prompt: "{{ ${i ? `s${i - 1}.result` : "'go'"} }}"}\n`).join('') },
    { name: 'a 3000-step cycle', broken: true, text: 'steps:\n' + Array.from({ length: 3000 }, (_, i) => `  - {id: s${i}, action: generate, parameters: {prompt: hi}, dependencies: [s${(i + 1) % 3000}]}\n`).join('') },
    { name: 'binary junk', broken: true, text: Array.from({ length: 4000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join('') },
    { name: 'only a BOM and tabs', broken: true, text: '\ufeff\t\t\n\t' },
    { name: 'null bytes', broken: true, text: 'id: x\u0000\nsteps:\u0000 []\n' },
    { name: 'lone surrogates', broken: true, text: 'id: x\nsteps:\n  - id: a\ud800\n    action: gen\udc00erate\n' },
    { name: 'a million-character key', broken: true, text: `${'k'.repeat(1_000_000)}: 1\nsteps: []\n` },
    { name: 'CRLF and CR line ends', broken: true, text: 'id: x\r\nsteps:\r  - id: a\r\n    action: generate\r\n    parameters: {prompt: "{{ nope }}"}\r\n' },
    // the template parser's own depth limits, in a block scalar and a quoted one (which the YAML
    // nesting limit does not count): a finding, never a stack overflow
    { name: 'deeply nested template blocks', broken: true, text: `id: p\nsteps:\n  - id: a\n    action: generate\n    parameters:\n      prompt: |\n        ${'{% if x %}{% for i in x %}'.repeat(1500)}y${'{% endfor %}{% endif %}'.repeat(1500)}\n` },
    { name: 'a long filter chain', broken: true, text: `id: p\nsteps:\n  - id: a\n    action: generate\n    parameters:\n      prompt: "{{ 'x'${' | upper'.repeat(5000)} }}"\n` },
  ];
}

/** `count` mutated documents, each with 1 to 3 mutations, deterministic for a seed. */
export function* mutatedDocuments(count: number, seed = 1): Generator<{ name: string; text: string }> {
  const seeds = seedDocuments();
  const r = rng(seed);
  const names = Object.keys(MUTATIONS).filter((m) => m !== 'hugeScalar');
  for (let i = 0; i < count; i++) {
    const base = pick(seeds, r);
    let text = base.text;
    const applied: string[] = [];
    const n = 1 + Math.floor(r() * 3);
    for (let k = 0; k < n; k++) {
      const m = i % 200 === 0 && k === 0 ? 'hugeScalar' : pick(names, r);
      text = MUTATIONS[m](text, r);
      applied.push(m);
    }
    yield { name: `#${i} ${base.name} ${applied.join('+')}`, text };
  }
}
