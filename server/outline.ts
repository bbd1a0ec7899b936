// Document symbols (the outline), folding ranges and selection ranges.
import { FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange, type SelectionRange } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import type { PipelineSymbol } from '../engine/analyze/model';
import type { NodeSpan } from '../engine/parse/yamlDocument';
import type { ServerFeatures } from './features';

const KINDS: Record<PipelineSymbol['kind'], SymbolKind> = {
  pipeline: SymbolKind.Module,
  section: SymbolKind.Namespace,
  parameter: SymbolKind.Variable,
  step: SymbolKind.Function,
  loop: SymbolKind.Struct,
  output: SymbolKind.Property,
};

function toDocumentSymbol(s: PipelineSymbol): DocumentSymbol {
  return { name: s.name, detail: s.detail, kind: KINDS[s.kind], range: s.range, selectionRange: s.selectionRange, children: s.children.map(toDocumentSymbol) };
}

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  return a.symbols.map(toDocumentSymbol);
}

export function foldingRanges(a: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  const lines = a.parsed.lines;
  const visit = (span: NodeSpan) => {
    if (!span.children) return;
    for (const child of span.children.values()) {
      const start = lines.position(child.keyStart >= 0 ? child.keyStart : child.start).line;
      let endOffset = child.end;
      while (endOffset > 0 && /\s/.test(a.text[endOffset - 1])) endOffset--;
      const end = lines.position(endOffset).line;
      if (end > start) out.push({ startLine: start, endLine: end });
      visit(child);
    }
  };
  if (a.parsed.spans) visit(a.parsed.spans);
  // runs of comment lines
  for (let l = 0; l < lines.lineCount; l++) {
    if (!/^\s*#/.test(lines.lineText(l))) continue;
    let e = l;
    while (e + 1 < lines.lineCount && /^\s*#/.test(lines.lineText(e + 1))) e++;
    if (e > l) out.push({ startLine: l, endLine: e, kind: FoldingRangeKind.Comment });
    l = e;
  }
  return out;
}

export function selectionRanges(a: Analysis, offsets: number[]): SelectionRange[] {
  const lines = a.parsed.lines;
  return offsets.map((offset) => {
    const chain: [number, number][] = [];
    let cur = a.parsed.spans;
    while (cur) {
      let next: NodeSpan | null = null;
      for (const child of cur.children?.values() ?? []) {
        const whole: [number, number] = [child.keyStart >= 0 ? child.keyStart : child.start, child.end];
        if (whole[0] <= offset && offset <= whole[1]) {
          chain.push(whole);
          if (child.keyStart >= 0 && child.keyStart <= offset && offset <= child.keyEnd) chain.push([child.keyStart, child.keyEnd]);
          else if (child.start <= offset && offset <= child.end && (child.start !== whole[0] || child.end !== whole[1])) chain.push([child.start, child.end]);
          next = child;
          break;
        }
      }
      cur = next;
    }
    let sel: SelectionRange | undefined = { range: lines.range(0, a.text.length) };
    for (const [s, e] of chain) sel = { range: lines.range(s, e), parent: sel };
    return sel ?? { range: lines.range(offset, offset) };
  });
}

/** Answers document symbols, folding ranges and selection ranges. */
export function registerOutline({ connection, withDoc }: ServerFeatures): void {
  connection.onDocumentSymbol((p) => withDoc(p.textDocument.uri, 'symbols', [], (a) => documentSymbols(a)));
  connection.onFoldingRanges((p) => withDoc(p.textDocument.uri, 'folding', [], (a) => foldingRanges(a)));
  connection.onSelectionRanges((p) => withDoc(p.textDocument.uri, 'selectionRanges', [], (a) => selectionRanges(a, p.positions.map((x) => a.parsed.lines.offset(x)))));
}
