// Completion in an eval file: its keys (top level, a variant's, a case's, an assertion's with every
// assertion kind), the pipeline's outputs after `output:`, its step ids after `step:` and in a
// variant's `models:`, its parameters in a variant's `parameters:` and a case's keys, and inside an
// assertion's template the names it sees, `outputs.`, `steps.` and the case columns after `case.`,
// and the agent steps' allowed tools after `tool_called:` / `tool_not_called:`.
// Works on half-typed text: the mapping the cursor is in is read from the indentation above it.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { CompletionItemKind, MarkupKind, type CompletionItem } from 'vscode-languageserver';
import { ASSERTION_SCOPE } from '../engine/eval/evalAnalysis';
import { lineInfo } from '../engine/analyze/completionContext';
import { ASSERTION_KINDS } from '../engine/eval/evalFile';
import { allowedTools } from '../engine/eval/trajectoryCheck';
import type { EvalDocument } from './evalDocuments';
import { ASSERTION_KIND_DOCS, ASSERTION_OPTION_DOCS, CASE_KEY_DOCS, TOP_KEY_DOCS, VARIANT_KEY_DOCS } from './evalHover';

const md = (value: string) => ({ kind: MarkupKind.Markdown, value });

/** The keys (and `-` for a list item) leading to the mapping whose keys stand at `col` on `line`. */
export function ancestorsAt(lines: string[], line: number, col: number, dashHere: boolean, dashIndent = col): string[] {
  const out: string[] = [];
  // a `- ` before the cursor: the cursor is in a new list item, whose list's key stands at or left of the dash
  let c = dashHere ? dashIndent : col;
  let listParent = dashHere;
  if (dashHere) out.unshift('-');
  for (let l = line - 1; l >= 0 && (c > 0 || listParent); l--) {
    const text = lines[l];
    if (!text.trim() || text.trim().startsWith('#')) continue;
    const info = lineInfo(text);
    if (info.key !== null && info.dash && info.keyCol < c) {
      // a key on a `- ` line left of the cursor: the cursor is in that key's value, inside a list item
      out.unshift('-', info.key);
      c = info.indent;
      listParent = true;
      continue;
    }
    if (info.key !== null && !info.dash && (info.keyCol < c || (listParent && info.keyCol <= c))) {
      out.unshift(info.key);
      c = info.keyCol;
      listParent = false;
      continue;
    }
    if (info.dash && info.indent < c) {
      out.unshift('-');
      c = info.indent;
      listParent = true;
    }
  }
  return out;
}

const keyItem = (label: string, doc: string, kind: CompletionItemKind = CompletionItemKind.Property): CompletionItem => ({ label, kind, insertText: `${label}: `, documentation: md(doc) });
const valueItem = (label: string, detail?: string, kind: CompletionItemKind = CompletionItemKind.Value): CompletionItem => ({ label, kind, detail });

function keyItems(d: EvalDocument, anc: string[]): CompletionItem[] {
  const p = d.pipeline?.pipeline;
  const params = p?.parameters ?? [];
  const key = anc.filter((k) => k !== '-');
  const last = anc[anc.length - 1];
  const inAssertion = last === '-' && key[key.length - 1] === 'assert';
  if (!anc.length) return Object.entries(TOP_KEY_DOCS).map(([k, v]) => keyItem(k, v));
  if (inAssertion) return [...ASSERTION_KINDS.map((k) => keyItem(k, ASSERTION_KIND_DOCS[k], CompletionItemKind.Function)), ...Object.entries(ASSERTION_OPTION_DOCS).map(([k, v]) => keyItem(k, v))];
  if (anc.length === 2 && anc[0] === 'variants' && last === '-') return Object.entries(VARIANT_KEY_DOCS).map(([k, v]) => keyItem(k, v));
  if (anc.length === 2 && anc[0] === 'cases' && last === '-') {
    return [
      ...params.map((x) => ({ ...keyItem(x.name, `parameter of the pipeline${x.type ? `: ${x.type}` : ''}${x.description ? ` — ${x.description}` : ''}`, CompletionItemKind.Variable), detail: x.required && !x.hasDefault ? 'required' : 'parameter' })),
      ...Object.entries(CASE_KEY_DOCS).map(([k, v]) => keyItem(k, v)),
    ];
  }
  if (anc[0] === 'variants' && last === 'models') return [valueItem('*', 'every model step'), ...(p?.steps ?? []).map((s) => valueItem(s.id, 'step', CompletionItemKind.Class))].map((i) => ({ ...i, kind: CompletionItemKind.Property, insertText: `${i.label === '*' ? '"*"' : i.label}: ` }));
  if (anc[0] === 'variants' && last === 'parameters') return params.map((x) => ({ ...keyItem(x.name, x.description ?? 'parameter of the pipeline', CompletionItemKind.Variable), detail: x.type ?? 'parameter' }));
  return [];
}

