// The model registry as the bundles read it: engine/models/registry.yaml (the source, which people
// read and edit) parsed at build time and written as dist/registry.json beside the bundles. Parsing
// its two dozen flow-style lines with the yaml library took 13-22 ms at each start of a process that
// reached a model (every `orc run` or `orc eval` of a pipeline with a model step, the language
// server's first model hover); JSON.parse takes a twentieth of a millisecond.
// engine/models/registry.ts reads the JSON beside itself when it is there, the YAML otherwise.
import { readFileSync } from 'node:fs';
import { writeAtomic } from './atomicOutput.mjs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Writes `registry.json` into `dir`, from registry.yaml under `root` (this checkout by default). */
export function writeRegistryJson(dir, root = fileURLToPath(new URL('..', import.meta.url))) {
  const doc = parse(readFileSync(path.join(root, 'engine', 'models', 'registry.yaml'), 'utf8'), { prettyErrors: false });
  if (!doc || !Array.isArray(doc.models)) throw new Error('engine/models/registry.yaml has no models: list');
  writeAtomic(path.join(dir, 'registry.json'), JSON.stringify(doc) + '\n');
}
