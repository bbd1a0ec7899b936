// The graph of an analyzed document: the plan's DAG with each step's source ranges from the outline.
import { graphOf, type GraphDocument } from '../plan/graph';
import type { Range } from '../spec/types';
import type { Analysis, PipelineSymbol } from './index';

export function graphDocument(a: Analysis): GraphDocument & { pipeline_id: string } {
  const ranges = new Map<string, { range: Range; selectionRange: Range }>();
  const walk = (symbols: PipelineSymbol[]) => {
    for (const s of symbols) {
      if (s.kind === 'step' || s.kind === 'loop') ranges.set(s.name, { range: s.range, selectionRange: s.selectionRange });
      walk(s.children);
    }
  };
  walk(a.symbols.find((s) => s.kind === 'section' && s.name === 'steps')?.children ?? []);
  return { pipeline_id: a.pipeline!.id, ...graphOf(a.pipeline!.steps, a.plan!, a.bodyPlans, (id) => ranges.get(id)) };
}
