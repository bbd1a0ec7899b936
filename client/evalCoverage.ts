// An eval's coverage of its pipeline in the editor: the engine's report (engine/eval/coverage.ts,
// the lcov `orc eval --coverage` writes) as VS Code's test coverage: a FileCoverage of the pipeline
// file, each step, jump, failure policy and agent tool a statement with its hit count, each
// condition, failure policy and loop a statement with its branches (true / false, succeeded / failed,
// 0 / 1 / many iterations). Uncovered steps show in the gutter and the Test Coverage view.
import * as vscode from 'vscode';
import type { CoverageReport } from '../engine/api/index';

/** The statements of a report on the pipeline's text (each covering its line's text, indentation left out). */
export function coverageDetails(report: CoverageReport, text: string): vscode.StatementCoverage[] {
  const lines = text.split(/\r?\n/);
  const rangeOf = (line: number) => {
    const t = lines[line - 1] ?? '';
    const start = t.length - t.trimStart().length;
    return new vscode.Range(line - 1, start, line - 1, Math.max(start, t.trimEnd().length));
  };
  const byLine = new Map<number, vscode.StatementCoverage>();
  for (const [line, hits] of report.lines) byLine.set(line, new vscode.StatementCoverage(hits, rangeOf(line)));
  for (const b of report.branches) {
    let st = byLine.get(b.line);
    if (!st) byLine.set(b.line, (st = new vscode.StatementCoverage(0, rangeOf(b.line))));
    const taken = b.taken ?? 0;
    st.branches.push(new vscode.BranchCoverage(taken, rangeOf(b.line), b.label));
    // a condition's line ran when any of its branches did
    if (typeof st.executed === 'number' && !report.lines.has(b.line)) st.executed += taken;
  }
  return [...byLine.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
}

/** The pipeline file's coverage, with its details kept for loadDetailedCoverage. */
export function fileCoverage(report: CoverageReport, pipeline: vscode.Uri, text: string): { file: vscode.FileCoverage; details: vscode.StatementCoverage[] } {
  const details = coverageDetails(report, text);
  return { file: vscode.FileCoverage.fromDetails(pipeline, details), details };
}
