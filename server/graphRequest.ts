// The graph request (the editor's pipeline view): the document's step graph, when it compiles.
import { graphDocument } from '../engine/analyze/graph';
import { hasErrors } from '../engine/analyze/index';
import type { ServerFeatures } from './features';
import { GRAPH_REQUEST, type GraphParams, type GraphResult } from './protocol';

export function registerGraphRequest({ connection, withDoc }: ServerFeatures): void {
  connection.onRequest(GRAPH_REQUEST, (p: GraphParams): GraphResult | null => withDoc(p.uri, 'graph', null, (a) => (a.pipeline && a.plan && !hasErrors(a.findings) ? graphDocument(a) : null)));
}
