// Step ids everywhere they appear: definition, references, document highlight, rename.
import { DocumentHighlightKind, ResponseError, type DocumentHighlight, type Location, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import { locate } from '../engine/analyze/locate';
import type { StepReference } from '../engine/analyze/model';
import type { ServerFeatures } from './features';

function referenceAt(a: Analysis, offset: number): StepReference | null {
  return locate(a, offset).reference;
}

function allOf(a: Analysis, id: string): StepReference[] {
  return a.references.filter((r) => r.stepId === id);
}

export function definition(a: Analysis, uri: string, offset: number): Location | null {
  const ref = referenceAt(a, offset);
  if (!ref) return null;
  const def = a.references.find((r) => r.kind === 'definition' && r.stepId === ref.stepId);
  return def ? { uri, range: def.range } : null;
}

export function references(a: Analysis, uri: string, offset: number, includeDeclaration: boolean): Location[] {
  const ref = referenceAt(a, offset);
  if (!ref) return [];
  return allOf(a, ref.stepId)
    .filter((r) => includeDeclaration || r.kind !== 'definition')
    .map((r) => ({ uri, range: r.range }));
}

export function highlights(a: Analysis, offset: number): DocumentHighlight[] {
  const ref = referenceAt(a, offset);
  if (!ref) return [];
  return allOf(a, ref.stepId).map((r) => ({ range: r.range, kind: r.kind === 'definition' ? DocumentHighlightKind.Write : DocumentHighlightKind.Read }));
}

export function prepareRename(a: Analysis, offset: number): { range: Range; placeholder: string } | null {
  const ref = referenceAt(a, offset);
  return ref ? { range: ref.range, placeholder: ref.stepId } : null;
}

const ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Renames a step everywhere. A template writes a hyphenated id as steps['a-b'], a plain one bare. */
export function rename(a: Analysis, uri: string, offset: number, newName: string): WorkspaceEdit | null {
  const ref = referenceAt(a, offset);
  if (!ref) return null;
  if (!ID.test(newName)) throw new ResponseError(-32602, `'${newName}' is not a valid step id: a letter or '_', then letters, digits, '_' or '-'`);
  if (newName !== ref.stepId && a.stepIndex.has(newName)) throw new ResponseError(-32602, `A step '${newName}' already exists`);
  const text = a.text;
  const edits: TextEdit[] = [];
  for (const r of allOf(a, ref.stepId)) {
    if (r.kind !== 'template') {
      edits.push({ range: r.range, newText: newName });
      continue;
    }
    // in a template: `old.x` or `steps['old']`; the range covers the id itself
    const start = a.parsed.lines.offset(r.range.start);
    const end = a.parsed.lines.offset(r.range.end);
    const quoted = /['"]$/.test(text.slice(0, start)) && /^['"]/.test(text.slice(end));
    if (quoted || /^[A-Za-z_$][\w$]*$/.test(newName)) edits.push({ range: r.range, newText: newName });
    else edits.push({ range: r.range, newText: `steps['${newName}']` });
  }
  return { changes: { [uri]: edits } };
}

/** Answers definition, references, highlights and rename requests. */
export function registerNavigation({ connection, withDoc }: ServerFeatures): void {
  connection.onDefinition((p) => withDoc(p.textDocument.uri, 'definition', null, (a, doc) => definition(a, doc.uri, a.parsed.lines.offset(p.position))));
  connection.onReferences((p) => withDoc(p.textDocument.uri, 'references', [], (a, doc) => references(a, doc.uri, a.parsed.lines.offset(p.position), p.context.includeDeclaration)));
  connection.onDocumentHighlight((p) => withDoc(p.textDocument.uri, 'highlight', [], (a) => highlights(a, a.parsed.lines.offset(p.position))));
  connection.onPrepareRename((p) => withDoc(p.textDocument.uri, 'prepareRename', null, (a) => prepareRename(a, a.parsed.lines.offset(p.position))));
  connection.onRenameRequest((p) => withDoc(p.textDocument.uri, 'rename', null, (a, doc) => rename(a, doc.uri, a.parsed.lines.offset(p.position), p.newName)));
}
