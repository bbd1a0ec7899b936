// A case whose run a guardrail stopped (or that a guard changed: redacted, retried, asked) says so in
// the Test Explorer at the guard's own line in the pipeline: the guard, its stage, what it did and
// why. The eval's assertions say what was expected; this says which guard of the pipeline acted.
import * as vscode from 'vscode';
import { type Analysis, exactSpan, type ResultDocument } from '../engine/api/index';

const STAGES = { input: 'input', output: 'output', tool_results: 'toolResults' } as const;

export function trippedGuardMessages(pipeline: Analysis | null | undefined, pipelineUri: vscode.Uri, doc: ResultDocument | null): vscode.TestMessage[] {
  if (!pipeline || !doc) return [];
  const out: vscode.TestMessage[] = [];
  for (const id of doc.execution_order) {
    const lines = doc.steps[id]?.guardrails ?? [];
    for (const g of lines) {
      if (g.passed) continue;
      const decl = pipeline.stepIndex.get(id)?.step.guardrails?.[STAGES[g.stage]]?.find((d) => d.name === g.guard);
      const m = new vscode.TestMessage(`Guardrail '${g.guard}' on step '${id}' (${g.stage.replace('_', ' ')}) ${g.action === 'block' ? 'blocked it' : `acted: ${g.action}`}${g.reason ? `: ${g.reason}` : ''}`);
      const span = decl ? exactSpan(pipeline.parsed, decl.path) : undefined;
      if (span) {
        const at = pipeline.parsed.lines.position(span.start);
        m.location = new vscode.Location(pipelineUri, new vscode.Position(at.line, at.character));
      }
      out.push(m);
    }
  }
  return out;
}
