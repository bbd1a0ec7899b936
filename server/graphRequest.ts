// The graph request (the editor's pipeline view): the document's step graph, drawn even when the
// document has errors (its steps with errors marked, and what is wrong said in `problem`); refused
// (null) only when the text is not read as YAML at all, or is not a pipeline.
import { graphOfAnalysis } from '../engine/analyze/graph';
import type { Analysis } from '../engine/analyze/index';
import type { Finding } from '../engine/spec/types';
import type { ServerFeatures } from './features';
import { GRAPH_REQUEST, type GraphParams, type GraphResult } from './protocol';

/** Findings after which the text's structure is a guess (or was not read): no graph is drawn. */
export const UNREADABLE = new Set(['yaml.syntax', 'yaml.too-deep', 'document.too-large']);

export function registerGraphRequest({ connection, withDoc }: ServerFeatures): void {
  connection.onRequest(GRAPH_REQUEST, (p: GraphParams): GraphResult | null => withDoc(p.uri, 'graph', null, (a) => graphResult(a)));
}

/** The answer to the graph request for an analyzed document. */
export function graphResult(a: Analysis): GraphResult | null {
  if (!a.pipeline || !a.plan || a.findings.some((f) => f.severity === 'error' && UNREADABLE.has(f.code))) return null;
  const g = graphOfAnalysis(a);
  return g.errors ? { ...g.graph, problem: problemOf(g.errors, g.outside) } : g.graph;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const where = (f: Finding) => `line ${f.range.start.line + 1}: ${f.message.replace(/\.$/, '')}`;

/** What the panel says over a graph drawn with errors. */
function problemOf(errors: number, outside: Finding[]): string {
  const fix = `Fix ${errors === 1 ? 'it' : 'them'} to run the pipeline.`;
  if (!outside.length) return `${plural(errors, 'error')}, in the steps marked red. ${fix}`;
  if (outside.length === errors) return `${plural(errors, 'error')} (${where(outside[0])}). ${fix}`;
  return `${plural(errors, 'error')}: ${errors - outside.length} in the steps marked red, ${outside.length} elsewhere (${where(outside[0])}). ${fix}`;
}
