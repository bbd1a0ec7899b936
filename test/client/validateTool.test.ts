// orchestrator_validatePipeline, the tool Copilot checks the pipelines it writes with: for a text, a
// file of the workspace (as the editor holds it) or both, the same {file, valid, findings} object
// `orc validate --json` prints; files outside the workspace folders are refused with what to pass.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateInput, ValidateInputError, type ValidateSources, workspaceFile } from '../../client/validateTool';
import { validateCommand } from '../../engine/cli/validateCommand';
import type { Style } from '../../engine/cli/findingFormat';

const ROOT = path.resolve(__dirname, '..', '..');
const BROKEN = 'id: broken\nsteps:\n  - id: a\n    tool: filesystem\n    action: write\n    dependencies: [ghost]\n    parameters:\n      path: out.txt\n      content: "{{ nope }}"\n';

/** What `orc validate --json FILE` prints, run in `cwd` (its command, in this process). */
function orcValidate(cwd: string, file: string): unknown {
  const was = process.cwd();
  let printed = '';
  process.chdir(cwd);
  try {
    validateCommand([file], true, { color: false }, (s) => (printed += s));
  } finally {
    process.chdir(was);
  }
  return JSON.parse(printed);
}

describe('orchestrator_validatePipeline (client/validateTool.ts)', () => {
  let dir: string;
  let outside: string;
  const sources = (open: Record<string, string> = {}): ValidateSources => ({ folders: [dir], openText: (f: string) => open[f] });
  before(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-validate-tool-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-validate-outside-')));
    fs.mkdirSync(path.join(dir, 'pipes'));
    fs.writeFileSync(path.join(dir, 'pipes', 'broken.pipeline.yaml'), BROKEN);
    for (const f of ['hello.pipeline.yaml', 'hello.eval.yaml']) fs.copyFileSync(path.join(ROOT, 'examples', f), path.join(dir, f));
    fs.writeFileSync(path.join(outside, 'x.pipeline.yaml'), BROKEN);
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('a file: the object orc validate --json prints for it, named relative to its folder', () => {
    const report = validateInput({ file: 'pipes/broken.pipeline.yaml' }, sources());
    assert.deepEqual(report, orcValidate(dir, 'pipes/broken.pipeline.yaml'));
    assert.equal(report.file, 'pipes/broken.pipeline.yaml');
    assert.equal(report.valid, false);
    assert.deepEqual(report.findings.filter((f) => f.severity === 'error').map((f) => f.code).sort(), ['step.unknown-dependency', 'template.unknown-name'].sort());
  });

  it('an eval file is checked as one, against its pipeline beside it', () => {
    const report = validateInput({ file: path.join(dir, 'hello.eval.yaml') }, sources());
    assert.deepEqual(report, { ...(orcValidate(dir, 'hello.eval.yaml') as object), file: 'hello.eval.yaml' });
    assert.equal(report.valid, true);
    const bad = validateInput({ file: 'hello.eval.yaml', text: 'pipeline: hello.pipeline.yaml\ncases:\n  - name: Ada\nassert:\n  - output: nothing\n    contains: x\n' }, sources());
    assert.equal(bad.valid, false);
    assert.deepEqual(bad.findings.map((f) => f.code), ['eval.unknown-output']);
  });

  it('an open document is read as the editor holds it, unsaved edits included', () => {
    const file = path.join(dir, 'hello.pipeline.yaml');
    assert.equal(validateInput({ file: 'hello.pipeline.yaml' }, sources()).valid, true);
    const report = validateInput({ file: 'hello.pipeline.yaml' }, sources({ [file]: BROKEN }));
    assert.equal(report.valid, false);
  });

  it('a text alone is a pipeline named <text>; the same findings as the file', () => {
    const report = validateInput({ text: BROKEN }, sources());
    assert.equal(report.file, '<text>');
    assert.deepEqual(report.findings, validateInput({ file: 'pipes/broken.pipeline.yaml' }, sources()).findings);
    assert.deepEqual(validateInput({ text: fs.readFileSync(path.join(ROOT, 'examples', 'hello.pipeline.yaml'), 'utf8') }, sources()), { file: '<text>', valid: true, findings: [] });
  });

  it('refuses what it cannot check, saying what to pass', () => {
    const refused = (input: object, s = sources()) => {
      try {
        validateInput(input, s);
      } catch (e) {
        assert.ok(e instanceof ValidateInputError, String(e));
        return e.message;
      }
      assert.fail('not refused');
    };
    assert.equal(refused({}), 'Pass `text` (the pipeline or eval YAML) or `file` (a path in the workspace), or both.');
    assert.match(refused({ file: path.join(outside, 'x.pipeline.yaml') }), /is not under a workspace folder .*: pass a path inside one, or the pipeline as `text`\./);
    assert.match(refused({ file: '../' + path.basename(outside) + '/x.pipeline.yaml' }), /is not under a workspace folder/);
    assert.equal(refused({ file: 'nope.pipeline.yaml' }), "No file 'nope.pipeline.yaml' in the workspace: pass an existing path, or the pipeline as `text`.");
    assert.equal(refused({ file: 'pipes' }), "'pipes' is not a regular file.");
    assert.equal(refused({ file: 'x.yaml' }, { folders: [], openText: () => undefined }), 'No folder is open in the editor: pass the pipeline as `text`.');
    // a link inside the workspace to a file outside it
    fs.symlinkSync(path.join(outside, 'x.pipeline.yaml'), path.join(dir, 'link.pipeline.yaml'));
    assert.equal(refused({ file: 'link.pipeline.yaml' }), "'link.pipeline.yaml' links to a file outside the workspace folders.");
  });

  it('a relative path is looked for in each folder, the first that has it', () => {
    const other = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-validate-second-')));
    try {
      fs.writeFileSync(path.join(other, 'only-here.pipeline.yaml'), BROKEN);
      assert.deepEqual(workspaceFile('only-here.pipeline.yaml', [dir, other]), { abs: path.join(other, 'only-here.pipeline.yaml'), name: 'only-here.pipeline.yaml' });
      assert.deepEqual(workspaceFile('new.pipeline.yaml', [dir, other]), { abs: path.join(dir, 'new.pipeline.yaml'), name: 'new.pipeline.yaml' });
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
