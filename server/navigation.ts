// Step ids everywhere they appear: definition, references, document highlight, rename.
import { DocumentHighlightKind, ResponseError, type DocumentHighlight, type Location, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import { locate } from '../engine/analyze/locate';
import type { StepReference } from '../engine/analyze/model';
import { renameStep } from '../engine/edit/steps';
import { EditRefused } from '../engine/edit/textEdits';
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

/** Renames a step everywhere (engine/edit/steps.ts), as one edit of the document. */
export function rename(a: Analysis, uri: string, offset: number, newName: string): WorkspaceEdit | null {
  const ref = referenceAt(a, offset);
  if (!ref) return null;
  let edits;
  try {
    edits = renameStep(a, ref.stepId, newName);
  } catch (e) {
    if (e instanceof EditRefused) throw new ResponseError(-32602, e.message);
    throw e;
  }
  const lines = a.parsed.lines;
  return { changes: { [uri]: edits.map((e): TextEdit => ({ range: { start: lines.position(e.start), end: lines.position(e.end) }, newText: e.newText })) } };
}

/** Answers definition, references, highlights and rename requests. */
export function registerNavigation({ connection, withDoc }: ServerFeatures): void {
  connection.onDefinition((p) => withDoc(p.textDocument.uri, 'definition', null, (a, doc) => definition(a, doc.uri, a.parsed.lines.offset(p.position))));
  connection.onReferences((p) => withDoc(p.textDocument.uri, 'references', [], (a, doc) => references(a, doc.uri, a.parsed.lines.offset(p.position), p.context.includeDeclaration)));
  connection.onDocumentHighlight((p) => withDoc(p.textDocument.uri, 'highlight', [], (a) => highlights(a, a.parsed.lines.offset(p.position))));
  connection.onPrepareRename((p) => withDoc(p.textDocument.uri, 'prepareRename', null, (a) => prepareRename(a, a.parsed.lines.offset(p.position))));
  connection.onRenameRequest((p) => withDoc(p.textDocument.uri, 'rename', null, (a, doc) => rename(a, doc.uri, a.parsed.lines.offset(p.position), p.newName)));
}
