// Hover in an eval file: what each key means (top level, variant, case, assertion kinds and
// options), the pipeline a `pipeline:` names, the output an `output:` names (its template), the
// step a `step:` names, and a variant's parameter.
import { MarkupKind, type Hover } from 'vscode-languageserver';
import { spanAt } from '../engine/analyze/locate';
import { parseYaml } from '../engine/parse/yamlDocument';
import { valueAt } from '../engine/spec/values';
import type { AssertionKind } from '../engine/eval/evalFile';
import type { EvalDocument } from './evalDocuments';

export const TOP_KEY_DOCS: Record<string, string> = {
  pipeline: 'The pipeline this eval runs: its file, relative to this eval file.',
  cases: 'The cases: a list inline, or a `.jsonl`, `.csv` or `.json` file (relative to this file). A key that is a parameter of the pipeline is an input; every key is `case.KEY` in assertions; `id`, `assert` and `skip` are the case\'s own.',
  variants: 'The matrix: every case runs once per variant. A variant has a `name`, `models` (`"*"` or a step id → `provider:model`) and `parameters` (overrides).',
  assert: 'Assertions every case must pass. Each has one kind (`contains`, `equals`, `llm_rubric`, ...) and looks at `output: NAME` or `step: ID`.',
  threshold: 'The pass rate (0–1) needed for a passing eval (`orc eval` exits 0). Default 1.0.',
  repeat: 'Runs per case and variant (for flaky models). Default 1.',
  judge: 'The model (`provider:model`) that answers `llm_rubric` assertions.',
  embedding: 'The embedding model (`provider:model`) `similar` assertions use.',
  max_parallel: 'How many case runs go at once (default 8). Provider rate limits are shared by all of them.',
  description: 'What this eval checks, for people.',
};

export const VARIANT_KEY_DOCS: Record<string, string> = {
  name: 'The variant\'s name: a column of the matrix, `--variant NAME` on the command line.',
  models: 'Models of this variant: `"*"` (every model step) or a step id → `provider:model`.',
  parameters: 'Values of the pipeline\'s parameters in this variant (a case\'s own column wins).',
  description: 'What this variant tries, for people.',
};

export const CASE_KEY_DOCS: Record<string, string> = {
  id: 'The case\'s id (default `case-N`): a row of the matrix, `--case ID` on the command line.',
  assert: 'Assertions of this case only, checked after the eval\'s own.',
  skip: 'Skip this case (`true`, or the reason).',
};

export const ASSERTION_KIND_DOCS: Record<AssertionKind, string> = {
  equals: 'The value equals this (a template over `case`, `outputs`, `steps`).',
  contains: 'The value contains this text.',
  icontains: 'The value contains this text, ignoring case.',
  not_contains: 'The value does not contain this text.',
  regex: 'The value matches this regular expression (RE2).',
  is_json: 'The value is JSON (`is_json: true`).',
  json_schema: 'The value (parsed as JSON) is valid against this JSON Schema.',
  numeric: 'The value is this number, within `tolerance`.',
  min_length: 'The value has at least this many characters.',
  max_length: 'The value has at most this many characters.',
  max_cost_usd: 'The case\'s run cost at most this many US dollars (the judge\'s cost is counted apart).',
  max_latency_ms: 'The case\'s run took at most this many milliseconds.',
  status: 'The run ends `completed` or `failed` (testing failure paths is allowed).',
  llm_rubric: 'A judge model scores the value 0–1 against this rubric; it passes at `threshold` (default 0.5).',
  similar: 'The cosine similarity of the value\'s and this text\'s embeddings is at least `threshold`.',
  expression: 'A template that must be true.',
  tool_called: 'The agent step (`step: ID`) called this tool (as its allow-list spells it: `filesystem.read`, `mcp:files.list`, `agent:worker`) and the call ran (status `ok`); `args:` the arguments it must have had (a subset).',
  tool_not_called: 'The agent step (`step: ID`) never called this tool (a call refused as outside its allow-list or over a limit does not count: it never ran).',
  tool_sequence: 'The agent step (`step: ID`) ran these tools in this order; other calls may stand between.',
  max_turns: 'The agent step (`step: ID`) made at most this many model calls (its `turns`).',
  max_tool_calls: 'The agent step (`step: ID`) asked for at most this many tool calls (refused ones included).',
  handoff_to: 'The agent step (`step: ID`) handed its conversation to this named agent (`handoffs:`) at some turn.',
  guardrail_tripped: 'A check of this guard (its `name:`, else its kind) failed, in the step (`step: ID`) or anywhere in the run; a run its guard blocked may fail and the case still pass.',
  guardrail_not_tripped: 'No check of this guard (its `name:`, else its kind) failed, in the step (`step: ID`) or anywhere in the run.',
};

