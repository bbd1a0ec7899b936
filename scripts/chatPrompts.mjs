// Writes what the extension gives Copilot for writing pipelines (package.json `chatPromptFiles`,
// `chatSkills`): the prompt files `/new-pipeline` and `/add-eval` and the skill
// `orchestrator-pipelines`, under dist/chat/ (esbuild.mjs writes them with the bundles). Each is
// made from the project's own format docs (docs/format.md's rules, docs/eval.md's eval file and
// assertions) and the examples those docs name (examples/) at every build, so the chat learns the
// format the analyzer checks, never a copy of it that drifts; test/client/chatPrompts.test.ts runs
// every YAML example of them through `orc validate`'s analysis.
//   node scripts/chatPrompts.mjs            writes them into dist/chat/
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHAT_DIR = 'dist/chat';

/** The examples each file shows, whole (every one of them valid: the test checks). */
const PIPELINE_EXAMPLES = ['hello.pipeline.yaml', 'summarize.pipeline.yaml', 'conditions.pipeline.yaml', 'loop.pipeline.yaml', 'parallel.pipeline.yaml'];
const EVAL_EXAMPLES = ['hello.pipeline.yaml', 'hello.eval.yaml', 'summarize.pipeline.yaml', 'summarize.eval.yaml'];

/** The sections of docs/format.md and docs/eval.md the chat is given. */
const FORMAT_SECTIONS = ['Parameters', 'Steps', 'Jumps', 'Models'];
const EVAL_SECTIONS = ['The eval file', 'Cases', 'Answers', 'Variants', 'Assertions'];
/** The one YAML block kept, as an outline: docs/eval.md's sketch of every key of an eval file. */
const OUTLINES = { 'The eval file': 'Every key of an eval file, sketched (an outline, not a file: its pipeline, steps and outputs are placeholders)' };

const GENERATED = '<!-- Made by scripts/chatPrompts.mjs from docs/format.md, docs/eval.md and examples/ at each build. -->';

/**
 * A section of a markdown document by its heading's text: from the heading to the next heading (its
 * subsections are sections of their own); links made plain text. Its YAML blocks are left out (the
 * examples are whole files, each valid), or with `outline` kept as a text block under that title:
 * a sketch of every key whose names are placeholders, not a file.
 */
