// Jumps between a list's steps (on_success, on_false, on_failure): to a step of the same list, forward
// only, and what they make run anyway or never.
import { valueRange } from '../parse/yamlDocument';
import { failureTargets } from '../plan/failureHandlers';
import type { Plan, Step } from '../spec/types';
import { isAutoTag } from './autoTags';
import type { FindingSink } from './findingSink';
import type { StepIndexEntry } from './stepIndex';
import { LocatedReference, type StepReference } from './model';
import { didYouMean, suggestAmong } from './suggest';

const FAILURE_WORDS = ['fail', 'continue', 'skip', 'retry'];

/** Checks the jumps of one step list, records them as references, and finds the steps they make
 * unreachable. `siblings`: the list's ids (its caller's set; one is made when not given). */
export function checkJumps(steps: Step[], plan: Plan, sink: FindingSink, index: Map<string, StepIndexEntry>, references: StepReference[], siblings: ReadonlySet<string> = new Set(steps.map((s) => s.id))): void {
  // built when first needed: most steps jump nowhere, and this runs on every edit
  let orderMap: Map<string, number> | null = null;
  const order = () => (orderMap ??= new Map(plan.executionOrder.map((id, i) => [id, i])));
  const jumpTargets = new Set<string>();
  const checkJump = (step: Step, key: string, target: string | null) => {
    if (target === null || isAutoTag(target)) return;
    const path = step.path.concat(key);
    if (!siblings.has(target)) {
      const suggestions = suggestAmong(target, key === 'on_failure' ? [siblings, FAILURE_WORDS] : [siblings]);
      const extra = key === 'on_failure' ? " (or 'fail', 'continue', 'skip', 'retry')" : '';
      sink.atValue('jump.unknown-target', `'${key}' names no step '${target}'${index.has(target) ? ' in the same list' : ''}${extra}.${didYouMean(suggestions)}`, path, { step: step.id, suggestions });
      return;
    }
    references.push(LocatedReference.of(target, 'jump', step.id, path, valueRange(sink.parsed, path)));
    jumpTargets.add(target);
    const a = order().get(step.id);
    const b = order().get(target);
    if (a !== undefined && b !== undefined && b <= a) {
      sink.atValue('jump.backward', `'${key}' jumps back to '${target}', which runs ${b === a ? 'as' : 'before'} '${step.id}': jumps go forward only.`, path, { step: step.id });
    }
  };
  for (const step of steps) {
    checkJump(step, 'on_success', step.onSuccess);
    checkJump(step, 'on_false', step.onFalse);
    checkJump(step, 'on_failure', step.onFailure.kind === 'jump' ? step.onFailure.target : null);
    if (step.onFalse !== null && step.condition === undefined) {
      sink.atKey('jump.on-false-without-condition', `'on_false' never fires: step '${step.id}' has no 'condition'.`, [...step.path, 'on_false'], { step: step.id });
    }
  }
  // an on_failure target that is not a pure handler runs on the normal path too: say so
  for (const [target, why] of failureTargets(steps, plan, siblings).alsoNormal) {
    const names = (l: string[]) => l.map((x) => `'${x}'`).join(', ');
    const because = why.dependents.length ? `${names(why.dependents)} ${why.dependents.length > 1 ? 'depend' : 'depends'} on it` : `${names(why.otherJumps)} also ${why.otherJumps.length > 1 ? 'jump' : 'jumps'} to it`;
    for (const src of why.sources) {
      const from = steps.find((s) => s.id === src)!;
      sink.atValue('jump.failure-target-runs-anyway', `'${target}' runs even when '${src}' does not fail: ${because}. A step only an on_failure names, that nothing depends on, runs only on failure.`, [...from.path, 'on_failure'], { step: src });
    }
  }
  // unreachable: a step always jumped over by an unconditional on_success, reached by no jump
  let graph: { byId: Map<string, Step>; children: Map<string, string[]> } | null = null;
  for (const s of steps) {
    if (s.onSuccess === null || !siblings.has(s.onSuccess)) continue;
    if (s.condition !== undefined || s.onFailure.kind !== 'fail') continue; // another outcome lets the run go on
    if (!graph) {
      const children = new Map<string, string[]>(plan.steps.map((x) => [x, []]));
      for (const e of plan.edges) children.get(e.from)!.push(e.to);
      graph = { byId: new Map(steps.map((x) => [x.id, x])), children };
    }
    const { byId, children } = graph;
    const from = order().get(s.id);
    const to = order().get(s.onSuccess);
    if (from === undefined || to === undefined || to <= from) continue;
    // descendants of s strictly between s and the target; a jump target shields itself and what follows it
    const stack = [...children.get(s.id)!];
    const seen = new Set<string>();
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      const ox = order().get(x);
      if (ox === undefined || ox >= to || jumpTargets.has(x)) continue;
      const step = byId.get(x)!;
      sink.atValue('step.unreachable', `Step '${x}' never runs: '${s.id}' always jumps past it to '${s.onSuccess}' (on_success), and no jump leads to it.`, [...step.path, 'id'], {
        step: x,
        related: [{ message: `'${s.id}' jumps to '${s.onSuccess}'`, range: valueRange(sink.parsed, [...s.path, 'on_success']) }],
      });
      stack.push(...children.get(x)!);
    }
  }
}
