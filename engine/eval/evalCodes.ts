// Every finding code the analysis of an eval file (`NAME.eval.yaml`) emits, with its severity and a
// one-line meaning: the same shape as the pipeline's codes (engine/analyze/codes.ts), listed in docs/eval.md.
import type { CodeInfo } from '../analyze/codes';

export const EVAL_FINDING_CODES = {
  'eval.not-a-mapping': { severity: 'error', summary: 'The eval file is not a YAML mapping.' },
  'eval.unknown-key': { severity: 'error', summary: 'A key an eval file, a variant, a case or an assertion does not have; the message suggests the nearest one.' },
  'eval.missing-key': { severity: 'error', summary: 'A required key is absent (`pipeline`, `cases`, a variant\'s `name`).' },
  'eval.type': { severity: 'error', summary: 'A value of the wrong type or out of range (`threshold` outside 0–1, `repeat` below 1, ...).' },
  'eval.pipeline-not-found': { severity: 'error', summary: '`pipeline:` names a file that is not there (relative to the eval file).' },
  'eval.pipeline-does-not-compile': { severity: 'error', summary: 'The pipeline the eval runs has errors; its first one is quoted.' },
  'eval.dataset-not-found': { severity: 'error', summary: '`cases:` names a file that is not there.' },
  'eval.dataset-format': { severity: 'error', summary: 'A dataset file that is not `.jsonl`, `.csv` or `.json`, or whose first record cannot be read.' },
  'eval.duplicate-name': { severity: 'error', summary: 'Two cases with the same `id`, or two variants with the same `name`.' },
  'eval.unknown-output': { severity: 'error', summary: 'An assertion names an output the pipeline does not have.' },
  'eval.unknown-step': { severity: 'error', summary: 'An assertion or a variant\'s `models` names a step the pipeline does not have.' },
  'eval.unknown-parameter': { severity: 'error', summary: 'A variant\'s `parameters` names a parameter the pipeline does not have.' },
  'eval.missing-parameter': { severity: 'error', summary: 'A required parameter of the pipeline gets no value: no column, no variant and no default give it one.' },
  'eval.unknown-column': { severity: 'warning', summary: 'An assertion reads `case.X` and no case has a column X (inline cases, or the first record of a dataset file).' },
  'eval.unused-column': { severity: 'warning', summary: 'A case column that is neither a pipeline parameter nor read as `case.X` by any assertion.' },
  'eval.assertion-kind': { severity: 'error', summary: 'An assertion with no kind (`contains`, `equals`, ...), an unknown one, or two kinds at once.' },
  'eval.assertion-target': { severity: 'error', summary: 'An assertion on a value without `output:` or `step:` (and the pipeline has not exactly one output), or both given; or a trajectory assertion (`tool_called`, `max_turns`, ...) on something other than an agent step.' },
  'eval.unknown-tool': { severity: 'warning', summary: 'A trajectory assertion names a tool its agent step\'s allow-list does not have: `tool_called` could never pass, `tool_not_called` never fail; the message suggests the nearest one.' },
  'eval.unknown-guard': { severity: 'warning', summary: 'A `guardrail_tripped` or `guardrail_not_tripped` assertion names a guard that no step (or not its `step:`) has: the first could never pass, the second never fail.' },
  'eval.template-syntax': { severity: 'error', summary: 'A template in an assertion that does not parse.' },
  'eval.template-unknown-name': { severity: 'error', summary: 'A name an assertion\'s template cannot see: assertions see `case`, `outputs`, `steps`, `value` and `run`.' },
  'eval.model-invalid': { severity: 'error', summary: 'A model that is not written `provider:model`.' },
} satisfies Record<string, CodeInfo>;

export type EvalFindingCode = keyof typeof EVAL_FINDING_CODES;
