// The shape of the house holds: every import of the product (types included) runs down the layers
// drawn in docs/architecture.md, no files import each other in a circle, the faces enter the engine
// through its one door, and no file is longer than a reader can hold.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers/cli';

/** Rooms bottom to top: a room may import rooms of a lower layer, never one of its own layer or above. */
const LAYERS: string[][] = [
  ['engine/util', 'engine/spec'],
  ['engine/parse', 'engine/template', 'engine/plan', 'engine/toolkit'],
  ['engine/models', 'engine/mcp'],
  ['engine/analyze', 'engine/tools', 'engine/guard'],
  ['engine/auto', 'engine/intel', 'engine/edit', 'engine/agent'],
  ['engine/run'],
  ['engine/distributed', 'engine/eval', 'engine/telemetry'],
  ['engine/optimize', 'engine/durable', 'engine/review'],
  ['engine/improve'],
  ['engine/api'],
  ['engine/a2a'],
  ['engine/serve'],
  ['engine/cli', 'server', 'media'],
  ['client'],
];

/** Rooms that reach the engine only through its one door, engine/api/ (besides engine types for the panel). */
const THROUGH_THE_DOOR = ['client', 'engine/cli', 'engine/a2a', 'engine/serve'];
/** Faces one face mounts beside the door: `orc serve --a2a` serves engine/a2a's routes on its app. */
const MOUNTED_FACES: Record<string, string[]> = { 'engine/serve': ['engine/a2a'] };
const MAX_FILE_LINES = 500;
const LONGER_ALLOWED = new Set(['engine/template/parser.ts']);

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function productFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'generated') walk(rel);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  for (const d of ['engine', 'server', 'client', 'media']) walk(d);
  return out.sort();
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function resolveTarget(from: string, spec: string): string | null {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const candidate of [`${base}.ts`, base, `${base}/index.ts`]) {
    if (fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile()) return candidate;
  }
  return null;
}

function importsOf(files: string[]): Import[] {
  const out: Import[] = [];
  for (const from of files) {
    const text = fs.readFileSync(path.join(ROOT, from), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[3] ?? m[4];
      const to = resolveTarget(from, spec);
      // a JSON schema or a YAML registry is data, not a room
      if (!to || !to.endsWith('.ts')) continue;
      out.push({ from, to, typeOnly: Boolean(m[2]) });
    }
  }
  return out;
}

function roomOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'engine' ? `engine/${parts.length > 2 ? parts[1] : parts[1].replace(/\.ts$/, '')}` : parts[0];
}

const layerOf = new Map(LAYERS.flatMap((rooms, i) => rooms.map((r) => [r, i] as const)));

/** Strongly connected groups of more than one file (Tarjan). */
function circles(imports: Import[]): string[][] {
  const next = new Map<string, string[]>();
  for (const i of imports) next.set(i.from, [...(next.get(i.from) ?? []), i.to]);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) visit(v);
  return found;
}

describe('architecture', () => {
  const files = productFiles();
  const imports = importsOf(files);

  it('every product file stands in a room of a layer', () => {
    assert.deepEqual(files.filter((f) => !layerOf.has(roomOf(f))), []);
  });

  it('every import runs down the layers (types included): none runs back up or sideways', () => {
    const wrong = imports
      .filter((i) => roomOf(i.from) !== roomOf(i.to) && layerOf.get(roomOf(i.to))! >= layerOf.get(roomOf(i.from))!)
      .map((i) => `${i.from} -> ${i.to}`);
    assert.deepEqual(wrong, []);
  });

  it('no files import each other in a circle (types included)', () => {
    assert.deepEqual(circles(imports), []);
  });

  it('the command line and the extension enter the engine only through engine/api/', () => {
    const wrong = imports
      .filter((i) => THROUGH_THE_DOOR.includes(roomOf(i.from)) && i.to.startsWith('engine/') && roomOf(i.to) !== roomOf(i.from) && roomOf(i.to) !== 'engine/api' && !(MOUNTED_FACES[roomOf(i.from)] ?? []).includes(roomOf(i.to)))
      .map((i) => `${i.from} -> ${i.to}`);
    assert.deepEqual(wrong, []);
  });

  it('the panel (media/) takes only types from the engine, and nothing from the host', () => {
    const wrong = imports
      .filter((i) => roomOf(i.from) === 'media' && roomOf(i.to) !== 'media' && !(i.to.startsWith('engine/') && i.typeOnly))
      .map((i) => `${i.from} -> ${i.to}`);
    assert.deepEqual(wrong, []);
  });

  it('the engine never imports vscode', () => {
    const wrong = files.filter((f) => f.startsWith('engine/') && /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    assert.deepEqual(wrong, []);
  });

  it(`no product file is over ${MAX_FILE_LINES} lines (the template parser excepted)`, () => {
    const long = files
      .filter((f) => !LONGER_ALLOWED.has(f))
      .map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > MAX_FILE_LINES + 1)
      .map(([f, n]) => `${f}: ${n - 1} lines`);
    assert.deepEqual(long, []);
  });
});

/** Folders of test/ that mirror nothing: the workbench suite (a room of its own), shared helpers, data. */
const NOT_MIRRORED = ['test/e2e/', 'test/helpers/', 'test/fixtures/'];
/** Folders of the house that are not product rooms but have tests of their own. */
const TESTED_OUTSIDE_THE_ROOMS = ['docs', 'scripts'];

function testFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) {
        if (!NOT_MIRRORED.includes(`${rel}/`)) walk(rel);
      } else out.push(rel);
    }
  };
  walk('test');
  return out.sort();
}

describe('architecture: test/ is laid out like the house', () => {
  const files = testFiles();

  it('every test lies in test/<room>/, beside the name of a room of the product (test/engine/run/ holds engine/run/\'s tests)', () => {
    const wrong = files.filter((f) => {
      const room = path.posix.dirname(f).slice('test/'.length);
      const isRoom = layerOf.has(room) || TESTED_OUTSIDE_THE_ROOMS.includes(room);
      return !f.endsWith('.test.ts') || !isRoom || !fs.statSync(path.join(ROOT, room)).isDirectory();
    });
    assert.deepEqual(wrong, []);
  });

  it('no test is named after a round of hardening: it is named for what it covers', () => {
    assert.deepEqual(files.filter((f) => /^hardening/i.test(path.posix.basename(f))), []);
  });
});
