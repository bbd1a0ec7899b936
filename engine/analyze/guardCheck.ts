// Guards and budgets checked before the run: a guard whose pattern RE2 cannot run, whose schema
// is not JSON Schema, or whose pipeline is not there or does not compile is an error (it would
// fail the step at run time); a run budget the worst case
// can go over is a warning on `budget`, naming the costliest step; a model step with no
// `max_tokens` under a budget is an info (each of its calls is reserved for 4,096 tokens out).
import Ajv from 'ajv';
import * as path from 'node:path';
import type { Finding, GuardDecl, Pipeline, Step } from '../spec/types';
import { pipelineFileProblem } from './agentCheck';
import { compileRegex } from '../template/regex';
import type { FindingSink } from './findingSink';
import { worstCase, type StepWorstCase } from './worstCase';

const usd = (n: number): string => `$${Number(n.toPrecision(4))}`;

/** What the check of a `pipeline:` guard needs: the pipeline's own file (its folder holds the guard's), and the compiler. */
export interface GuardCheckOptions {
  pipelineFile?: string;
  compile?: (text: string) => Finding[];
}

function checkGuard(g: GuardDecl, step: Step, sink: FindingSink, opts: GuardCheckOptions): void {
  if (g.kind === 'deny' || g.kind === 'allow') {
    const patterns = typeof g.value === 'string' ? [g.value] : Array.isArray(g.value) ? g.value : [];
    patterns.forEach((p, i) => {
      if (typeof p !== 'string') return;
      try {
        compileRegex(p);
      } catch (e) {
        sink.atValue('guard.invalid', `Guardrail '${g.name}' of step '${step.id}': ${(e as Error).message}`, typeof g.value === 'string' ? [...g.path, g.kind] : [...g.path, g.kind, i], { step: step.id });
      }
    });
  } else if (g.kind === 'pipeline' && typeof g.value === 'string' && g.value && opts.pipelineFile && opts.compile) {
    // checked only when the pipeline's own file is known (orc validate, orc run, a saved document)
    const problem = pipelineFileProblem(g.value, path.dirname(opts.pipelineFile), opts.compile);
    if (problem) sink.atValue('guard.invalid', `Guardrail '${g.name}' of step '${step.id}': ${problem}`, [...g.path, 'pipeline'], { step: step.id });
  } else if (g.kind === 'schema' && g.value && typeof g.value === 'object') {
    try {
      new Ajv({ strict: false }).compile(g.value as object);
    } catch (e) {
      sink.atKey('guard.invalid', `Guardrail '${g.name}' of step '${step.id}': its schema is not valid JSON Schema: ${(e as Error).message}`, [...g.path, 'schema'], { step: step.id });
    }
  }
}

function costliest(steps: StepWorstCase[], by: 'usd' | 'tokens'): StepWorstCase | undefined {
  return [...steps].sort((a, b) => (b[by] ?? Infinity) - (a[by] ?? Infinity))[0];
}

export function checkGuardsAndBudgets(p: Pipeline, sink: FindingSink, opts: GuardCheckOptions = {}): void {
  let anyStepBudget = false;
  const walk = (steps: Step[]) => {
    for (const s of steps) {
      const g = s.guardrails;
      if (g) for (const one of [...g.input, ...g.output, ...g.toolResults]) checkGuard(one, s, sink, opts);
      if (s.budget) anyStepBudget = true;
      if (s.body) walk(s.body);
    }
  };
  walk(p.steps);
  if (!p.budget && !anyStepBudget) return;
  const worst = worstCase(p);
  for (const s of worst.steps) {
    if (!s.model) continue;
    const step = findStep(p.steps, s.step);
    if (step && step.action !== 'embed' && typeof step.parameters.max_tokens !== 'number' && (p.budget || step.budget)) {
      sink.atKey('budget.no-max-tokens', `Step '${s.step}' sets no max_tokens: under a budget each of its calls is reserved for 4096 tokens out. Give it 'max_tokens' in its parameters to reserve what it needs.`, [...step.path, step.agent ? 'action' : 'parameters'], { step: s.step });
    }
  }
  for (const s of worst.steps) {
    const step = findStep(p.steps, s.step);
    if (!step || !s.model || s.priced !== false || s.model.includes('{{') || s.model.includes('AUTO')) continue;
    const cap = step.budget?.maxCostUsd ?? p.budget?.maxCostUsd ?? null;
    if (cap === null) continue;
    const whose = step.budget?.maxCostUsd !== undefined && step.budget.maxCostUsd !== null ? 'its own budget' : "the run's budget";
    sink.atKey('budget.unpriced-model', `Step '${s.step}' calls ${s.model}, which the model registry has no price for: ${whose} (max_cost_usd ${usd(cap)}) cannot count its calls, so they will be refused. Give the model its price in your registry file (0 for a local model), or bound the budget with max_tokens instead.`, [...step.path, step.model ? 'model' : 'action'], { step: s.step });
  }
  const b = p.budget;
  if (!b) return;
  if (b.maxCostUsd !== null) {
    const top = costliest(worst.steps, 'usd');
    if (worst.usd === null && top) sink.atKey('budget.exceedable', `The run's worst case has no bound, so it can go over max_cost_usd ${usd(b.maxCostUsd)}: step '${top.label}' is ${top.note}. The run fails when the budget is spent.`, ['budget', 'max_cost_usd']);
    else if (worst.usd !== null && worst.usd > b.maxCostUsd && top) sink.atKey('budget.exceedable', `The run's worst case is ${usd(worst.usd)}, over max_cost_usd ${usd(b.maxCostUsd)}: the costliest path is step '${top.label}' (${top.calls} call${top.calls === 1 ? '' : 's'} on ${top.model}, ${usd(top.usd!)}). The run fails when the budget is spent.`, ['budget', 'max_cost_usd']);
  }
  if (b.maxTokens !== null) {
    const top = costliest(worst.steps, 'tokens');
    if (worst.tokens !== null && worst.tokens > b.maxTokens && top) sink.atKey('budget.exceedable', `The run's worst case is ${worst.tokens} tokens, over max_tokens ${b.maxTokens}: the costliest path is step '${top.label}' (${top.calls} call${top.calls === 1 ? '' : 's'}, ${top.tokens} tokens). The run fails when the budget is spent.`, ['budget', 'max_tokens']);
  }
}

function findStep(steps: Step[], id: string): Step | undefined {
  for (const s of steps) {
    if (s.id === id) return s;
    const inner = s.body ? findStep(s.body, id) : undefined;
    if (inner) return inner;
  }
  return undefined;
}
