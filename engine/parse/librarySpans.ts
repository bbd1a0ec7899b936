// The spans of what the yaml library parsed: where each node of its Document stands in the text, in
// the shape the plain block reader makes too (engine/parse/nodeSpan.ts).
import { isAlias, isMap, isPair, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { SpanChildren, type NodeSpan } from './nodeSpan';
import type { ScalarStyle } from './scalarOffsets';

/** The span tree of a node, its offsets moved by `delta` (a section parsed on its own, at its place
 * in the document); `onComplexKey` hears of keys that are lists or mappings, `onDuplicateKey` of a
 * key a mapping already has (both with the node's own offsets). */
export function buildSpans(node: unknown, onComplexKey: (start: number, end: number) => void, onDuplicateKey: (start: number, end: number) => void, delta = 0, keyStart = -1, keyEnd = -1): NodeSpan | null {
  if (!node || typeof node !== 'object') return null;
  const n = node as YamlNode;
  const r = n.range;
  const span: NodeSpan = r ? { start: r[0] + delta, end: r[1] + delta, keyStart, keyEnd } : keyStart >= 0 ? { start: keyStart, end: keyEnd, keyStart, keyEnd } : { start: delta, end: delta, keyStart, keyEnd };
  if (isScalar(n) && n.type) span.style = n.type as ScalarStyle;
  if (isAlias(n)) return span; // an alias's subtree points at the alias itself
  if (isMap(n)) {
    const children = new SpanChildren();
    span.children = children;
    for (const item of n.items) {
      if (!isPair(item)) continue;
      const k = item.key as YamlNode | null;
      if (k && !isScalar(k) && k.range) onComplexKey(k.range[0], k.range[1]);
      const keyName = String(isScalar(k) ? k.value : k);
      const ks = k && k.range ? k.range[0] + delta : -1;
      const ke = k && k.range ? k.range[1] + delta : -1;
      if (ks >= 0 && isScalar(k) && keyName !== '<<' && children.has(keyName)) onDuplicateKey(ks - delta, ke - delta);
      const child = item.value == null ? null : buildSpans(item.value, onComplexKey, onDuplicateKey, delta, ks, ke);
      if (child) children.set(keyName, child);
      else {
        const at = ks >= 0 ? ke : span.end;
        children.set(keyName, { start: at, end: at, keyStart: ks, keyEnd: ke });
      }
    }
    children.seal();
  } else if (isSeq(n)) {
    const children = new SpanChildren();
    span.children = children;
    n.items.forEach((item, i) => {
      const child = buildSpans(item, onComplexKey, onDuplicateKey, delta);
      if (child) children.set(i, child);
    });
    children.seal();
  }
  return span;
}
