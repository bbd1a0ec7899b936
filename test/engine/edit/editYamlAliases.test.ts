// Hardening, round three (issue 41, item 13): `orc edit` and YAML aliases. A connect through a shared
// `*deps` changed the other step too, a disconnect on an aliased list said it was done and changed
// nothing, a duplicate defined the same anchor twice, and a 0600 pipeline came back 0644. An edit
// that would change an aliased node (or an alias, or a merged list) is refused now, naming the
// anchor and its alias; a rename renames inside the anchor and leaves the alias; the file keeps its mode.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { editPipeline } from '../../../engine/edit/operations';
import { orc } from '../../helpers/cli';

const STEP = (id: string) => [`  - id: ${id}`, '    action: generate', '    parameters: {prompt: hi}'];

const ALIASED = [
  'id: aliased',
  'steps:',
  ...STEP('a'),
  ...STEP('x'),
  ...STEP('b'),
  '    dependencies: &deps [a]',
  ...STEP('c'),
  '    dependencies: *deps',
  '',
].join('\n');

const MERGED = [
  'id: merged',
  'steps:',
  ...STEP('a'),
  ...STEP('x'),
  '  - &base',
  '    id: b',
  '    action: generate',
  '    parameters: {prompt: hi}',
  '    dependencies: [a]',
  '  - id: c',
  '    <<: *base',
  '    parameters: {prompt: hi}',
  '',
].join('\n');

const SHARED = 'The edit would change the value anchored &deps (line 12), which the alias *deps also uses (line 16): every place would change. Write the value out where it should differ (unshare it) first, then edit';
const ALIAS = 'The edit would change the alias *deps (line 16), which stands for the value anchored &deps: write the value out in its place (unshare it) first, then edit';
const MERGE = "'c' takes its dependencies from the merge <<: *base (line 15), which other mappings may share: write its dependencies out in the step (unshare them) first, then edit";

describe('hardening 3: orc edit and YAML aliases', function () {
  this.timeout(20_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h3-edit-'));
    file = path.join(dir, 'p.pipeline.yaml');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const refused = (text: string, args: string[], reason: string) => {
    fs.writeFileSync(file, text);
    const r = orc(['edit', 'p.pipeline.yaml', ...args], { cwd: dir });
    assert.equal(r.stderr, `orc: p.pipeline.yaml: ${reason}; the file is unchanged\n`);
    assert.equal(r.code, 2);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
  };

  it('connect to the step that defines the shared list is refused: the other step would change too', () => {
    refused(ALIASED, ['connect', 'x', 'b'], SHARED);
  });

  it('connect to the step that uses the alias is refused, naming the alias', () => {
    refused(ALIASED, ['connect', 'x', 'c'], ALIAS);
  });

  it('disconnect on an aliased list is refused (it reported success and changed nothing)', () => {
    refused(ALIASED, ['disconnect', 'a', 'c'], ALIAS);
    refused(ALIASED, ['disconnect', 'a', 'b'], SHARED);
  });

  it('remove-step that would take an id out of a shared list is refused', () => {
    refused(ALIASED, ['remove-step', 'a'], SHARED);
  });

  it('duplicate of a step that defines an anchor is refused: the copy would define it twice', () => {
    refused(ALIASED, ['duplicate', 'b'], 'The step defines the anchor &deps (line 12): a copy would define it twice. Copy it by hand, with another anchor name or none');
  });

  it('duplicate of a step without an anchor still works in a file with aliases', () => {
    const r = editPipeline(ALIASED, { op: 'duplicate-step', id: 'a' });
    assert.ok(r.ok);
    assert.equal(r.text, ALIASED.replace('  - id: x', '  - id: a_2\n    action: generate\n    parameters: {prompt: hi}\n  - id: x'));
  });

  it('rename changes the id inside the anchor and leaves the alias as it is', () => {
    const r = editPipeline(ALIASED, { op: 'rename', from: 'a', to: 'z' });
    assert.ok(r.ok);
    assert.equal(r.text, ALIASED.replace('  - id: a\n', '  - id: z\n').replace('&deps [a]', '&deps [z]'));
    assert.deepEqual(r.analysis.stepIndex.get('c')!.step.dependencies, ['z']);
  });

  it('connect and disconnect on a step whose dependencies come from a merge (<<: *base) are refused', () => {
    refused(MERGED, ['connect', 'x', 'c'], MERGE);
    refused(MERGED, ['disconnect', 'a', 'c'], MERGE);
  });

  it('an edit keeps the file mode (a 0600 pipeline stayed 0644 after the rename beside it)', () => {
    fs.writeFileSync(file, ALIASED);
    fs.chmodSync(file, 0o600);
    const r = orc(['edit', 'p.pipeline.yaml', 'connect', 'a', 'x'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "p.pipeline.yaml: 'x' now depends on 'a'\n");
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    fs.chmodSync(file, 0o640);
    assert.equal(orc(['edit', 'p.pipeline.yaml', 'disconnect', 'a', 'x'], { cwd: dir }).code, 0);
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
    assert.equal(fs.readFileSync(file, 'utf8'), ALIASED);
  });
});
