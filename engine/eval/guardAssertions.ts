// The eval assertions on guardrails: `guardrail_tripped: NAME` and `guardrail_not_tripped: NAME`.
// They read the `guardrails` lines of a step's result (engine/guard/), with `step: ID` that step's,
// else every step's of the run. A guard trips when one of its checks did not pass, whatever it then
// did (blocked, redacted, retried, asked). A blocked step failed, but its lines are kept: its
// guard is judged all the same. The analysis warns when no step of the pipeline has the guard.
import type { ResultDocument, StepResult } from '../run/events';
import type { GuardrailLine } from '../guard/types';
import type { Pipeline, Step, ValuePath } from '../spec/types';
import { didYouMean, suggest } from '../analyze/suggest';
import type { EvalAssertion, EvalSink } from './evalFile';

export type GuardAssertionKind = 'guardrail_tripped' | 'guardrail_not_tripped';
export const GUARD_ASSERTION_KINDS: ReadonlySet<string> = new Set<GuardAssertionKind>(['guardrail_tripped', 'guardrail_not_tripped']);

/** What the assertion looks at: one step's result, or the whole run. */
export type GuardTarget = { step: string; result: StepResult } | { run: ResultDocument };

interface Seen {
  step: string;
  line: GuardrailLine;
}

function linesOf(t: GuardTarget, guard: string): Seen[] {
  const steps: [string, StepResult][] = 'step' in t ? [[t.step, t.result]] : Object.entries(t.run.steps);
  return steps.flatMap(([step, r]) => (r.guardrails ?? []).filter((l) => l.guard === guard).map((line) => ({ step, line })));
}

const said = (s: Seen) => `${s.line.stage} of step '${s.step}': ${s.line.action}${s.line.reason ? ` (${s.line.reason})` : ''}`;

/** The check: expected, actual (the guard's checks: step, stage, action, reason) and why it failed. */
export function guardAssertion(kind: GuardAssertionKind, guard: string, t: GuardTarget): { expected: string; actual: unknown; pass: boolean; reason: string } {
  const seen = linesOf(t, guard);
  const tripped = seen.filter((s) => !s.line.passed);
  const where = 'step' in t ? `step '${t.step}'` : 'the run';
  const actual = seen.map((s) => ({ step: s.step, stage: s.line.stage, passed: s.line.passed, action: s.line.action, reason: s.line.reason }));
  if (kind === 'guardrail_tripped') {
    const pass = tripped.length > 0;
    const reason = pass ? '' : seen.length ? `guardrail '${guard}' passed each of its ${seen.length} check${seen.length === 1 ? '' : 's'} in ${where}` : `guardrail '${guard}' made no check in ${where}`;
    return { expected: `guardrail '${guard}' trips`, actual, pass, reason };
  }
  const pass = tripped.length === 0;
  return { expected: `guardrail '${guard}' does not trip`, actual, pass, reason: pass ? '' : `guardrail '${guard}' tripped: ${tripped.map(said).join('; ')}` };
}

/** The value the assertion looks at, or why there is none (an output is not a step). */
export function guardTarget(a: EvalAssertion, doc: ResultDocument): { label: string; value: GuardTarget | undefined; missing: string | null } {
  if (a.target && 'output' in a.target) return { label: `output ${a.target.output}`, value: undefined, missing: `'${a.kind}' looks at the guardrails of a step ('step: ID') or of the whole run (no target), not at an output` };
  if (a.target && 'step' in a.target) {
    const r = doc.steps[a.target.step];
    if (!r) return { label: `step ${a.target.step}`, value: undefined, missing: `step '${a.target.step}' has no result` };
    return { label: `step ${a.target.step}`, value: { step: a.target.step, result: r }, missing: null };
  }
  return { label: 'run', value: { run: doc }, missing: null };
}

function guardsOf(steps: readonly Step[], out: Map<string, Set<string>>): void {
  for (const s of steps) {
    const g = s.guardrails;
    if (g) for (const d of [...g.input, ...g.output, ...g.toolResults]) (out.get(s.id) ?? out.set(s.id, new Set()).get(s.id)!).add(d.name);
    if (s.body) guardsOf(s.body, out);
  }
}

/** The analysis: a guard no step has (or the named step does not have) can never trip. */
export function checkGuardAssertion(sink: EvalSink, a: EvalAssertion, pipeline: Pipeline): void {
  const at: ValuePath = [...a.path, a.kind];
  if (a.target && 'output' in a.target) {
    sink.atKey('eval.assertion-target', `'${a.kind}' looks at the guardrails of a step ('step: ID') or of the whole run (no target), not at an output.`, [...a.path, 'output']);
    return;
  }
  if (typeof a.operand !== 'string' || !a.operand.trim()) return;
  const byStep = new Map<string, Set<string>>();
  guardsOf(pipeline.steps, byStep);
  const step = a.target && 'step' in a.target ? a.target.step : null;
  const names = [...new Set(step ? [...(byStep.get(step) ?? [])] : [...byStep.values()].flatMap((x) => [...x]))];
  if (names.includes(a.operand)) return;
  const s = suggest(a.operand, names);
  const never = a.kind === 'guardrail_tripped' ? 'so this assertion cannot pass' : 'so this assertion cannot fail';
  const has = names.length ? `its guards: ${names.join(', ')}` : 'it has none';
  sink.atValue('eval.unknown-guard', `${step ? `Step '${step}'` : 'No step of the pipeline'} ${step ? 'has no' : 'has a'} guardrail '${a.operand}' (${has}; a guard is named by its 'name:', else its kind), ${never}.${didYouMean(s)}`, at, s);
}
