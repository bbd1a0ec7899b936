// What the extension gives Copilot for writing pipelines (package.json chatPromptFiles, chatSkills):
// the files scripts/chatPrompts.mjs makes from the format docs at each build (into dist/chat/), every
// YAML example in them valid as `orc validate` checks it (zero errors; each eval against its pipeline
// beside it), and package.json contributing each of them.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// @ts-expect-error: a plain ES module of the scripts, without types
import { chatFiles, section, writeChatFiles } from '../../scripts/chatPrompts.mjs';
import { validationReport } from '../../engine/api/index';

const ROOT = path.resolve(__dirname, '..', '..');
const generated = chatFiles(ROOT) as Record<string, string>;

/** The ```yaml blocks of a markdown text, each with the example's path its first line names. */
function yamlExamples(md: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const re = /^```yaml\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) {
    const first = /^# (examples\/\S+)\n/.exec(m[1]);
    assert.ok(first, `a YAML block without its file's name:\n${m[1].slice(0, 200)}`);
    out.push({ name: path.basename(first[1]), text: m[1].slice(first[0].length) });
  }
  return out;
}

describe('chat prompt files and skill (scripts/chatPrompts.mjs, dist/chat/)', () => {
  it('the build writes the three files into dist/chat/', () => {
    assert.deepEqual(Object.keys(generated).sort(), ['dist/chat/add-eval.prompt.md', 'dist/chat/new-pipeline.prompt.md', 'dist/chat/orchestrator-pipelines/SKILL.md']);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-chat-out-'));
    try {
      writeChatFiles(ROOT, out);
      for (const [rel, text] of Object.entries(generated)) assert.equal(fs.readFileSync(path.join(out, rel), 'utf8'), text, rel);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
    assert.match(fs.readFileSync(path.join(ROOT, 'esbuild.mjs'), 'utf8'), /^writeChatFiles\(\);$/m);
  });

  it('every YAML example in them is valid: zero errors, as orc validate finds them', () => {
    let checked = 0;
    for (const [rel, md] of Object.entries(generated)) {
      const examples = yamlExamples(md);
      assert.ok(examples.length >= 4, `${rel}: ${examples.length} examples`);
      // each file's examples together in a folder, so an eval finds its pipeline beside it
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-chat-examples-'));
      try {
        for (const e of examples) fs.writeFileSync(path.join(dir, e.name), e.text);
        for (const e of examples) {
          const report = validationReport(e.name, e.text, path.join(dir, e.name));
          assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), [], `${rel}: ${e.name}`);
          assert.equal(report.valid, true);
          checked++;
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    assert.ok(checked >= 14, `${checked} examples checked`);
  });

  it('the docs\' own YAML blocks stay out: only whole example files, and the eval file\'s outline marked as one', () => {
    const md = generated['dist/chat/add-eval.prompt.md'];
    assert.ok(md.includes('Every key of an eval file, sketched (an outline, not a file'));
    assert.ok(!/```yaml\npipeline: brief\.pipeline\.yaml/.test(md), 'the outline is not a YAML example');
    assert.equal(section('# T\n\n## A\nkeep [a link](other.md) and [the web](https://x.org)\n```yaml\nx: 1\n```\n## B\nnot this\n', 'A'), '### A\n\nkeep a link and [the web](https://x.org)\n');
  });

  it('the prompt files are /new-pipeline and /add-eval with a description, the skill is named as its folder, and they name the validate tool', () => {
    for (const [rel, md] of Object.entries(generated)) {
      const front = /^---\n([\s\S]*?)\n---\n/.exec(md);
      assert.ok(front, `${rel}: no front matter`);
      assert.match(front[1], /^description: \S/m, rel);
      assert.ok(md.includes('#validatePipeline') && md.includes('orchestrator_validatePipeline'), rel);
    }
    assert.match(generated['dist/chat/orchestrator-pipelines/SKILL.md'], /^---\nname: orchestrator-pipelines\n/);
  });

  it('package.json contributes each file and the validate tool', () => {
    const c = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: Record<string, { path?: string; name?: string }[]> }).contributes;
    const paths = [...c.chatPromptFiles, ...c.chatSkills].map((p) => path.posix.normalize(p.path!));
    assert.deepEqual(paths.sort(), Object.keys(generated).sort());
    assert.ok(c.languageModelTools.some((t) => t.name === 'orchestrator_validatePipeline'));
  });
});