function pipelineFiles(d: EvalDocument, evalFile: string | null): CompletionItem[] {
  if (!evalFile) return [];
  const dir = path.dirname(evalFile);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.pipeline\.ya?ml$/.test(f))
    .map((f) => valueItem(f, 'pipeline file', CompletionItemKind.File));
}

function valueItems(d: EvalDocument, key: string, anc: string[], evalFile: string | null): CompletionItem[] {
  const p = d.pipeline?.pipeline;
  if (key === 'pipeline' && !anc.length) return pipelineFiles(d, evalFile);
  if (key === 'output') return Object.keys(p?.outputs ?? {}).map((o) => valueItem(o, 'output of the pipeline', CompletionItemKind.Field));
  if (key === 'step') return (p?.steps ?? []).map((s) => valueItem(s.id, s.name ?? 'step', CompletionItemKind.Class));
  if (key === 'status') return ['completed', 'failed'].map((s) => valueItem(s, 'the run ends'));
  if (key === 'is_json') return [valueItem('true')];
  if (key === 'tool_called' || key === 'tool_not_called') {
    const tools = new Map<string, string>();
    for (const st of p?.steps ?? []) if (st.agent) for (const t of allowedTools(st.agent.tools).exact) if (!tools.has(t)) tools.set(t, `a tool of agent step '${st.id}'`);
    return [...tools].map(([t, detail]) => valueItem(t, detail, CompletionItemKind.Function));
  }
  return [];
}

/** The case columns: inline cases' keys, else the dataset's first record (as the analysis read it), plus the pipeline's parameters. */
function caseColumns(d: EvalDocument): string[] {
  const spec = d.eval.eval;
  const out = new Set<string>(['id']);
  if (spec?.cases.kind === 'inline') for (const c of spec.cases.cases) for (const k of Object.keys(c.values)) out.add(k);
  for (const x of d.pipeline?.pipeline?.parameters ?? []) out.add(x.name);
  return [...out];
}

function templateItems(d: EvalDocument, expression: string): CompletionItem[] {
  const p = d.pipeline?.pipeline;
  const m = /([A-Za-z_][\w]*)\.([\w-]*)$/.exec(expression);
  if (m) {
    if (m[1] === 'case') return caseColumns(d).map((c) => valueItem(c, 'case column', CompletionItemKind.Field));
    if (m[1] === 'outputs') return Object.keys(p?.outputs ?? {}).map((o) => valueItem(o, 'output of the pipeline', CompletionItemKind.Field));
    if (m[1] === 'steps') return (p?.steps ?? []).map((s) => valueItem(s.id, 'step', CompletionItemKind.Class));
    if (m[1] === 'run') return ['status', 'cost_usd', 'duration_ms', 'tokens_in', 'tokens_out'].map((f) => valueItem(f, 'of the case\'s run', CompletionItemKind.Field));
    return [];
  }
  return ASSERTION_SCOPE.map((n) => valueItem(n, n === 'value' ? 'the value the assertion looks at' : `the case's ${n}`, CompletionItemKind.Variable));
}

export function evalCompletions(d: EvalDocument, position: { line: number; character: number }, evalFile: string | null): CompletionItem[] {
  const lines = d.text.split(/\r?\n/);
  const lineText = lines[position.line] ?? '';
  const before = lineText.slice(0, position.character);
  // inside `{{ ...` of an assertion
  const open = Math.max(before.lastIndexOf('{{'), before.lastIndexOf('{%'));
  if (open >= 0 && before.indexOf('}}', open) < 0 && before.indexOf('%}', open) < 0) return templateItems(d, before.slice(open + 2));
  // `key: partial`
  const kv = /^(\s*)(-\s+)?(["']?)([\w$-]+)\3\s*:\s+([^{]*)$/.exec(before);
  if (kv) {
    const col = kv[1].length + (kv[2]?.length ?? 0);
    const anc = ancestorsAt(lines, position.line, col, Boolean(kv[2]), kv[1].length);
    return valueItems(d, kv[4], anc, evalFile);
  }
  // a key being typed
  const k = /^(\s*)(-\s+)?([\w$-]*)$/.exec(before);
  if (k) {
    const col = k[1].length + (k[2]?.length ?? 0);
    return keyItems(d, ancestorsAt(lines, position.line, col, Boolean(k[2]), k[1].length));
  }
  return [];
}
