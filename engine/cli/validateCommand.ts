// `orc validate FILE... [--json]`: the findings of each file; exit 2 when any has an error.
import { analyze, hasErrors } from '../analyze/index';
import type { Finding } from '../spec/types';
import { formatFinding, paint, summary, type Style } from './findingFormat';
import { displayName, readSource } from './input';

export interface ValidateReport {
  file: string;
  valid: boolean;
  findings: Finding[];
}

export function validateFile(file: string): { report: ValidateReport; text: string } {
  const text = readSource(file);
  const a = analyze(text);
  return { report: { file: displayName(file), valid: !hasErrors(a.findings), findings: a.findings }, text };
}

export function validateCommand(files: string[], json: boolean, style: Style, out: (s: string) => void): number {
  const results = files.map(validateFile);
  if (json) {
    const reports = results.map((r) => r.report);
    out(JSON.stringify(files.length === 1 ? reports[0] : reports, null, 2));
  } else {
    for (const { report, text } of results) {
      for (const f of report.findings) out(formatFinding(report.file, text, f, style));
      const s = summary(report.findings);
      out(report.valid ? `${paint(style, 'bold', report.file)}: valid${s ? ` (${s})` : ''}` : `${paint(style, 'bold', report.file)}: ${s}`);
    }
  }
  return results.every((r) => r.report.valid) ? 0 : 2;
}
