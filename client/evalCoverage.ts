// An eval's coverage of its pipeline in the editor: the engine's report (engine/eval/coverage.ts,
// the lcov `orc eval --coverage` writes) as VS Code's test coverage: a FileCoverage of the pipeline
// file, each step, jump, failure policy and agent tool a statement with its hit count, each
// condition, failure policy and loop a statement with its branches (true / false, succeeded / failed,
// 0 / 1 / many iterations). Uncovered steps show in the gutter and the Test Coverage view.
// Per test: the file's coverage names the cases that ran (`includesTests`), and the profile gives a
// case's own statements when a person filters the coverage by it (client/evalCaseCoverage.ts keeps them).
import * as vscode from 'vscode';
import type { CoverageReport } from '../engine/api/index';
import type { CaseCoverage } from './evalCaseCoverage';

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

/** Each case's own coverage of a FileCoverage given to a run, and the pipeline's text it is on. */
const perTest = new WeakMap<vscode.FileCoverage, { text: string; reports: Map<vscode.TestItem, CoverageReport> }>();

/** The cases of the run that covered the file, named on it (VS Code then offers to filter by each). */
export function addCaseCoverage(file: vscode.FileCoverage, text: string, byCase: CaseCoverage<vscode.TestItem>): void {
  if (!perTestSupported()) return;
  const reports = byCase.reports();
  if (!reports.size) return;
  file.includesTests = [...reports.keys()];
  perTest.set(file, { text, reports });
}

/**
 * One case's coverage of the file, as VS Code asks for it (`loadDetailedCoverageForTest`): the
 * statements that case executed (its own counts, its branches beside them), as the API asks.
 */
export function caseCoverageDetails(file: vscode.FileCoverage, test: vscode.TestItem): vscode.StatementCoverage[] {
  const p = perTest.get(file);
  // by id: an item listed again since the run (the eval file re-read) is another object of the same id
  const report = p ? (p.reports.get(test) ?? [...p.reports].find(([item]) => item.id === test.id)?.[1]) : undefined;
  if (!p || !report) return [];
  return coverageDetails(report, p.text).filter((st) => (typeof st.executed === 'number' ? st.executed > 0 : st.executed));
}

/**
 * The Coverage profile answers per-test coverage. `loadDetailedCoverageForTest` is VS Code 1.93's: a host
 * that has no per-test coverage (`includesTests` unknown to it) never calls it, so it is set only
 * where the API has it.
 */
export function servePerTestCoverage(profile: vscode.TestRunProfile): void {
  if (!perTestSupported()) return;
  profile.loadDetailedCoverageForTest = async (_run, file, test) => caseCoverageDetails(file, test);
}

/** VS Code ≥ 1.93 (per-test coverage). */
function perTestSupported(): boolean {
  const [major, minor] = vscode.version.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 93);
}
