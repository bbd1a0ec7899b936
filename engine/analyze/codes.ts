// Every finding code the compiler emits, with its severity and a one-line meaning. The docs'
// findings table (docs/findings.md) is checked against this list by a test.
import type { Severity } from '../spec/types';

export interface CodeInfo {
  severity: Severity;
  summary: string;
}

export const FINDING_CODES = {
  'document.too-large': { severity: 'error', summary: 'The document is larger than the analyzer accepts (5,000,000 characters).' },
  'yaml.syntax': { severity: 'error', summary: 'The text is not valid YAML.' },
  'yaml.duplicate-key': { severity: 'error', summary: 'A mapping has the same key twice.' },
  'yaml.multiple-documents': { severity: 'error', summary: 'The file holds more than one YAML document; a pipeline is one.' },
  'yaml.alias-limit': { severity: 'error', summary: 'Aliases expand beyond the bound (an alias bomb).' },
  'yaml.complex-key': { severity: 'error', summary: 'A mapping key that is a list or a mapping.' },
  'yaml.warning': { severity: 'warning', summary: 'The YAML parser warns (e.g. an unresolved tag).' },
  'yaml.unsupported-tag': { severity: 'error', summary: 'A YAML tag such as `!!binary`, `!!set` or `!!timestamp` that would turn data into something JSON cannot hold.' },
  'schema.unknown-key': { severity: 'error', summary: 'A key the format does not have; the message suggests the nearest valid one.' },
  'schema.missing-key': { severity: 'error', summary: 'A required key is absent (`steps`, a step\'s `id`).' },
  'schema.type': { severity: 'error', summary: 'A value of the wrong type.' },
  'schema.enum': { severity: 'error', summary: 'A value outside the allowed set.' },
  'schema.pattern': { severity: 'error', summary: 'A value of the wrong form (an id, a version).' },
  'schema.range': { severity: 'error', summary: 'A number out of range, or an empty list that must have items.' },
  'key.alias-conflict': { severity: 'error', summary: 'A key and its alias both given (`dependencies` and `depends_on`, `condition` and `if`, ...).' },
  'parameter.default-type': { severity: 'error', summary: 'A parameter\'s default does not match its declared type or enum.' },
  'model.invalid': { severity: 'error', summary: 'A model is not `provider:model` with a known provider.' },
  'expert.unknown': { severity: 'error', summary: 'A step names an expert the `experts` map does not have.' },
  'personality.unknown': { severity: 'error', summary: 'A step names a personality the `personalities` map does not have.' },
  'step.duplicate-id': { severity: 'error', summary: 'Two steps have the same id.' },
  'step.unknown-dependency': { severity: 'error', summary: 'A dependency names no step.' },
  'step.self-dependency': { severity: 'error', summary: 'A step depends on itself.' },
  'step.duplicate-dependency': { severity: 'warning', summary: 'A dependency is listed twice.' },
  'step.cycle': { severity: 'error', summary: 'Steps depend on each other in a cycle; the message names every step of it.' },
  'step.unreachable': { severity: 'warning', summary: 'No route reaches the step: a jump always passes over it.' },
  'step.missing-action': { severity: 'error', summary: 'A step that is not a loop has no `action`.' },
  'jump.unknown-target': { severity: 'error', summary: '`on_success`, `on_false` or `on_failure` names no step.' },
  'jump.backward': { severity: 'error', summary: 'A jump to a step that runs earlier; jumps go forward only.' },
  'jump.on-false-without-condition': { severity: 'warning', summary: '`on_false` on a step with no `condition`: it can never fire.' },
  'jump.failure-target-runs-anyway': { severity: 'info', summary: 'An `on_failure` target that also runs when nothing fails: a step depends on it, or another jump names it.' },
  'tool.unknown': { severity: 'error', summary: 'A tool that is not registered.' },
  'action.unknown': { severity: 'error', summary: 'An action the tool (or the built-in actions) does not have.' },
  'action.needs-tool': { severity: 'error', summary: 'An action that belongs to a tool, given without `tool:`.' },
  'param.unknown': { severity: 'error', summary: 'A parameter the action does not take.' },
  'param.missing': { severity: 'error', summary: 'A required parameter of the action is absent.' },
  'param.type': { severity: 'error', summary: 'A parameter value of the wrong type or outside its allowed values.' },
  'loop.missing-body': { severity: 'error', summary: '`for_each` or `while` without `steps:`.' },
  'loop.body-without-loop': { severity: 'error', summary: '`steps:` inside a step that has neither `for_each` nor `while`.' },
  'loop.conflict': { severity: 'error', summary: 'A step has both `for_each` and `while`, or a loop that also has an `action`.' },
  'loop.option-without-loop': { severity: 'warning', summary: 'A loop option (`max_parallel`, `loop_var`, `until`, `max_iterations`) on a step that is not a loop of that kind.' },
  'products.unknown-var': { severity: 'error', summary: '`products` names a field that `vars` does not declare.' },
  'products.path-escape': { severity: 'error', summary: 'A product path is absolute or leaves the output folder.' },
  'template.syntax': { severity: 'error', summary: 'A template (`{{ }}`, `{% %}`) or expression that does not parse.' },
  'template.unknown-name': { severity: 'error', summary: 'A name not in scope (warning when guarded by `default` or `is defined`).' },
  'template.unknown-filter': { severity: 'error', summary: 'A filter that does not exist.' },
  'template.unknown-test': { severity: 'error', summary: 'A test (`is ...`) that does not exist.' },
  'template.unknown-function': { severity: 'error', summary: 'A function call other than `range()` or `dict()`.' },
  'template.filter-arguments': { severity: 'error', summary: 'A filter or test given too few or too many arguments.' },
  'template.unknown-step-field': { severity: 'error', summary: 'A field a step does not have (`step.reslt`).' },
  'template.unknown-var': { severity: 'error', summary: '`step.vars.x` where the step declares no var `x`.' },
  'template.unknown-result-field': { severity: 'error', summary: '`step.result.x` where the step\'s tool action has no result field `x`.' },
  'template.hyphenated-step': { severity: 'error', summary: 'A hyphenated step id written bare (`a-b.result` reads as `a - b.result`); write `steps[\'a-b\']`.' },
  'template.implied-dependency': { severity: 'info', summary: 'A template refers to a step that is not a dependency: the reference adds one.' },
  'template.self-reference': { severity: 'error', summary: 'A step\'s template refers to the step itself.' },
  'template.loop-variable-outside-loop': { severity: 'error', summary: 'A loop variable (`item`, `index`, ...) used outside a loop body.' },
  'auto.unclosed': { severity: 'error', summary: 'An `<AUTO>` tag without its `</AUTO>`.' },
} satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof FINDING_CODES;
