// Helpers that turn analysis output into compact, exact expectations.
import { analyze } from '../../engine/analyze/index';
import type { Finding } from '../../engine/spec/types';

/** [code, severity, message, 'line:char-line:char'] with 0-based positions, as LSP. */
export type CompactFinding = [string, string, string, string];

export function compact(f: Finding): CompactFinding {
  const r = f.range;
  return [f.code, f.severity, f.message, `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`];
}

export function findingsOf(text: string): CompactFinding[] {
  return analyze(text).findings.map(compact);
}

/** Joins lines with \n and a trailing newline. */
export function doc(...lines: string[]): string {
  return lines.join('\n') + '\n';
}
