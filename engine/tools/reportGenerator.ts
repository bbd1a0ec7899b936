// The report-generator tool (ContextLab's): a markdown report from a title, a body, sections, data,
// findings, recommendations and search results; written to a file inside the workspace on request.
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { evaluate, scopeOf, truthy } from '../template/index';
import { resolvePath } from './filesystem';
import { reportGeneratorSpec } from '../toolkit/specs/reportGenerator';
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { ToolError } from '../toolkit/runtime';

/** Rows of a data table shown before the rest is summarized. */
const MAX_TABLE_ROWS = 500;
const WRITE_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | (fsc.O_NOFOLLOW ?? 0);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function optText(p: Obj, name: string): string | null {
  const v = p[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new ToolError(`'${name}' must be text`, 'ValueError');
  return v;
}

function optList(p: Obj, name: string): unknown[] {
  const v = p[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ToolError(`'${name}' must be a list`, 'ValueError');
  return v;
}

/** `2026-11-22 20:45:01` in UTC. */
export function reportTimestamp(d = new Date()): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function cell(v: unknown): string {
  return text(v).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function table(header: string[], rows: unknown[][]): string[] {
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

function jsonBlock(v: unknown): string[] {
  return ['```json', JSON.stringify(v, null, 2) ?? 'null', '```'];
}

/** A list of flat records as a table; a flat mapping as key/value rows; anything else as JSON. */
function dataLines(data: unknown): string[] {
  const flat = (o: Obj) => Object.values(o).every((v) => v === null || typeof v !== 'object');
  if (Array.isArray(data) && data.length && data.every((r) => isObj(r) && flat(r))) {
    const cols = [...new Set(data.flatMap((r) => Object.keys(r as Obj)))];
    const shown = data.slice(0, MAX_TABLE_ROWS) as Obj[];
    const lines = table(cols, shown.map((r) => cols.map((c) => r[c])));
    if (data.length > shown.length) lines.push('', `*… ${data.length - shown.length} more rows*`);
    return lines;
  }
  if (isObj(data) && Object.keys(data).length && flat(data)) return table(['key', 'value'], Object.entries(data));
  if (typeof data === 'string') return [data];
  return jsonBlock(data);
}

function sectionShown(s: Obj, title: string): boolean {
  const c = s.condition;
  if (c === undefined || c === null) return true;
  if (typeof c === 'boolean') return c;
  if (typeof c === 'number') return c !== 0;
  if (typeof c !== 'string') throw new ToolError(`Section '${title}': its condition must be true/false or an expression`, 'ValueError');
  const t = c.trim();
  if (/^(true|yes)$/i.test(t)) return true;
  if (/^(false|no|)$/i.test(t)) return false;
  try {
    return truthy(evaluate(t, scopeOf({})));
  } catch (e) {
    throw new ToolError(`Section '${title}': could not evaluate its condition '${t}': ${(e as Error).message}`, 'ValueError');
  }
}

export function buildReport(p: Obj, timestamp: string): { markdown: string; title: string } {
  const format = p.format ?? 'markdown';
  if (format !== 'markdown' && format !== 'md') throw new ToolError(`Unsupported report format '${text(format)}': report-generator writes markdown (format: markdown)`, 'ValueError');
  const title = optText(p, 'title') ?? 'Research Report';
  const query = optText(p, 'query');
  const context = optText(p, 'context');
  const body = optText(p, 'content') ?? optText(p, 'template');
  const q = p.quality_score;
  if (q !== undefined && q !== null && (typeof q !== 'number' || !Number.isFinite(q))) throw new ToolError("'quality_score' must be a number", 'ValueError');
  const metadata = p.metadata ?? {};
  if (!isObj(metadata)) throw new ToolError("'metadata' must be a mapping", 'ValueError');
  const sections = optList(p, 'sections');
  const findings = optList(p, 'findings');
  const recommendations = optList(p, 'recommendations');
  const images = p.include_visualizations === false ? [] : optList(p, 'visualization_files');
  const sr = p.search_results;
  if (sr !== undefined && sr !== null && !isObj(sr) && !Array.isArray(sr)) throw new ToolError("'search_results' must be a mapping with 'results' or a list", 'ValueError');
  const results = (Array.isArray(sr) ? sr : isObj(sr) && Array.isArray(sr.results) ? sr.results : []).slice(0, 10).map((r) => (isObj(r) ? r : { title: text(r) }));
  const ex = p.extraction_results;
  if (ex !== undefined && ex !== null && !isObj(ex)) throw new ToolError("'extraction_results' must be a mapping", 'ValueError');

  const out: string[] = [];
  // a body with its own top heading stands first, in place of the title
  let rest = body ?? '';
  const own = /^\s*# [^\n]*/.exec(rest);
  if (own) {
    out.push(own[0].trim());
    rest = rest.slice(own[0].length).replace(/^\s*\n/, '');
  } else out.push(`# ${title}`);
  out.push('', `**Generated on:** ${timestamp}`);
  if (query) out.push(`**Query:** ${query}`);
  if (context) out.push(`**Context:** ${context}`);
  if (typeof q === 'number') out.push(`**Quality Score:** ${q.toFixed(2)}/1.0`);
  for (const [k, v] of Object.entries(metadata)) out.push(`**${k}:** ${text(v)}`);
  out.push('', '---', '');
  if (rest.trim()) out.push(rest.replace(/\s+$/, ''), '');

  for (const [i, s] of sections.entries()) {
    if (typeof s === 'string') {
      out.push(s.replace(/\s+$/, ''), '');
      continue;
    }
    if (!isObj(s)) throw new ToolError(`Section ${i + 1} must be a mapping with 'title' and 'content'`, 'ValueError');
    const st = text(s.title) || `Section ${i + 1}`;
    if (!sectionShown(s, st)) continue;
    const level = typeof s.level === 'number' && s.level >= 1 && s.level <= 6 ? Math.floor(s.level) : 2;
    out.push(`${'#'.repeat(level)} ${st}`, '');
    const c = s.content;
    if (typeof c === 'string') {
      if (c.trim()) out.push(c.replace(/\s+$/, ''), '');
    } else if (c !== undefined && c !== null) out.push(...jsonBlock(c), '');
  }
  if (findings.length) out.push('## Key Findings', '', ...findings.map((f) => `- ${text(f)}`), '');
  if (p.data !== undefined && p.data !== null) out.push('## Data', '', ...dataLines(p.data), '');
  if (results.length) {
    out.push('## Search Results', '');
    results.forEach((r, i) => {
      const url = text(r.url) || '#';
      out.push(`### ${i + 1}. ${text(r.title) || 'No title'}`, `**URL:** [${url}](${url})`);
      if (typeof r.relevance === 'number') out.push(`**Relevance:** ${r.relevance.toFixed(2)}`);
      out.push(`**Summary:** ${text(r.snippet) || 'No description available.'}`, '');
    });
  }
  if (isObj(ex) && ex.success !== false && (ex.text || ex.url)) {
    out.push('## Extracted Content Analysis', '', `**Source:** [${text(ex.title) || 'No title'}](${text(ex.url) || '#'})`);
    if (typeof ex.word_count === 'number') out.push(`**Word Count:** ${ex.word_count.toLocaleString('en-US')}`);
    out.push('');
    const t = text(ex.text);
    if (t) out.push('### Content Preview', '', t.length > 1000 ? `${t.slice(0, 1000)}...` : t, '');
  }
  if (recommendations.length) out.push('## Recommendations', '', ...recommendations.map((r, i) => `${i + 1}. ${text(r)}`), '');
  if (images.length) out.push('## Visualizations', '', ...images.map((f) => `![${path.basename(text(f))}](${text(f)})`), '');
  if (results.length) out.push('## References', '', ...results.map((r, i) => `${i + 1}. ${text(r.title) || 'No title'}. Available at: ${text(r.url) || '#'}`), '');
  return { markdown: out.join('\n').replace(/\n+$/, '\n'), title };
}

async function generate(p: Obj, ctx: ToolContext): Promise<ToolOutcome> {
  const timestamp = reportTimestamp();
  const { markdown, title } = buildReport(p, timestamp);
  const given = optText(p, 'output_path');
  if (given !== null) {
    if (!given) throw new ToolError("'output_path' is empty", 'ValueError');
    const { real } = resolvePath(given, ctx, 'modify');
    await fs.mkdir(path.dirname(real), { recursive: true });
    await fs.writeFile(real, markdown, { flag: WRITE_FLAGS });
  }
  const word_count = markdown.split(/\s+/).filter(Boolean).length;
  return { success: true, result: { markdown, word_count, timestamp, title, format: 'markdown', file_path: given } };
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (action === 'generate' || action === 'create') return generate(p, ctx);
  throw new ToolError(`report-generator has no action '${action}': use generate or create`, 'ValueError');
}

export const reportGeneratorTool: ToolDefinition = { spec: reportGeneratorSpec, run };
