// `orc graph FILE --format json|dot|mermaid`: the DAG, with jumps and loop bodies.
import { graphDocument, type GraphDocument } from '../api/index';
import type { Style } from './findingFormat';
import { compileOrReport } from './compile';
import { UsageError } from './input';

const q = (s: string) => JSON.stringify(s);

function toDot(g: GraphDocument, name: string): string {
  const lines = [`digraph ${q(name)} {`, '  rankdir=TB;', '  node [shape=box, style=rounded];'];
  const emit = (doc: GraphDocument, indent: string) => {
    for (const n of doc.nodes) {
      const detail = n.kind === 'loop' ? 'loop' : [n.tool, n.action].filter(Boolean).join('.');
      if (n.children) {
        lines.push(`${indent}subgraph ${q(`cluster_${n.id}`)} {`, `${indent}  label=${q(`${n.label} (loop)`)};`);
        lines.push(`${indent}  ${q(n.id)} [label=${q(`${n.label}\n${detail}`)}, shape=diamond];`);
        emit(n.children, indent + '  ');
        lines.push(`${indent}}`);
      } else lines.push(`${indent}${q(n.id)} [label=${q(`${n.label}\n${detail}`)}];`);
    }
    for (const e of doc.edges) {
      const attrs = e.kind === 'explicit' ? '' : e.kind === 'implied' ? ' [style=dashed]' : ` [style=dotted, label=${q(e.kind)}]`;
      lines.push(`${indent}${q(e.from)} -> ${q(e.to)}${attrs};`);
    }
  };
  emit(g, '  ');
  lines.push('}');
  return lines.join('\n');
}

function toMermaid(g: GraphDocument): string {
  const id = (s: string) => 'n_' + s.replace(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`);
  const label = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart TD'];
  const emit = (doc: GraphDocument, indent: string) => {
    for (const n of doc.nodes) {
      if (n.children) {
        lines.push(`${indent}subgraph ${id(n.id)}_body[${label(`${n.label} (loop)`)}]`);
        emit(n.children, indent + '  ');
        lines.push(`${indent}end`);
        lines.push(`${indent}${id(n.id)}{{${label(n.label)}}}`);
        lines.push(`${indent}${id(n.id)} -.-> ${id(n.id)}_body`);
      } else lines.push(`${indent}${id(n.id)}[${label(n.label)}]`);
    }
    for (const e of doc.edges) {
      if (e.kind === 'explicit') lines.push(`${indent}${id(e.from)} --> ${id(e.to)}`);
      else if (e.kind === 'implied') lines.push(`${indent}${id(e.from)} -.-> ${id(e.to)}`);
      else lines.push(`${indent}${id(e.from)} -. ${e.kind} .-> ${id(e.to)}`);
    }
  };
  emit(g, '  ');
  return lines.join('\n');
}

export function graphCommand(file: string, format: string, style: Style, out: (s: string) => void, err: (s: string) => void): number {
  if (!['json', 'dot', 'mermaid'].includes(format)) throw new UsageError(`unknown graph format '${format}': use json, dot or mermaid`);
  const a = compileOrReport(file, style, err);
  if (!a) return 2;
  const g = graphDocument(a);
  if (format === 'json') out(JSON.stringify(g, null, 2));
  else if (format === 'dot') out(toDot(g, g.pipeline_id));
  else out(toMermaid(g));
  return 0;
}
