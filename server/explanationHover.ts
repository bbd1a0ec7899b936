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
  if (!uri.startsWith('file:') || !a.pipeline || !/^(name|id)\s*:/.test(a.text.split('\n', line + 1)[line] ?? '')) return null;
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
