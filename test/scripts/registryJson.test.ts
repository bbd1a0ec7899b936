// The model registry the bundles read (dist/registry.json, written by esbuild.mjs) is
// engine/models/registry.yaml's, and what the engine reads beside a bundle when it is there.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
// @ts-expect-error: a plain ES module of the build, without types
import { writeRegistryJson } from '../../scripts/registryJson.mjs';
import { ROOT } from '../helpers/cli';

describe('the model registry as the bundles read it', () => {
  it('registry.json holds every model of registry.yaml, with every field, in its order', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orc-registry-'));
    try {
      writeRegistryJson(dir);
      const written = JSON.parse(readFileSync(path.join(dir, 'registry.json'), 'utf8')) as { models: { provider: string; name: string; price_in: number }[] };
      assert.deepEqual(written, parse(readFileSync(path.join(ROOT, 'engine', 'models', 'registry.yaml'), 'utf8')));
      // the first entry, as the registry lists it
      assert.deepEqual(written.models[0], { provider: 'openai', name: 'gpt-4o-mini', size: null, expertise: ['general', 'code'], capabilities: ['json_mode', 'tools', 'vision'], modalities: ['text', 'image'], context_window: 128000, price_in: 0.15, price_out: 0.6 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
