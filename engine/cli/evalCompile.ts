// Reading an eval file for a command: its findings printed like a compiler's, or its analysis.
import * as path from 'node:path';
import { analyzeEval, type EvalAnalysis, evalHasErrors } from '../api/index';
import { formatFinding, summary as findingSummary, type Style } from './findingFormat';
import { readSource } from './input';

export interface EvalIO {
  out(s: string): void;
  err(s: string): void;
}

export function compileEval(file: string, style: Style, err: (s: string) => void): { text: string; analysis: EvalAnalysis } | null {
  const text = readSource(file);
  const analysis = analyzeEval(text, path.resolve(file));
  // warnings too: an unused column or a misspelt case.X is found here before it costs a run
  for (const f of analysis.findings.filter((x) => x.severity === 'error' || x.severity === 'warning')) err(formatFinding(file, text, f, style));
  if (evalHasErrors(analysis)) {
    err(`${file}: the eval does not compile (${findingSummary(analysis.findings) || 'nothing to run'}); nothing ran`);
    return null;
  }
  return { text, analysis };
}
