// A template written inside the SQL of a `sql` step is spliced into the statement's text when it
// renders: SQL injection, and a statement the database re-plans for every value. The warning sits on
// the template itself, and its quick fix moves it into `params` (`:name` in the SQL, the template as
// the value), with the SQL quotes around it removed.
import { exactSpan } from '../parse/yamlDocument';
import { offsetAt, type SourceOffsets } from '../parse/scalarOffsets';
import { stringOffsets } from '../parse/yamlDocument';
import type { FindingFix, Step, ValuePath } from '../spec/types';
import type { FindingSink } from './findingSink';

const TEMPLATE = /\{\{-?\s*([\s\S]*?)\s*-?\}\}|\{%[\s\S]*?%\}/g;

interface Site {
  /** Value indexes of what the fix replaces (the template, and SQL quotes around it). */
  start: number;
  end: number;
  /** Value indexes of the template alone. */
  tStart: number;
  tEnd: number;
  expr: string | null;
}

function sitesOf(sql: string): Site[] {
  const out: Site[] = [];
  TEMPLATE.lastIndex = 0;
  for (let m = TEMPLATE.exec(sql); m; m = TEMPLATE.exec(sql)) {
    const tStart = m.index;
    const tEnd = m.index + m[0].length;
    const quoted = sql[tStart - 1] === "'" && sql[tEnd] === "'";
    out.push({ start: quoted ? tStart - 1 : tStart, end: quoted ? tEnd + 1 : tEnd, tStart, tEnd, expr: m[0].startsWith('{%') ? null : m[1] });
  }
  return out;
}

/** A placeholder name for an expression: its last name (`item.id` → id, `row['title'] | trim` → title). */
function nameFor(expr: string, taken: Set<string>): string {
  const head = expr.split('|')[0];
  const words = head.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  const base = (words[words.length - 1] ?? 'value').toLowerCase();
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

function lineEndAfter(text: string, offset: number): number {
  const from = text[offset - 1] === '\n' ? offset - 1 : offset;
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** The edits that move the templates into `params`, or null where the YAML gives no safe edit. */
function moveToParams(sink: FindingSink, stepPath: ValuePath, sql: string, offsets: SourceOffsets, sites: Site[], params: unknown): FindingFix | null {
  const text = sink.parsed.text;
  const sqlSpan = exactSpan(sink.parsed, [...stepPath, 'parameters', 'sql']);
  if (!sqlSpan || sqlSpan.style === 'QUOTE_SINGLE' || sqlSpan.keyStart < 0 || sites.some((s) => s.expr === null)) return null;
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) return null;
  const existing = (params ?? {}) as Record<string, unknown>;
  const taken = new Set(Object.keys(existing));
  const byExpr = new Map<string, string>();
  for (const [k, v] of Object.entries(existing)) if (typeof v === 'string') byExpr.set(v.trim(), k);
  const edits: FindingFix['edits'] = [];
  const added: [string, string][] = [];
  for (const s of sites) {
    const value = sql.slice(s.tStart, s.tEnd);
    let name = byExpr.get(value);
    if (!name) {
      name = nameFor(s.expr!, taken);
      byExpr.set(value, name);
      added.push([name, `{{ ${s.expr} }}`]);
    }
    edits.push({ range: sink.parsed.lines.range(offsetAt(offsets, s.start), offsetAt(offsets, s.end)), newText: `:${name}` });
  }
  const entry = ([k, v]: [string, string]) => `${k}: ${JSON.stringify(v)}`;
  if (params === undefined) {
    const at = lineEndAfter(text, sqlSpan.end);
    const indent = ' '.repeat(columnOf(text, sqlSpan.keyStart));
    edits.push({ range: sink.parsed.lines.range(at, at), newText: `\n${indent}params:\n${added.map((a) => `${indent}  ${entry(a)}`).join('\n')}` });
  } else if (added.length) {
    const pSpan = exactSpan(sink.parsed, [...stepPath, 'parameters', 'params']);
    const children = pSpan?.children ? [...pSpan.children.values()] : [];
    if (!pSpan || !children.length || children[0].keyStart < 0 || text[pSpan.start] === '{') return null;
    const last = children.reduce((a, b) => (b.end > a.end ? b : a));
    const at = lineEndAfter(text, Math.max(last.end, last.keyEnd));
    const indent = ' '.repeat(columnOf(text, children[0].keyStart));
    edits.push({ range: sink.parsed.lines.range(at, at), newText: added.map((a) => `\n${indent}${entry(a)}`).join('') });
  }
  return { title: `Bind ${sites.length === 1 ? 'the template' : 'the templates'} as ${sites.length === 1 ? 'a parameter' : 'parameters'} (params)`, edits };
}

function warn(sink: FindingSink, step: Step, path: ValuePath, sql: string, fixable: boolean, params: unknown): void {
  const sites = sitesOf(sql);
  if (!sites.length) return;
  const offsets = stringOffsets(sink.parsed, path, sql);
  const fix = fixable && offsets !== null ? moveToParams(sink, step.path, sql, offsets, sites, params) : null;
  for (const s of sites) {
    const message = "A template inside the SQL is spliced into the statement's text (SQL injection): bind the value instead, with `:name` in the SQL and the template in `params`.";
    const opts = { step: step.id, fixes: fix ? [fix] : undefined };
    if (offsets === null) sink.atValue('sql.template-in-sql', message, path, opts);
    else sink.atOffsets('sql.template-in-sql', message, offsetAt(offsets, s.tStart), offsetAt(offsets, s.tEnd), path, opts);
  }
}

/** The warnings of a `sql` step: a template in `sql` or in a statement of `statements`. */
export function checkSqlStep(step: Step, sink: FindingSink): void {
  if (step.raw.tool !== 'sql') return;
  const params = step.raw.parameters;
  if (!params || typeof params !== 'object' || Array.isArray(params)) return;
  const given = params as Record<string, unknown>;
  const base: ValuePath = [...step.path, 'parameters'];
  if (typeof given.sql === 'string') warn(sink, step, [...base, 'sql'], given.sql, given.batch === undefined, given.params);
  if (Array.isArray(given.statements)) {
    given.statements.forEach((s, i) => {
      if (typeof s === 'string') warn(sink, step, [...base, 'statements', i], s, false, undefined);
      else if (s && typeof s === 'object' && typeof (s as { sql?: unknown }).sql === 'string') warn(sink, step, [...base, 'statements', i, 'sql'], (s as { sql: string }).sql, false, undefined);
    });
  }
}
