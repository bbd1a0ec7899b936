// Which YAML documents open as pipelines or evals (client/languageDetection.ts): ContextLab's files
// and ours by their top-level keys, the other YAML formats with `name:` and `steps:` not, and only
// the first few KB read.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DETECTION_WINDOW, detectLanguage } from '../../client/languageDetection';
import { ROOT } from '../helpers/cli';

const doc = (...lines: string[]) => `${lines.join('\n')}\n`;
const filesIn = (dir: string, re: RegExp) =>
  fs
    .readdirSync(path.join(ROOT, dir))
    .filter((f) => re.test(f))
    .map((f) => path.join(dir, f));
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

describe('languageDetection', () => {
  it("opens ContextLab's files (any name) as pipelines, saying which keys decided it", () => {
    const got = Object.fromEntries(
      ['test/e2e/fixtures/control_flow_advanced.yaml', ...filesIn('test/fixtures/contextlabLongTail', /\.yaml$/)].map((f) => [path.basename(f), detectLanguage(read(f))]),
    );
    assert.deepEqual(got, {
      'control_flow_advanced.yaml': { language: 'pipeline', reason: 'steps + id' },
      'charts.yaml': { language: 'pipeline', reason: 'steps + id' },
      'describedToolSteps.yaml': { language: 'pipeline', reason: 'steps + id' },
      'inlineInputs.yaml': { language: 'pipeline', reason: 'steps + id' },
      'loopCompletion.yaml': { language: 'pipeline', reason: 'steps + id' },
      'variablesAndStepOutputs.yaml': { language: 'pipeline', reason: 'steps + id' },
    });
  });

  it('recognizes every example and fixture pipeline and eval of this repository by content alone', () => {
    const pipelines = [...filesIn('examples', /\.pipeline\.yaml$/), ...filesIn('test/e2e/fixtures', /\.pipeline\.yaml$/), ...filesIn('test/fixtures/behaviour', /\.pipeline\.yaml$/)];
    const evals = [...filesIn('examples', /\.eval\.yaml$/), ...filesIn('test/e2e/fixtures', /\.eval\.yaml$/)];
    assert.ok(pipelines.length >= 20 && evals.length >= 5, `${pipelines.length} pipelines, ${evals.length} evals`);
    assert.deepEqual(pipelines.filter((f) => detectLanguage(read(f))?.language !== 'pipeline'), []);
    assert.deepEqual(
      evals.map((f) => detectLanguage(read(f))),
      evals.map(() => ({ language: 'eval', reason: 'pipeline + cases' })),
    );
  });

  it('names `name` when the file has no `id`, and reads keys after comments, a BOM, CRLF, `---` and quotes', () => {
    assert.deepEqual(detectLanguage(doc('name: Research', 'steps:', '  - id: a', '    action: generate_text')), { language: 'pipeline', reason: 'steps + name' });
    assert.deepEqual(detectLanguage('\uFEFF# header\r\n---\r\n"id": x\r\n\r\nsteps:\r\n  # first\r\n  - tool: terminal\r\n    id: a\r\n'), { language: 'pipeline', reason: 'steps + id' });
    assert.deepEqual(detectLanguage(doc("'id': x", "'steps':", '- id: a')), { language: 'pipeline', reason: 'steps + id' });
    assert.deepEqual(detectLanguage(doc('id: x', 'steps: [{id: a, action: generate_text}]')), { language: 'pipeline', reason: 'steps + id' });
    assert.deepEqual(detectLanguage(doc('cases:', '  - id: a', 'pipeline: hello.pipeline.yaml')), { language: 'eval', reason: 'pipeline + cases' });
  });

  it('leaves other YAML alone: Azure Pipelines, Drone, Cloud Build, GitHub Actions, Kubernetes, Compose, a config with `id`', () => {
    const others: Record<string, string> = {
      azure: doc('name: $(Date:yyyyMMdd)', 'trigger:', '  - main', 'pool:', '  vmImage: ubuntu-latest', 'steps:', '  - script: npm test'),
      azureNoTrigger: doc('name: nightly', 'steps:', '  - script: npm test', '    displayName: test'),
      drone: doc('kind: pipeline', 'type: docker', 'name: default', 'steps:', '  - name: test', '    image: node:20'),
      cloudBuild: doc('name: build', 'steps:', "  - name: 'gcr.io/cloud-builders/docker'", "    args: ['build', '.']"),
      actions: doc('name: CI', 'on: [push]', 'jobs:', '  test:', '    steps:', '      - run: npm test'),
      kubernetes: doc('apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', 'spec:', '  containers: []'),
      compose: doc('services:', '  web:', '    image: nginx'),
      idOnly: doc('id: settings', 'values:', '  steps: 3'),
      stepsOnly: doc('steps:', '  - id: a'),
      nestedSteps: doc('id: x', 'recipe:', '  steps:', '    - id: a'),
      sequence: doc('- id: x', '  steps: []'),
      empty: '',
      pipelineWithoutCases: doc('pipeline: x.pipeline.yaml', 'assert: []'),
    };
    assert.deepEqual(
      Object.fromEntries(Object.entries(others).map(([k, v]) => [k, detectLanguage(v)])),
      Object.fromEntries(Object.keys(others).map((k) => [k, null])),
    );
  });

  it('reads only the first document of a stream', () => {
    assert.equal(detectLanguage(doc('id: x', '---', 'steps:', '  - id: a')), null);
    assert.deepEqual(detectLanguage(doc('---', 'id: x', 'steps:', '  - id: a', '---', 'kind: Pod')), { language: 'pipeline', reason: 'steps + id' });
  });

  it(`reads only the first ${DETECTION_WINDOW} characters: keys past them do not count, a step cut by the window is given the benefit`, () => {
    const pad = (n: number) => Array.from({ length: n }, (_, i) => `# ${'padding '.repeat(6)}${i}`).join('\n');
    const long = `id: big\n${pad(200)}\nsteps:\n  - id: a\n`;
    assert.ok(long.indexOf('steps:') > DETECTION_WINDOW);
    assert.equal(detectLanguage(long), null);
    // `steps:` inside the window and its first item cut before its `id:`: the SPEC's rule decides
    const cut = `id: big\nsteps:\n  - tool: terminal\n    parameters:\n${'      x: 1\n'.repeat(Math.ceil(DETECTION_WINDOW / 11) + 10)}    id: a\n`;
    assert.deepEqual(detectLanguage(cut), { language: 'pipeline', reason: 'steps + id' });
    // a key cut at the window's edge is not read as a shorter one
    const edge = `id: x\n${'#'.repeat(DETECTION_WINDOW - 'id: x\n'.length - 3)}\nsteps:\n  - id: a\n`;
    assert.equal(detectLanguage(edge), null);
  });
});
