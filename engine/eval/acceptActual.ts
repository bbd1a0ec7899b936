// "Accept Actual as Expected" (the Test Explorer's action on a failed assertion): the one edit of an
// eval file that makes a failed assertion expect what the case's run gave. Only where the expected
// value is a value the run can give back: equals, contains, icontains, numeric, status, similar.
// Bounds (max_length, max_cost_usd, ...), patterns (regex), negations (not_contains), judges'
// rubrics and trajectories are not values to copy, and an operand that is a template is computed
// per case: those are refused with why. So is an assertion of the eval's `assert:` when the eval has
// other cases (it is theirs too): the case's own `assert:` takes an accepted value.
import type { ResultDocument } from '../run/events';
import { exactSpan, parseYaml } from '../parse/yamlDocument';
import { hasTemplateSyntax } from '../template/index';
import type { AssertionResult } from './assertions';
import { analyzeEval, evalHasErrors } from './evalAnalysis';
import type { AssertionKind, EvalAssertion } from './evalFile';

/** The kinds whose expected value may be replaced by the actual one. */
export const ACCEPTABLE_KINDS: ReadonlySet<AssertionKind> = new Set(['equals', 'contains', 'icontains', 'numeric', 'status', 'similar']);

/** An edit of the eval file's text: offsets [start, end) replaced by `text`. */
export interface AcceptEdit {
  start: number;
  end: number;
  text: string;
}

const TEXT_KINDS: ReadonlySet<AssertionKind> = new Set(['contains', 'icontains', 'similar']);

/** The whole value the assertion looked at (a result's `actual` is cut at 200 characters for the text kinds). */
function lookedAt(a: AssertionResult, doc: ResultDocument | null): { value: unknown } | null {
  const m = /^(output|step) (.+)$/.exec(a.target);
  if (!m || !doc) return null;
  if (m[1] === 'output') return Object.prototype.hasOwnProperty.call(doc.outputs, m[2]) ? { value: doc.outputs[m[2]] } : null;
  const s = doc.steps[m[2]];
  return s ? { value: s.result } : null;
}

/** What the failed assertion would expect once accepted, or why it cannot be. */
export function acceptedValue(a: AssertionResult, doc: ResultDocument | null): { value: unknown } | { problem: string } {
  if (!ACCEPTABLE_KINDS.has(a.kind)) return { problem: `'${a.kind}' does not expect a value the run gives back: only ${[...ACCEPTABLE_KINDS].join(', ')} take the actual value` };
  if (a.pass) return { problem: 'the assertion passed: there is nothing to accept' };
  if (a.status === 'error' || a.actual === null || a.actual === undefined) return { problem: `the assertion has no actual value to accept (${a.reason})` };
  if (TEXT_KINDS.has(a.kind)) {
    const whole = lookedAt(a, doc);
    if (!whole) return { problem: `the run's ${a.target} cannot be read back` };
    return { value: typeof whole.value === 'string' ? whole.value : JSON.stringify(whole.value) };
  }
  if (a.kind === 'numeric' && typeof a.actual !== 'number') return { problem: `${JSON.stringify(a.actual)} is not a number` };
  return { value: a.actual };
}

/** A value as YAML on one line: a JSON text is a YAML flow value (strings double-quoted, escapes kept). */
function yamlValue(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

/**
 * The edit of the eval file (its current `text`) that makes case `caseId`'s assertion at 0-based
 * `line` expect `value`, or why not. `kind` is the failed assertion's kind: the line must still hold it.
 */
export function acceptActualEdit(text: string, evalFile: string, caseId: string, line: number, kind: AssertionKind, value: unknown): AcceptEdit | { problem: string } {
  const a = analyzeEval(text, evalFile);
  if (!a.eval || evalHasErrors(a)) return { problem: 'the eval file does not compile: fix its errors first' };
  const spec = a.eval;
  const cases = spec.cases.kind === 'inline' ? spec.cases.cases : null;
  const own = cases?.find((c) => c.id === caseId)?.assert.find((x) => x.line === line);
  const shared = spec.assert.find((x) => x.line === line);
  const found: EvalAssertion | undefined = own ?? shared;
  if (!found) return { problem: `line ${line + 1} of the eval file holds no assertion of case '${caseId}' any more (was the file edited since the run?)` };
  if (found.kind !== kind) return { problem: `the assertion at line ${line + 1} is '${found.kind}' now, not the '${kind}' that failed` };
  if (!ACCEPTABLE_KINDS.has(kind)) return { problem: `'${kind}' does not expect a value the run gives back` };
  if (!own && (!cases || cases.length > 1)) {
    return { problem: `the assertion at line ${line + 1} is the eval's, shared by every case: give case '${caseId}' its own 'assert:' to accept its actual value` };
  }
  if (typeof found.operand === 'string' && hasTemplateSyntax(found.operand)) return { problem: `the expected value ${JSON.stringify(found.operand)} is a template, computed per case: edit it by hand` };
  const parsed = parseYaml(text);
  const span = exactSpan(parsed, [...found.path, kind]);
  if (!span) return { problem: `the expected value of the assertion at line ${line + 1} cannot be found in the file` };
  let end = span.end;
  while (end > span.start + 1 && /\s/.test(text[end - 1])) end--;
  return { start: span.start, end, text: yamlValue(kind === 'numeric' || kind === 'equals' || kind === 'status' ? value : String(value)) };
}
