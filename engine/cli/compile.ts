// The first thing every command that needs a valid pipeline does: read it, analyze it, and if it
// does not compile, print its errors like a compiler and say so.
import { type Analysis, analyze, type AnalyzeOptions, hasErrors, mcpInfoUnlisted } from '../api/index';
import { formatFinding, type Style } from './findingFormat';
import { displayName, pipelineFileOf, readSource } from './input';

/** The analysis of a pipeline that compiles, or null after printing why it does not. `options`: the
 * listed MCP tools (engine/run/mcpPrepare.ts), else only the user's MCP server names. */
export function compileOrReport(file: string, style: Style, err: (s: string) => void, source = readSource(file), consequence = '', options?: AnalyzeOptions): Analysis | null {
  const a = analyze(source, { ...(options ?? { mcp: mcpInfoUnlisted().mcp }), ...pipelineFileOf(file) });
  if (hasErrors(a.findings) || !a.pipeline || !a.plan) {
    for (const f of a.findings.filter((x) => x.severity === 'error')) err(formatFinding(displayName(file), source, f, style));
    err(`${displayName(file)}: the pipeline does not compile${consequence}`);
    return null;
  }
  return a;
}