export function section(markdown, heading, outline = '') {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#{2,4} /.test(l) && l.replace(/^#+ /, '').trim() === heading);
  if (start < 0) throw new Error(`no section '${heading}'`);
  const level = /^#+/.exec(lines[start])[0].length;
  let end = lines.findIndex((l, i) => i > start && /^#+ /.test(l));
  if (end < 0) end = lines.length;
  const out = [];
  let fence = null;
  for (const l of lines.slice(start + 1, end)) {
    const open = /^```(\w*)/.exec(l);
    if (fence === null && open) {
      fence = open[1] || 'text';
      if (fence !== 'yaml') out.push(l);
      else if (outline) out.push(`${outline}:`, '', '```text');
      continue;
    }
    if (fence !== null && /^```\s*$/.test(l)) {
      if (fence !== 'yaml' || outline) out.push(l);
      fence = null;
      continue;
    }
    if (fence === 'yaml' && !outline) continue;
    // links to other pages of the docs mean nothing in a chat: their text stays
    out.push(fence === null ? l.replace(/\[([^\]]+)\]\((?!https?:)[^)]*\)/g, '$1') : l);
  }
  return `${'#'.repeat(Math.min(level + 1, 4))} ${heading}\n\n${out.join('\n').trim()}\n`;
}

/** An example, whole, under its path (the first line says which file it is). */
function example(root, name) {
  const text = fs.readFileSync(path.join(root, 'examples', name), 'utf8').trimEnd();
  return `\`\`\`yaml\n# examples/${name}\n${text}\n\`\`\`\n`;
}

function formatGuide(root) {
  const doc = fs.readFileSync(path.join(root, 'docs', 'format.md'), 'utf8');
  return [
    '## The pipeline format (docs/format.md)\n',
    'A pipeline is a YAML file named `NAME.pipeline.yaml`: `id`, `name`, `description`, `parameters` (the inputs), `steps` (each an `id`, an `action`, for a tool step its `tool`, its `parameters`, and the `dependencies` it waits for), and `outputs` (templates over the steps\' results). Templates are `{{ … }}` over the parameters and the steps (`{{ step_id.result }}`).\n',
    ...FORMAT_SECTIONS.map((h) => section(doc, h)),
  ].join('\n');
}

function evalGuide(root) {
  const doc = fs.readFileSync(path.join(root, 'docs', 'eval.md'), 'utf8');
  return ['## Eval files (docs/eval.md)\n', ...EVAL_SECTIONS.map((h) => section(doc, h, OUTLINES[h]))].join('\n');
}

const CHECK_WITH_TOOL = [
  '- After writing or changing a file, call #validatePipeline (the tool `orchestrator_validatePipeline`) with its `file` and fix every finding of severity `error`; call it again until `valid` is `true`. Fix the warnings too unless one is what the user asked for. The findings are those `orc validate --json` prints: trust them over your own reading of the rules.',
  '- Use only the tools and actions the examples and the findings name; a misspelled tool, action or parameter is reported with the nearest correct one.',
].join('\n');

/** Every generated file: its path (relative to the root) and its text. */
export function chatFiles(root = ROOT) {
  const newPipeline = [
    '---',
    'description: Write a new Orchestrator pipeline (NAME.pipeline.yaml) for a task, checked with the validate tool until it is valid.',
    'agent: agent',
    '---',
    GENERATED,
    '',
    'Write an Orchestrator pipeline for this task: ${input:task:What should the pipeline do?}',
    '',
    '- Save it as `NAME.pipeline.yaml` in the workspace (NAME: what it does, in kebab-case), with an `id`, a `name` and a `description` of what it does (an agent may then run it).',
    '- Declare every input as a parameter with a `type` and a `description`; give a `default` where one makes sense. Declare `outputs` for what the pipeline produces.',
    '- Keep steps small: one tool action or one model call each, with `dependencies` naming the steps whose results they read.',
    CHECK_WITH_TOOL,
    '',
    formatGuide(root),
    '## Examples (each one valid)\n',
    ...PIPELINE_EXAMPLES.map((e) => example(root, e)),
  ].join('\n');
  const addEval = [
    '---',
    'description: Add an eval file (NAME.eval.yaml) to a pipeline (cases, variants, assertions), checked with the validate tool until it is valid.',
    'agent: agent',
    '---',
    GENERATED,
    '',
    'Add an eval to this pipeline: ${input:pipeline:Which pipeline file? (default: the open one)}',
    '',
    '- Read the pipeline first: its parameters are the cases\' keys, its outputs and top-level step ids what the assertions look at.',
    '- Save the eval beside the pipeline as `NAME.eval.yaml` (`pipeline:` relative to it). Write cases that cover the ordinary input and the edge cases; give each an `id`.',
    '- Prefer deterministic assertions (`contains`, `equals`, `is_json`, `json_schema`, `max_length`) and add an `llm_rubric` only for what they cannot judge.',
    CHECK_WITH_TOOL,
    '',
    evalGuide(root),
    '## Examples (each one valid: a pipeline, then its eval)\n',
    ...EVAL_EXAMPLES.map((e) => example(root, e)),
  ].join('\n');
  const skill = [
    '---',
    'name: orchestrator-pipelines',
    'description: Writing, changing and checking Orchestrator pipelines (*.pipeline.yaml) and their eval files (*.eval.yaml) - the format\'s rules, valid examples, and the orchestrator_validatePipeline tool that checks a file as `orc validate` does.',
    '---',
    GENERATED,
    '',
    '# Orchestrator pipelines',
    '',
    'Use this when a user asks to write, change, fix or test an Orchestrator pipeline (a `*.pipeline.yaml` file) or an eval of one (`*.eval.yaml`).',
    '',
    CHECK_WITH_TOOL,
    '- To run a pipeline of the workspace, list them with `orchestrator_listPipelines` and run one with `orchestrator_runPipeline`.',
    '',
    formatGuide(root),
    evalGuide(root),
    '## Examples (each one valid)\n',
    ...[...new Set([...PIPELINE_EXAMPLES, ...EVAL_EXAMPLES])].map((e) => example(root, e)),
  ].join('\n');
  return {
    [`${CHAT_DIR}/new-pipeline.prompt.md`]: newPipeline,
    [`${CHAT_DIR}/add-eval.prompt.md`]: addEval,
    [`${CHAT_DIR}/orchestrator-pipelines/SKILL.md`]: skill,
  };
}

/** Writes every file made from the docs of `root` under `out` (the checkout: into its dist/chat/). */
export function writeChatFiles(root = ROOT, out = root) {
  for (const [rel, text] of Object.entries(chatFiles(root))) {
    const file = path.join(out, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) writeChatFiles();
