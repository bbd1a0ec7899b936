// The hover on a pipeline's `name:` line: its intention and architecture, when `Explain Pipeline`
// (or `orc explain`) has written them for this very text.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hover } from 'vscode-languageserver';
import { orchestratorOf } from '../engine/auto/orchestrator';
import { readCachedExplanation } from '../engine/intel/explain';
import { findRunsRoot } from '../engine/run/runsRoot';
import type { DocumentAnalysis } from './features';

export function explanationHover(a: DocumentAnalysis, uri: string, line: number): Hover | null {
  // the line's start from the analysis's line index: splitting the text at every hover cut it into
  // as many strings as there are lines above the cursor (50,000 at the end of a long document)
  if (!uri.startsWith('file:') || !a.pipeline || line >= a.parsed.lines.lineCount) return null;
  const start = a.parsed.lines.lineStart(line);
  if (!/^(name|id)[ \t]*:/.test(a.parsed.text.slice(start, start + 64))) return null;
  const model = orchestratorOf(a.pipeline);
  const file = fileURLToPath(uri);
  const root = findRunsRoot(path.dirname(file));
  if (!model || !root) return null;
  const x = readCachedExplanation(root, a.text, model);
  if (!x) return null;
  const lines = [`**Intention** (${model})`, '', x.intention, '', '**Architecture**', '', x.architecture];
  if (x.findings.length) lines.push('', '**Contradictions**', '', ...x.findings.map((f) => `- ${f.step ? `\`${f.step}\`: ` : ''}${f.message}`));
  return { contents: { kind: 'markdown' as const, value: lines.join('\n') } };
}
