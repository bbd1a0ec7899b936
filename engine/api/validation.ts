// One file's findings as `orc validate --json` prints them, `{file, valid, findings}`: the CLI's
// `orc validate` and the editor's `orc_validatePipeline` tool for Copilot (client/validateTool.ts)
// make the same report from the same text.
import * as path from 'node:path';
import { analyze, hasErrors, type AnalyzeOptions } from '../analyze/index';
import type { Finding } from '../spec/types';
import { analyzeEval, evalHasErrors } from '../eval/evalAnalysis';
import { mcpInfoUnlisted } from '../run/mcpPrepare';

export interface ValidateReport {
  file: string;
  valid: boolean;
  findings: Finding[];
}

/**
 * The report of `text`, named `name`. `file`: where it lives (or would), so an eval file
 * (`NAME.eval.yaml`) is checked as one against its pipeline (docs/eval.md), and an agent's
 * `pipeline: FILE` tools are read beside a pipeline; none (standard input, a text): a pipeline with
 * nothing beside it. `options`: the listed MCP tools (engine/run/mcpPrepare.ts); default: only the
 * user's MCP server names.
 */
export function validationReport(name: string, text: string, file?: string, options?: AnalyzeOptions): ValidateReport {
  if (file !== undefined && /\.eval\.ya?ml$/i.test(file)) {
    const e = analyzeEval(text, file);
    return { file: name, valid: !evalHasErrors(e), findings: e.findings };
  }
  const a = analyze(text, { ...(options ?? { mcp: mcpInfoUnlisted().mcp }), ...(file !== undefined ? { pipelineFile: path.resolve(file) } : {}) });
  return { file: name, valid: !hasErrors(a.findings), findings: a.findings };
}
