// Findings → LSP diagnostics.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Finding } from '../engine/spec/types';

const SEVERITY: Record<Finding['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(f: Finding, uri: string): Diagnostic {
  const d: Diagnostic = { range: f.range, severity: SEVERITY[f.severity], code: f.code, source: 'orchestrator', message: f.message };
  if (f.suggestions.length || f.fixes?.length) d.data = { suggestions: f.suggestions, ...(f.fixes?.length ? { fixes: f.fixes } : {}) };
  if (f.related?.length) d.relatedInformation = f.related.map((r) => ({ location: { uri, range: r.range }, message: r.message }));
  return d;
}

/**
 * The most diagnostics published for one document. Past it one more diagnostic, on the first
 * finding left out, says how many more there are: an editor given 20,000 diagnostics spent seconds
 * on them, and nobody reads past the first screens (issue 24, item 13).
 */
export const MAX_PUBLISHED_DIAGNOSTICS = 1000;

/** The code of the diagnostic that stands for the findings left out. */
export const MORE_FINDINGS_CODE = 'diagnostics.more';

const RANK: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** A document's findings (sorted by position) as the diagnostics to publish: at most MAX_PUBLISHED_DIAGNOSTICS and one that says how many more. */
export function toDiagnostics(findings: readonly Finding[], uri: string, max = MAX_PUBLISHED_DIAGNOSTICS): Diagnostic[] {
  if (findings.length <= max) return findings.map((f) => toDiagnostic(f, uri));
  const shown = findings.slice(0, max).map((f) => toDiagnostic(f, uri));
  const rest = findings.length - max;
  let worst: Finding['severity'] = 'hint';
  for (let k = max; k < findings.length; k++) if (RANK[findings[k].severity] < RANK[worst]) worst = findings[k].severity;
  const n = (x: number) => x.toLocaleString('en-US');
  shown.push({
    range: findings[max].range,
    severity: SEVERITY[worst],
    code: MORE_FINDINGS_CODE,
    source: 'orchestrator',
    message: `${n(rest)} more finding${rest === 1 ? '' : 's'} from here on are not shown (${n(findings.length)} in all; the first ${n(max)} are). \`orc validate\` lists them all.`,
  });
  return shown;
}
