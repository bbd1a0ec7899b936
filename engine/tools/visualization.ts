// The visualization tool (ContextLab's): charts from a table of data, drawn as SVG by Vega-Lite
// compiled to Vega and rendered headless in the run's process (no browser, no canvas, no native
// module), and an HTML dashboard that shows them.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { resolvePath } from './filesystem';
import { readData, isRec, numeric, missing, type Rec, columnsOf } from './dataRecords';
import { CHART_TYPES, visualizationSpec } from '../toolkit/specs/visualization';
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { abortError, ToolError } from '../toolkit/runtime';

const bad = (message: string) => new ToolError(message, 'ValueError');
/** Rows drawn at most: a chart of more says nothing more, and rendering is in the run's process. */
export const MAX_CHART_ROWS = 50_000;

/** The data as rows, as ContextLab's pandas reads it: records, a mapping of records, one record. */
function rowsOf(data: unknown): Rec[] {
  if (Array.isArray(data)) return data.map((r, i) => (isRec(r) ? r : Array.isArray(r) ? Object.fromEntries(r.map((v, k) => [String(k), v])) : { value: r, index: i }));
  if (isRec(data)) {
    const values = Object.values(data);
    if (values.length && values.every(isRec)) return Object.entries(data).map(([k, v]) => ({ index: k, ...(v as Rec) }));
    // a mapping of columns (`{a: [1, 2], b: [3, 4]}`) is a table too
    if (values.length && values.every(Array.isArray)) {
      const n = Math.max(...values.map((v) => (v as unknown[]).length));
      return Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, (v as unknown[])[i] ?? null])));
    }
    return [data];
  }
  throw bad(`visualization needs a table of data (a list of records, a mapping, JSON or CSV), got ${data === null ? 'nothing' : typeof data}`);
}

interface Columns {
  numbers: string[];
  texts: string[];
  dates: string[];
}

