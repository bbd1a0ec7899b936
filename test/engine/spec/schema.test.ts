// The JSON Schema: a description on every key (hovers and completions show them), the generated
// validator current with it, and the extension manifest pointing at it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../helpers/cli';

const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'engine/spec/pipeline.schema.json'), 'utf8'));

/** Keys under `properties` anywhere in the schema that have no description of their own. */
function undescribed(node: unknown, at: string, out: string[]): string[] {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return out;
  const n = node as Record<string, unknown>;
  const props = (n.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(props)) {
    if (typeof v.description !== 'string' || v.description.length < 10) out.push(`${at}.properties.${k}`);
    undescribed(v, `${at}.properties.${k}`, out);
  }
  // the other keywords that hold schemas
  for (const [k, v] of Object.entries((n.$defs ?? {}) as Record<string, unknown>)) undescribed(v, `${at}.$defs.${k}`, out);
  for (const key of ['items', 'additionalProperties', 'if', 'then', 'else', 'propertyNames']) undescribed(n[key], `${at}.${key}`, out);
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(n[key])) (n[key] as unknown[]).forEach((x, i) => undescribed(x, `${at}.${key}.${i}`, out));
  return out;
}

describe('the pipeline JSON Schema', () => {
  it('is draft 2020-12', () => assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema'));

  it('has a description on every key', () => {
    assert.deepEqual(undescribed(schema, '#', []), []);
  });

  it('the generated validator is current with the schema', () => {
    const r = spawnSync(process.execPath, ['scripts/generateValidator.mjs', '--check'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('the extension manifest registers the language and points yamlValidation at the schema', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'orchestrator-pipeline');
    assert.deepEqual(lang.filenamePatterns, ['*.pipeline.yaml', '*.pipeline.yml']);
    const v = pkg.contributes.yamlValidation[0];
    assert.deepEqual(v.fileMatch, ['*.pipeline.yaml', '*.pipeline.yml']);
    assert.ok(fs.existsSync(path.join(ROOT, v.url)), `${v.url} does not exist`);
    assert.equal(pkg.bin.orc, 'dist/cli.js');
  });

  it('yamlValidation registers the eval schema for *.eval.yaml, the file the eval language is given by name', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const evalLang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'orchestrator-eval');
    assert.deepEqual(pkg.contributes.yamlValidation, [
      { fileMatch: ['*.pipeline.yaml', '*.pipeline.yml'], url: './engine/spec/pipeline.schema.json' },
      { fileMatch: evalLang.filenamePatterns, url: './engine/eval/eval.schema.json' },
    ]);
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'engine', 'eval', 'eval.schema.json'), 'utf8'));
    assert.deepEqual(schema.required, ['pipeline', 'cases']);
  });
});
