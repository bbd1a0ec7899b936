// `orc validate FILE... [--json]`: the findings of each file; exit 2 when any has an error.
import { type AnalyzeOptions, callsMcp, mcpAnalyzeOptions, validationReport, type ValidateReport } from '../api/index';
import { formatFinding, paint, summary, type Style } from './findingFormat';
import { displayName, readSource } from './input';

export type { ValidateReport };

/** `options`: the listed MCP tools (engine/run/mcpPrepare.ts); default: only the user's MCP server names. An eval file (NAME.eval.yaml) is checked as one. */
export function validateFile(file: string, text = readSource(file), options?: AnalyzeOptions): { report: ValidateReport; text: string } {
  return { report: validationReport(displayName(file), text, file === '-' ? undefined : file, options), text };
}

/** A pipeline that calls MCP tools is checked against its servers' listed tools: then the answer is a promise. */
export function validateCommand(files: string[], json: boolean, style: Style, out: (s: string) => void, err: (s: string) => void = () => undefined): number | Promise<number> {
  const texts = files.map((f) => readSource(f));
  if (!texts.some(callsMcp)) return report(files.map((f, i) => validateFile(f, texts[i])), files, json, style, out);
  const where = { workspace: process.cwd(), cwd: process.cwd(), warn: err };
  return Promise.all(texts.map((t) => mcpAnalyzeOptions(t, where))).then((options) => report(files.map((f, i) => validateFile(f, texts[i], options[i])), files, json, style, out));
}

function report(results: { report: ValidateReport; text: string }[], files: string[], json: boolean, style: Style, out: (s: string) => void): number {
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
