// A parameter that holds a document of its own (`pipeline-executor`'s inline sub-pipeline) is
// analyzed as the pipeline it is; each of its findings is reported at its place inside the value.
import { LineIndex } from '../parse/lineIndex';
import { stringOffsets } from '../parse/yamlDocument';
import type { Finding, Pipeline, Step } from '../spec/types';
import { actionSpec, inlineDocumentParams, type ToolCatalog } from '../toolkit/toolSpecs';
import type { FindingSink } from './findingSink';
import { offsetAt } from '../parse/scalarOffsets';

/** Inline documents nested deeper than this are not analyzed (the run bounds nesting too). */
const MAX_DEPTH = 4;

export function checkInlineDocuments(pipeline: Pipeline, sink: FindingSink, catalog: ToolCatalog, analyzeText: (text: string, depth: number, passedInputs: string[]) => Finding[], depth: number): void {
  if (depth >= MAX_DEPTH) return;
  const visit = (steps: Step[]): void => {
    for (const step of steps) {
      if (step.body) visit(step.body);
      if (!step.action) continue;
      for (const k of inlineDocumentParams(actionSpec(catalog, step.tool, step.action), step.parameters)) {
        const text = step.parameters[k] as string;
        const path = [...step.path, 'parameters', k];
        const offsets = stringOffsets(sink.parsed, path, text);
        if (offsets === null) continue;
        const inner = new LineIndex(text);
        const outer = (p: Finding['range']['start']) => offsetAt(offsets, Math.min(inner.offset(p), text.length));
        // the names the step passes it (`inputs:`), which an inline sub-pipeline takes undeclared
        const passed = step.parameters.inputs !== null && typeof step.parameters.inputs === 'object' && !Array.isArray(step.parameters.inputs) ? Object.keys(step.parameters.inputs) : [];
        for (const f of analyzeText(text, depth + 1, passed)) {
          const start = outer(f.range.start);
          const end = Math.max(start, f.range.end.line === f.range.start.line && f.range.end.character === f.range.start.character ? start : outer(f.range.end));
          sink.add(f.code as never, `In the inline pipeline: ${f.message}`, sink.parsed.lines.range(start, end), path, { step: step.id, suggestions: f.suggestions, severity: f.severity });
        }
      }
    }
  };
  visit(pipeline.steps);
}
