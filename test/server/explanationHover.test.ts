// The explanation hover on a pipeline's `name:` / `id:` line (server/explanationHover.ts) finds that
// line from the analysis's line index, not by splitting the text at every hover (issue #74 item 13:
// a hover does no work over the whole text): on the line it shows the cached explanation, on any
// other line (or past the end, or in a pipeline written on one line) it answers nothing.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze } from '../../engine/analyze/index';
import { cacheFile } from '../../engine/intel/explain';
import { explanationHover } from '../../server/explanationHover';

const MODEL = 'openai:gpt-4o-mini';

describe('the explanation hover', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-explain-hover-')));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The analysis of `text` with its explanation cached as `orc explain` caches it. */
  function explained(text: string): ReturnType<typeof analyze> {
    const sha = createHash('sha256').update(text).digest('hex');
    const file = cacheFile(dir, sha, MODEL);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ intention: 'Says hi.', architecture: 'One step.', findings: [], model: MODEL, document_sha256: sha }));
    return analyze(text);
  }

  it("answers on the name line only, with the cached intention and architecture", () => {
    const text = ['# a greeting', `model: ${MODEL}`, 'name: Greeting', 'id: greeting', 'steps:', '  - id: hi', '    action: generate', '    parameters: {prompt: hi}', ''].join('\n');
    const a = explained(text);
    const uri = pathToFileURL(path.join(dir, 'greeting.pipeline.yaml')).toString();
    assert.deepEqual(explanationHover(a, uri, 2), { contents: { kind: 'markdown', value: `**Intention** (${MODEL})\n\nSays hi.\n\n**Architecture**\n\nOne step.` } });
    assert.deepEqual(explanationHover(a, uri, 3), explanationHover(a, uri, 2));
    for (const line of [0, 1, 4, 5, 8, 9, 1000]) assert.equal(explanationHover(a, uri, line), null, `line ${line}`);
  });

  it('a pipeline written on one line has no name line of its own', () => {
    const text = `{model: ${MODEL}, name: Greeting, steps: [{id: hi, action: generate, parameters: {prompt: hi}}]}\n`;
    const a = explained(text);
    assert.equal(explanationHover(a, pathToFileURL(path.join(dir, 'one.pipeline.yaml')).toString(), 0), null);
  });
});
