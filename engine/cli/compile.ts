// The first thing every command that needs a valid pipeline does: read it, analyze it, and if it
// does not compile, print its errors like a compiler and say so.
import { analyze, hasErrors, type Analysis } from '../analyze/index';
import { formatFinding, type Style } from './findingFormat';
import { displayName, readSource } from './input';

/** The analysis of a pipeline that compiles, or null after printing why it does not. */
export function compileOrReport(file: string, style: Style, err: (s: string) => void, source = readSource(file), consequence = ''): Analysis | null {
  const a = analyze(source);
  if (hasErrors(a.findings) || !a.pipeline || !a.plan) {
    for (const f of a.findings.filter((x) => x.severity === 'error')) err(formatFinding(displayName(file), source, f, style));
    err(`${displayName(file)}: the pipeline does not compile${consequence}`);
    return null;
  }
  return a;
}