export const ASSERTION_OPTION_DOCS: Record<string, string> = {
  output: 'The pipeline output this assertion looks at.',
  step: 'The step whose result this assertion looks at.',
  threshold: 'The score (0–1) at which `llm_rubric` or `similar` passes.',
  tolerance: 'How far `numeric` may be from the expected number.',
  model: 'The judge (`llm_rubric`) or embedding model (`similar`) for this assertion.',
  description: 'What this assertion checks, shown with its result.',
  args: '`tool_called`: the arguments a call must have had: every key given, with an equal value (mappings recursively); strings are templates.',
};

const value = (s: string): Hover => ({ contents: { kind: MarkupKind.Markdown, value: s } });

function keyDoc(path: (string | number)[]): string | null {
  const key = path[path.length - 1];
  if (typeof key !== 'string') return null;
  if (path.length === 1) return TOP_KEY_DOCS[key] ?? null;
  if (path[0] === 'variants' && path.length === 3) return VARIANT_KEY_DOCS[key] ?? null;
  const inAssertion = path.length >= 3 && path[path.length - 3] === 'assert';
  if (inAssertion) return (ASSERTION_KIND_DOCS as Record<string, string>)[key] ?? ASSERTION_OPTION_DOCS[key] ?? null;
  if (path[0] === 'cases' && path.length === 3) return CASE_KEY_DOCS[key] ?? null;
  return null;
}

/** Each eval document's parse, made at its first hover: the document is the cache's for one
 * version (server/evalDocuments.ts), so later hovers read it rather than parse the text again. */
const PARSED = new WeakMap<EvalDocument, ReturnType<typeof parseYaml>>();

export function evalHover(d: EvalDocument, offset: number): Hover | null {
  let parsed = PARSED.get(d);
  if (!parsed) PARSED.set(d, (parsed = parseYaml(d.text)));
  const at = spanAt(parsed.spans, offset);
  if (!at.path.length) return null;
  const key = at.path[at.path.length - 1];
  const p = d.pipeline?.pipeline;
  if (at.onKey) {
    const doc = keyDoc(at.path);
    if (doc) return value(`**\`${String(key)}\`** — ${doc}`);
    const param = p?.parameters.find((x) => x.name === key);
    if (param && (at.path[0] === 'cases' || at.path[at.path.length - 2] === 'parameters')) return value(`**parameter \`${param.name}\`**${param.type ? `: ${param.type}` : ''}${param.hasDefault ? ` = \`${JSON.stringify(param.default)}\`` : param.required ? ' (required)' : ''}${param.description ? `\n\n${param.description}` : ''}`);
    return null;
  }
  const v = valueAt(parsed.value, at.path);
  if (key === 'pipeline' && at.path.length === 1 && p) return value(`**pipeline \`${p.id}\`**${p.name ? ` — ${p.name}` : ''}${p.description ? `\n\n${p.description}` : ''}\n\n- parameters: ${p.parameters.map((x) => `\`${x.name}\``).join(', ') || 'none'}\n- outputs: ${Object.keys(p.outputs).map((o) => `\`${o}\``).join(', ') || 'none'}`);
  if (key === 'output' && typeof v === 'string' && p && v in p.outputs) return value(`**output \`${v}\`** of \`${p.id}\`\n\n\`\`\`\n${typeof p.outputs[v] === 'string' ? p.outputs[v] : JSON.stringify(p.outputs[v])}\n\`\`\``);
  if (key === 'step' && typeof v === 'string' && p) {
    const s = p.steps.find((x) => x.id === v);
    if (s) return value(`**step \`${s.id}\`**${s.name ? ` — ${s.name}` : ''}\n\n- does: \`${[s.tool, s.action].filter(Boolean).join('.') || 'a loop'}\`${s.description ? `\n\n${s.description}` : ''}`);
  }
  return null;
}