const DATE = /^\d{4}-\d{2}(-\d{2})?([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Each column's kind from its values: numbers (CSV text included), dates (ISO), else text. */
function columnKinds(rows: Rec[]): Columns {
  const out: Columns = { numbers: [], texts: [], dates: [] };
  for (const c of columnsOf(rows)) {
    const vs = rows.map((r) => r[c]).filter((v) => !missing(v));
    if (!vs.length) continue;
    if (vs.every((v) => numeric(v) !== null && typeof v !== 'boolean')) out.numbers.push(c);
    else if (vs.every((v) => typeof v === 'string' && DATE.test(v.trim()))) out.dates.push(c);
    // ContextLab leaves text columns named like a date or time out of its categories
    else if (!/date|time/i.test(c)) out.texts.push(c);
  }
  return out;
}

/** The chart types ContextLab chooses for the columns (its `_detect_chart_types`). */
export function autoChartTypes(rows: Rec[], cols: Columns): string[] {
  const t: string[] = [];
  if (cols.dates.length && cols.numbers.length) t.push('line');
  if (cols.texts.length && cols.numbers.length) t.push('bar');
  if (cols.numbers.length >= 2) t.push('scatter');
  if (cols.numbers.length >= 1) t.push('histogram');
  if (cols.texts.length && new Set(rows.map((r) => String(r[cols.texts[0]]))).size <= 10) t.push('pie');
  if (cols.numbers.length >= 3) t.push('heatmap');
  return t.length ? t : ['bar'];
}

function pearson(xs: number[], ys: number[]): number | null {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx && syy ? Math.round((sxy / Math.sqrt(sxx * syy)) * 1000) / 1000 : null;
}

type Spec = Record<string, unknown>;

/** A Vega-Lite spec for one chart type, or why the data cannot make it. */
function chartSpec(type: string, rows: Rec[], cols: Columns, p: Rec): { spec: Spec; title: string } | { skip: string } {
  const pick = (given: unknown, from: string[], what: string): string | null => {
    if (typeof given === 'string' && given) {
      if (!columnsOf(rows).includes(given)) throw bad(`The data has no column '${given}' (${what}): it has ${columnsOf(rows).map((c) => `'${c}'`).join(', ')}`);
      return given;
    }
    return from[0] ?? null;
  };
  // numbers as numbers (CSV gives text)
  const num = (c: string) => rows.map((r) => numeric(r[c]));
  const y = pick(p.y, cols.numbers, 'y');
  switch (type) {
    case 'bar': {
      const x = pick(p.x, cols.texts.length ? cols.texts : cols.dates, 'x');
      if (!x || !y) return { skip: 'a bar chart needs a text column and a number column' };
      const values = rows.map((r) => ({ [x]: String(r[x]), [y]: numeric(r[y]) }));
      return { title: `${y} by ${x}`, spec: { data: { values }, mark: 'bar', encoding: { x: { field: x, type: 'nominal', sort: null }, y: { field: y, type: 'quantitative', aggregate: 'sum', title: y } } } };
    }
    case 'line': {
      const x = pick(p.x, cols.dates.length ? cols.dates : cols.texts, 'x');
      const ys = typeof p.y === 'string' && p.y ? [p.y] : cols.numbers.filter((c) => c !== x);
      if (!ys.length) return { skip: 'a line chart needs a number column' };
      const xField = x ?? '_row';
      const values = rows.flatMap((r, i) => ys.map((c) => ({ [xField]: x ? r[x] : i + 1, series: c, value: numeric(r[c]) })));
      const xType = x && cols.dates.includes(x) ? 'temporal' : x ? 'ordinal' : 'quantitative';
      return { title: `${ys.join(', ')} over ${x ?? 'rows'}`, spec: { data: { values }, mark: { type: 'line', point: true }, encoding: { x: { field: xField, type: xType, title: x ?? 'row', sort: null }, y: { field: 'value', type: 'quantitative', title: ys.length === 1 ? ys[0] : 'value' }, color: { field: 'series', type: 'nominal', title: null } } } };
    }
    case 'scatter': {
      const x = pick(p.x, cols.numbers, 'x');
      const y2 = typeof p.y === 'string' && p.y ? p.y : cols.numbers.find((c) => c !== x);
      if (!x || !y2) return { skip: 'a scatter plot needs two number columns' };
      const xs = num(x);
      const ys = num(y2);
      const values = rows.map((_, i) => ({ [x]: xs[i], [y2]: ys[i] })).filter((v) => v[x] !== null && v[y2] !== null);
      return { title: `${y2} against ${x}`, spec: { data: { values }, mark: { type: 'point', filled: true }, encoding: { x: { field: x, type: 'quantitative' }, y: { field: y2, type: 'quantitative' } } } };
    }
    case 'histogram': {
      if (!y) return { skip: 'a histogram needs a number column' };
      const values = num(y).filter((v): v is number => v !== null).map((v) => ({ [y]: v }));
      return { title: `Distribution of ${y}`, spec: { data: { values }, mark: 'bar', encoding: { x: { field: y, type: 'quantitative', bin: { maxbins: 20 } }, y: { aggregate: 'count', type: 'quantitative', title: 'count' } } } };
    }
    case 'pie': {
      const x = pick(p.x, cols.texts, 'x');
      if (!x) return { skip: 'a pie chart needs a text column' };
      const values = rows.map((r) => ({ [x]: String(r[x]), n: y ? numeric(r[y]) ?? 0 : 1 }));
      return { title: y ? `${y} by ${x}` : `Rows by ${x}`, spec: { data: { values }, mark: { type: 'arc' }, encoding: { theta: { field: 'n', type: 'quantitative', aggregate: 'sum', title: y ?? 'rows' }, color: { field: x, type: 'nominal' } } } };
    }
    case 'heatmap': {
      if (cols.numbers.length < 2) return { skip: 'a correlation heatmap needs two number columns or more' };
      const series = Object.fromEntries(cols.numbers.map((c) => [c, num(c)]));
      const values: Rec[] = [];
      for (const a of cols.numbers)
        for (const b of cols.numbers) {
          const pairs = series[a].map((v, i) => [v, series[b][i]] as const).filter(([u, w]) => u !== null && w !== null) as [number, number][];
          values.push({ a, b, r: pearson(pairs.map((q) => q[0]), pairs.map((q) => q[1])) });
        }
      return { title: 'Correlation of the number columns', spec: { data: { values }, mark: 'rect', encoding: { x: { field: 'a', type: 'nominal', title: null, sort: null }, y: { field: 'b', type: 'nominal', title: null, sort: null }, color: { field: 'r', type: 'quantitative', scale: { domain: [-1, 1], scheme: 'redblue' }, title: 'r' } } } };
    }
  }
  return { skip: `unknown chart type '${type}': use ${CHART_TYPES.join(', ')} or auto` };
}

const THEMES: Record<string, Spec> = {
  default: {},
  seaborn: { background: '#ffffff', view: { fill: '#eaeaf2', stroke: null }, axis: { gridColor: '#ffffff', domain: false, tickColor: '#888888' }, range: { category: { scheme: 'tableau10' } } },
  dark: { background: '#1e1e1e', title: { color: '#f0f0f0' }, axis: { labelColor: '#d0d0d0', titleColor: '#f0f0f0', gridColor: '#444444', domainColor: '#888888', tickColor: '#888888' }, legend: { labelColor: '#d0d0d0', titleColor: '#f0f0f0' }, view: { stroke: '#444444' } },
};

/** Vega-Lite → Vega → SVG, in this process (the libraries load on first use). */
async function renderSvg(spec: Spec, config: Spec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...spec, config } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function shown(real: string, ctx: ToolContext): string {
  const rel = path.relative(path.resolve(ctx.cwd), real);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : real;
}

async function createCharts(p: Rec, ctx: ToolContext): Promise<ToolOutcome> {
  const rows = rowsOf(await readData(p, ctx));
  if (!rows.length) throw bad('The data has no rows: there is nothing to draw');
  if (rows.length > MAX_CHART_ROWS) throw bad(`The data has ${rows.length} rows; a chart draws ${MAX_CHART_ROWS} at most (aggregate it first, with data-processing)`);
  const asked = p.chart_types === undefined || p.chart_types === null ? ['auto'] : typeof p.chart_types === 'string' ? [p.chart_types] : p.chart_types;
  if (!Array.isArray(asked) || !asked.every((t) => typeof t === 'string')) throw bad("'chart_types' must be a list of chart types");
  const theme = typeof p.theme === 'string' ? p.theme : 'seaborn';
  if (!Object.prototype.hasOwnProperty.call(THEMES, theme)) throw bad(`Unknown theme '${theme}': use default, dark or seaborn`);
  const cols = columnKinds(rows);
  const types = asked.includes('auto') ? [...new Set([...asked.filter((t) => t !== 'auto'), ...autoChartTypes(rows, cols)])] : [...new Set(asked as string[])];
  const dirGiven = typeof p.output_dir === 'string' && p.output_dir ? p.output_dir : 'output/charts';
  const { real: dir } = resolvePath(dirGiven, ctx, 'modify');
  await fs.mkdir(dir, { recursive: true });
  const width = typeof p.width === 'number' && p.width > 0 ? Math.min(p.width, 4000) : 400;
  const height = typeof p.height === 'number' && p.height > 0 ? Math.min(p.height, 4000) : 300;
  const charts: string[] = [];
  const skipped: { type: string; reason: string }[] = [];
  for (const type of types) {
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const made = chartSpec(type, rows, cols, p);
    if ('skip' in made) {
      skipped.push({ type, reason: made.skip });
      continue;
    }
    const title = typeof p.title === 'string' && p.title ? p.title : made.title;
    const svg = await renderSvg({ ...made.spec, title, width, height }, THEMES[theme]);
    const file = path.join(dir, `${type}_chart.svg`);
    await fs.writeFile(file, svg, 'utf8');
    charts.push(shown(file, ctx));
  }
  const result: Rec = { charts, files: charts, count: charts.length, output_dir: dirGiven, chart_types: types, skipped, format: 'svg' };
  if (p.format === 'png') result.note = 'PNG was asked for: the charts are SVG files (any browser or image viewer shows them)';
  if (!charts.length) return { success: false, result, error: `No chart drawn: ${skipped.map((s) => `${s.type}: ${s.reason}`).join('; ')}` };
  return { success: true, result };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function createDashboard(p: Rec, ctx: ToolContext): Promise<ToolOutcome> {
  let charts = p.charts;
  if (isRec(charts) && Array.isArray(charts.charts)) charts = charts.charts; // a whole create_charts result
  if (typeof charts === 'string') charts = /^\s*\[/.test(charts) ? JSON.parse(charts.replace(/'/g, '"')) : [charts];
  if (!Array.isArray(charts) || !charts.length || !charts.every((c) => typeof c === 'string')) throw bad("'charts' must be a list of chart files (a create_charts step's charts)");
  const layout = typeof p.layout === 'string' ? p.layout : 'grid';
  if (!['grid', 'vertical', 'horizontal'].includes(layout)) throw bad(`Unknown layout '${layout}': use grid, vertical or horizontal`);
  const title = typeof p.title === 'string' && p.title ? p.title : 'Analysis Dashboard';
  const figures: string[] = [];
  for (const c of charts as string[]) {
    const { real } = resolvePath(c, ctx);
    const text = await fs.readFile(real, 'utf8').catch(() => {
      throw new ToolError(`Chart file not found: ${c}`, 'FileNotFoundError');
    });
    const body = /\.svg$/i.test(c) ? text : `<img src="${escapeHtml(path.basename(c))}" alt="${escapeHtml(path.basename(c))}">`;
    figures.push(`<figure>${body}<figcaption>${escapeHtml(path.basename(c))}</figcaption></figure>`);
  }
  const flow = layout === 'grid' ? 'display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px' : `display:flex;flex-direction:${layout === 'vertical' ? 'column' : 'row'};gap:16px;overflow-x:auto`;
  const html = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n<style>body{font-family:sans-serif;margin:24px}main{${flow}}figure{margin:0}figcaption{color:#555;font-size:12px}</style>\n</head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n<main>\n${figures.join('\n')}\n</main>\n</body>\n</html>\n`;
  const dirGiven = typeof p.output_dir === 'string' && p.output_dir ? p.output_dir : 'output';
  const { real: dir } = resolvePath(dirGiven, ctx, 'modify');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'dashboard.html');
  await fs.writeFile(file, html, 'utf8');
  const url = shown(file, ctx);
  return { success: true, result: { url, dashboard_path: url, charts_included: figures.length, layout } };
}

async function run(action: string, p: Rec, ctx: ToolContext): Promise<ToolOutcome> {
  if (action === 'create_charts') return createCharts(p, ctx);
  if (action === 'create_dashboard') return createDashboard(p, ctx);
  throw new ToolError(`visualization has no action '${action}': use create_charts or create_dashboard`, 'ValueError');
}

export const visualizationTool: ToolDefinition = { spec: visualizationSpec, run };
