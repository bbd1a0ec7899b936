// `orc plan FILE [--json]`: dependency levels, execution order and critical path.
import type { Analysis } from '../analyze/index';
import { compileOrReport } from './compile';
import { paint, type Style } from './findingFormat';

export interface PlanDocument {
  pipeline_id: string;
  steps: number;
  execution_levels: string[][];
  execution_order: string[];
  critical_path: string[];
  edges: { from: string; to: string; kind: string }[];
  loops: Record<string, { execution_levels: string[][]; critical_path: string[] }>;
}

export function planDocument(a: Analysis): PlanDocument {
  const plan = a.plan!;
  return {
    pipeline_id: a.pipeline!.id,
    steps: plan.steps.length,
    execution_levels: plan.levels,
    execution_order: plan.executionOrder,
    critical_path: plan.criticalPath,
    edges: plan.edges.map((e) => ({ from: e.from, to: e.to, kind: e.kind })),
    loops: Object.fromEntries(Object.entries(a.bodyPlans).map(([id, p]) => [id, { execution_levels: p.levels, critical_path: p.criticalPath }])),
  };
}

export function planCommand(file: string, json: boolean, style: Style, out: (s: string) => void, err: (s: string) => void): number {
  const a = compileOrReport(file, style, err);
  if (!a) return 2;
  const doc = planDocument(a);
  if (json) {
    out(JSON.stringify(doc, null, 2));
    return 0;
  }
  out(`${paint(style, 'bold', `Plan of ${doc.pipeline_id}`)}: ${doc.steps} step${doc.steps === 1 ? '' : 's'} in ${doc.execution_levels.length} level${doc.execution_levels.length === 1 ? '' : 's'}`);
  doc.execution_levels.forEach((level, i) => out(`  level ${i + 1}: ${level.join(', ')}${level.length > 1 ? paint(style, 'dim', '  (in parallel)') : ''}`));
  out(`critical path: ${doc.critical_path.join(' → ')} (${doc.critical_path.length} step${doc.critical_path.length === 1 ? '' : 's'})`);
  for (const [id, loop] of Object.entries(doc.loops)) out(`loop ${id}: ${loop.execution_levels.map((l) => l.join(', ')).join(' | ')}`);
  out(paint(style, 'dim', 'predicted cost and duration: no run history yet'));
  return 0;
}
