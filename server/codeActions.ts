// Quick fixes: did-you-mean replacements, a hyphenated reference rewritten as steps['a-b'],
// a missing (implied) dependency added, a duplicate dependency removed.
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import type { FindingFix } from '../engine/spec/types';
import { exactSpan } from '../engine/parse/yamlDocument';
import type { ServerFeatures } from './features';
import { graphActions, isGraphAction, resolveGraphAction } from './graphActions';

const REPLACE_CODES = new Set([
  'schema.unknown-key', 'schema.enum', 'step.unknown-dependency', 'jump.unknown-target', 'tool.unknown', 'action.unknown',
  'param.unknown', 'template.unknown-name', 'template.unknown-filter', 'template.unknown-test', 'template.unknown-step-field',
  'template.unknown-var', 'template.unknown-result-field', 'template.hyphenated-step', 'expert.unknown', 'personality.unknown',
  'model.invalid', 'products.unknown-var', 'agent.unknown-tool', 'agent.unknown-agent', 'monitor.assertion-type',
]);

function suggestionsOf(d: Diagnostic): string[] {
  const s = (d.data as { suggestions?: unknown } | undefined)?.suggestions;
  return Array.isArray(s) ? s.map(String) : [];
}

function fixesOf(d: Diagnostic): FindingFix[] {
  const f = (d.data as { fixes?: unknown } | undefined)?.fixes;
  return Array.isArray(f) ? (f as FindingFix[]) : [];
}

/** An edit adding `dep` to a step's dependencies, whatever form they are written in. */
function addDependency(a: Analysis, stepId: string, dep: string): TextEdit | null {
  const step = a.stepIndex.get(stepId)?.step;
  if (!step) return null;
  const key = Object.prototype.hasOwnProperty.call(step.raw, 'dependencies') ? 'dependencies' : Object.prototype.hasOwnProperty.call(step.raw, 'depends_on') ? 'depends_on' : null;
  const lines = a.parsed.lines;
  if (key) {
    const span = exactSpan(a.parsed, [...step.path, key]);
    if (!span) return null;
    const raw = step.raw[key];
    const srcText = a.text.slice(span.start, span.end);
    if (Array.isArray(raw) && srcText.startsWith('[')) {
      const close = span.start + srcText.lastIndexOf(']');
      const inner = srcText.slice(1, srcText.lastIndexOf(']')).trim();
      return { range: lines.range(close, close), newText: inner ? `, ${dep}` : dep };
    }
    if (Array.isArray(raw)) {
      const first = exactSpan(a.parsed, [...step.path, key, 0]);
      if (!first) return null;
      const col = lines.position(first.start).character;
      const lastItem = exactSpan(a.parsed, [...step.path, key, raw.length - 1])!;
      const at = lines.offset({ line: lines.position(lastItem.end).line + 1, character: 0 });
      return { range: lines.range(at, at), newText: `${' '.repeat(col - 2)}- ${dep}\n` };
    }
    if (typeof raw === 'string') return { range: lines.range(span.end, span.end), newText: `, ${dep}` };
    return null;
  }
  const idSpan = exactSpan(a.parsed, [...step.path, 'id']);
  if (!idSpan || idSpan.keyStart < 0) return null;
  const idPos = lines.position(idSpan.keyStart);
  const at = lines.offset({ line: idPos.line + 1, character: 0 });
  return { range: lines.range(at, at), newText: `${' '.repeat(idPos.character)}dependencies: [${dep}]\n` };
}

export function codeActions(a: Analysis, uri: string, diagnostics: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  const edit = (title: string, d: Diagnostic, edits: TextEdit[], preferred = false): CodeAction => ({ title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: preferred, edit: { changes: { [uri]: edits } } });
  for (const d of diagnostics) {
    const code = String(d.code ?? '');
    const suggestions = suggestionsOf(d);
    // fixes the analyzer computed with the finding (remove a key, rewrite it to this format's form)
    // (a did-you-mean replacement, when there is one, is the preferred fix)
    fixesOf(d).forEach((f, i) => out.push(edit(f.title, d, f.edits, i === 0 && !(REPLACE_CODES.has(code) && suggestions.length))));
    if (REPLACE_CODES.has(code)) {
      suggestions.forEach((s, i) => out.push(edit(code === 'template.hyphenated-step' ? `Write it as ${s}` : `Change to '${s}'`, d, [{ range: d.range, newText: s }], i === 0)));
    } else if (code === 'template.implied-dependency') {
      const step = a.findings.find((f) => f.code === code && f.range.start.line === d.range.start.line && f.range.start.character === d.range.start.character)?.step;
      const dep = suggestions[0];
      const e = step && dep ? addDependency(a, step, dep) : null;
      if (e) out.push(edit(`Add '${dep}' to the dependencies of '${step}'`, d, [e], true));
    } else if (code === 'step.duplicate-dependency') {
      const start = a.parsed.lines.offset(d.range.start);
      const end = a.parsed.lines.offset(d.range.end);
      const before = a.text.slice(0, start);
      const comma = /,\s*$/.exec(before);
      if (comma) out.push(edit('Remove the duplicate', d, [{ range: a.parsed.lines.range(start - comma[0].length, end), newText: '' }], true));
      else {
        // a block list item: remove its whole line
        const line = d.range.start.line;
        out.push(edit('Remove the duplicate', d, [{ range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, newText: '' }], true));
      }
    }
  }
  return out;
}

/** Answers code actions: the quick fixes of the diagnostics in the request, then the graph editor's
 * operations on the step under the cursor (server/graphActions.ts), resolved when chosen. */
export function registerCodeActions({ connection, withDoc }: ServerFeatures): void {
  connection.onCodeAction((p) =>
    withDoc(p.textDocument.uri, 'codeActions', [], (a, doc) => {
      const wanted = p.context.only;
      const fixes = !wanted || wanted.some((k) => CodeActionKind.QuickFix.startsWith(k)) ? codeActions(a, doc.uri, p.context.diagnostics) : [];
      // the refactors stay out of a quick-fix list for diagnostics, unless asked for by kind (Refactor…)
      const refactors = wanted ? (wanted.some((k) => k.startsWith(CodeActionKind.Refactor)) ? graphActions(a, doc.uri, p.range) : []) : p.context.diagnostics.length ? [] : graphActions(a, doc.uri, p.range);
      return [...fixes, ...refactors];
    }),
  );
  connection.onCodeActionResolve((action) => {
    if (!isGraphAction(action)) return action;
    const uri = (action.data as { uri: string }).uri;
    return withDoc(uri, 'codeActionResolve', action, (a) => resolveGraphAction(a, action));
  });
}
