// A span tree as plain data (keys, offsets, styles and children in order), for deep comparison of
// two parses: the sectioned and the whole-text one, the plain block reader and the yaml library.
import type { NodeSpan } from '../../engine/parse/yamlDocument';

export function plainSpan(span: NodeSpan | null | undefined): unknown {
  if (!span) return null;
  return { key: span.keyStart >= 0 ? [span.keyStart, span.keyEnd] : null, value: [span.start, span.end], style: span.style ?? null, children: span.children ? [...span.children].map(([k, c]) => [k, plainSpan(c)]) : null };
}
