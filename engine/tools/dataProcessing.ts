// The data-processing tool (ContextLab's): convert, filter, aggregate, transform, profile, pivot,
// clean and merge lists of records. Data comes as data, as JSON/CSV/YAML text, or as a file inside
// the workspace; it is read and written with the data tool's parser and writers. Every action's
// result has `processed_data`.
import { convert, field } from './data';
import { dataProcessingSpec } from '../toolkit/specs/dataProcessing';
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';

import { transformAction } from './dataTransforms';
import {
  AGG_FUNCTIONS, aggregateValues, asText, bad, columnsOf, groups, has, isRec, mean, median, missing, names, numeric, opObject, outFormat,
  parseText, pyType, quantile, readData, records, same, shaped, stdev, type Rec,
} from './dataRecords';

export { MAX_DATA_FILE_BYTES, numeric } from './dataRecords';

/** The most records a join may produce. */
const MAX_JOIN_ROWS = 1_000_000;

function aggregateAction(data: unknown, p: Rec): Rec {
  const op = opObject(p);
  const by = names(p.group_by ?? op.group_by, 'group_by');
  const aggs = p.aggregations ?? op.aggregations ?? {};
  if (!isRec(aggs)) throw bad("'aggregations' must be a mapping of names to {column, function} or to a function");
  const specs = Object.entries(aggs).map(([name, s]) => {
    const legacy = typeof s === 'string';
    if (!legacy && !isRec(s)) throw bad(`Aggregation '${name}' must be a function name or {column, function}`);
    const fnName = legacy ? s : String(s.function ?? 'sum');
    const fn = AGG_FUNCTIONS[fnName];
    if (!fn) throw bad(`Aggregation '${name}': unknown function '${fnName}': use sum, avg, mean, count, count_distinct, min, max or median`);
    const column = legacy ? name : String(s.column ?? name);
    return { name, legacy, fnName, fn, column };
  });
  const rows = records(data, 'aggregate');
  if (!by.length) {
    const out: Rec = {};
    for (const s of specs) out[s.legacy ? `${s.name}_${s.fnName}` : s.name] = aggregateValues(rows, s.column, s.fn);
    return { action: 'aggregate', processed_data: { count: rows.length, aggregations: out }, row_count: 1 };
  }
  const result = groups(rows, by).map((g) => ({ ...g.key, ...Object.fromEntries(specs.map((s) => [s.name, aggregateValues(g.rows, s.column, s.fn)])) }));
  return { action: 'aggregate', processed_data: shaped(result, outFormat(p)), row_count: result.length };
}



const PROFILE_OPTIONS = ['missing_values', 'data_types', 'statistical_summary', 'outlier_detection', 'duplicate_detection'];

function profileAction(data: unknown, p: Rec): Rec {
  const rows = records(data, 'profile');
  const opts = p.profiling_options === undefined || p.profiling_options === null ? [] : names(p.profiling_options, 'profiling_options');
  for (const o of opts) if (!PROFILE_OPTIONS.includes(o)) throw bad(`Unknown profiling option '${o}': use ${PROFILE_OPTIONS.join(', ')}`);
  const on = (o: string) => !opts.length || opts.includes(o);
  if (!rows.length) return { action: 'profile', processed_data: { row_count: 0, column_count: 0, columns: {}, message: 'No data to profile' } };
  const cols = Object.keys(rows[0]);
  const columns: Rec = {};
  for (const c of cols) {
    const values = rows.map((r) => r[c]);
    const prof: Rec = { name: c };
    if (on('missing_values')) {
      const n = values.filter((v) => missing(v) || v === 'null').length;
      prof.missing_count = n;
      prof.missing_percentage = (n / values.length) * 100;
    }
    if (on('data_types')) {
      const nums = values.filter((v) => !missing(v)).map(numeric).filter((v): v is number => v !== null);
      const dates = values.filter((v) => typeof v === 'string' && /[-/]/.test(v)).length;
      prof.data_type = nums.length > values.length * 0.8 ? 'numeric' : dates > values.length * 0.8 ? 'date' : 'string';
      if (on('statistical_summary') && nums.length) {
        prof.min = Math.min(...nums);
        prof.max = Math.max(...nums);
        prof.mean = mean(nums);
        if (nums.length > 1) {
          prof.median = median(nums);
          prof.std_dev = stdev(nums);
        }
        if (on('outlier_detection') && nums.length > 3) {
          const s = [...nums].sort((a, b) => a - b);
          const [q1, q3] = [s[s.length >> 2], s[(3 * s.length) >> 2]];
          const iqr = q3 - q1;
          const n = nums.filter((v) => v < q1 - 1.5 * iqr || v > q3 + 1.5 * iqr).length;
          prof.outlier_count = n;
          prof.outlier_percentage = (n / nums.length) * 100;
        }
      }
    }
    const unique = new Set(values.filter((v) => !missing(v)).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
    prof.unique_count = unique.size;
    prof.unique_percentage = (unique.size / values.length) * 100;
    columns[c] = prof;
  }
  const out: Rec = { row_count: rows.length, column_count: cols.length, columns };
  if (on('duplicate_detection')) {
    const keys = rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => r[k])));
    const dup = keys.length - new Set(keys).size;
    out.duplicate_rows = dup;
    out.duplicate_percentage = (dup / rows.length) * 100;
  }
  return { action: 'profile', processed_data: out };
}

function pivotAction(data: unknown, p: Rec): Rec {
  const index = names(p.index, 'index');
  const colCols = names(p.columns, 'columns');
  const values = names(p.values, 'values');
  if (!index.length || !values.length) throw bad("pivot needs 'index' and 'values'");
  const aggfunc = String(p.aggfunc ?? 'sum');
  const fns: Record<string, (xs: number[]) => number> = { sum: (xs) => xs.reduce((a, b) => a + b, 0), mean, count: (xs) => xs.length, min: (xs) => Math.min(...xs), max: (xs) => Math.max(...xs) };
  if (!fns[aggfunc]) throw bad(`Unknown aggfunc '${aggfunc}': use sum, mean, count, min or max`);
  const fill = p.fill_value === undefined ? 0 : p.fill_value;
  const rows = records(data, 'pivot');
  const colKey = (r: Rec) => (colCols.length ? colCols.map((c) => String(field(r, c) ?? '')).join('_') : null);
  const colKeys = [...new Set(rows.map(colKey))];
  const result = groups(rows, index).map((g) => {
    const row: Rec = { ...g.key };
    for (const ck of colKeys) {
      for (const v of values) {
        const name = ck === null ? v : values.length === 1 ? ck : `${ck}_${v}`;
        const nums = g.rows.filter((r) => colKey(r) === ck).map((r) => numeric(field(r, v))).filter((x): x is number => x !== null);
        row[name] = nums.length ? fns[aggfunc](nums) : fill;
      }
    }
    return row;
  });
  return { action: 'pivot', processed_data: shaped(result, outFormat(p)), row_count: result.length };
}

function cleanAction(data: unknown, p: Rec): Rec {
  let rows = records(isRec(data) ? [data] : data, 'clean').map((r) => ({ ...r }));
  const cols = columnsOf(rows);
  const before = { rows: rows.length, columns: cols.length };
  if (p.remove_duplicates !== false) {
    const seen = new Set<string>();
    rows = rows.filter((r) => {
      const k = JSON.stringify(cols.map((c) => r[c] ?? null));
      return seen.has(k) ? false : (seen.add(k), true);
    });
  }
  const numericCols = cols.filter((c) => rows.some((r) => !missing(r[c])) && rows.every((r) => missing(r[c]) || numeric(r[c]) !== null));
  const how = String(p.handle_missing ?? 'drop');
  if (how === 'drop') rows = rows.filter((r) => cols.every((c) => !missing(r[c])));
  else if (how === 'forward_fill' || how === 'backward_fill') {
    const order = how === 'forward_fill' ? rows : [...rows].reverse();
    for (const c of cols) {
      let last: unknown;
      for (const r of order) {
        if (!missing(r[c])) last = r[c];
        else if (last !== undefined) r[c] = last;
      }
    }
  } else if (how === 'mean') {
    for (const c of numericCols) {
      const nums = rows.map((r) => numeric(r[c])).filter((v): v is number => v !== null);
      for (const r of rows) if (missing(r[c])) r[c] = mean(nums);
    }
  } else if (how === 'interpolate') {
    for (const c of numericCols) {
      const known = rows.map((r, i) => [i, numeric(r[c])] as const).filter((x): x is readonly [number, number] => x[1] !== null);
      rows.forEach((r, i) => {
        if (!missing(r[c])) return;
        const prev = [...known].reverse().find(([j]) => j < i);
        const next = known.find(([j]) => j > i);
        // leading gaps stay; trailing gaps take the last value (pandas' linear interpolation)
        if (prev && next) r[c] = prev[1] + ((next[1] - prev[1]) * (i - prev[0])) / (next[0] - prev[0]);
        else if (prev) r[c] = prev[1];
      });
    }
  } else if (how !== 'none') throw bad(`Unknown handle_missing '${how}': use drop, forward_fill, backward_fill, interpolate, mean or none`);
  if (p.remove_outliers === true) {
    for (const c of numericCols) {
      const nums = rows.map((r) => numeric(r[c])).filter((v): v is number => v !== null).sort((a, b) => a - b);
      if (!nums.length) continue;
      const [q1, q3] = [quantile(nums, 0.25), quantile(nums, 0.75)];
      const [lo, hi] = [q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)];
      rows = rows.filter((r) => {
        const v = numeric(r[c]);
        return v === null || (v >= lo && v <= hi);
      });
    }
  }
  return {
    action: 'clean',
    processed_data: shaped(rows, outFormat(p)),
    original_shape: before,
    cleaned_shape: { rows: rows.length, columns: columnsOf(rows).length },
    rows_removed: before.rows - rows.length,
  };
}

/** A dataset's records: a list, one record, a mapping of columns to equal-length lists, or text. */
function datasetRows(v: unknown, name: string): Rec[] | null {
  if (typeof v === 'string') v = parseText(v, 'json');
  if (Array.isArray(v)) return v.map((r) => (isRec(r) ? r : { value: r }));
  if (!isRec(v)) return null;
  const vals = Object.values(v);
  if (!vals.length) return [];
  if (vals.every((x) => Array.isArray(x))) {
    const n = (vals[0] as unknown[]).length;
    if (!vals.every((x) => (x as unknown[]).length === n)) throw bad(`Dataset '${name}': its columns are lists of different lengths`);
    return Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(v as Rec).map(([k, x]) => [k, (x as unknown[])[i]])));
  }
  return [v];
}

function join(left: Rec[], right: Rec[], on: string | null, how: string): Rec[] {
  const lc = columnsOf(left);
  const rc = columnsOf(right);
  const both = new Set(lc.filter((c) => c !== on && rc.includes(c)));
  const rename = (r: Rec, suffix: string) => Object.fromEntries(Object.entries(r).map(([k, v]) => [both.has(k) ? `${k}${suffix}` : k, v]));
  const out: Rec[] = [];
  const push = (r: Rec) => {
    if (out.length >= MAX_JOIN_ROWS) throw bad(`The join gives more than ${MAX_JOIN_ROWS} records`);
    out.push(r);
  };
  if (on === null) {
    const n = how === 'inner' ? Math.min(left.length, right.length) : how === 'left' ? left.length : how === 'right' ? right.length : Math.max(left.length, right.length);
    for (let i = 0; i < n; i++) push({ ...(left[i] ? rename(left[i], '_x') : {}), ...(right[i] ? rename(right[i], '_y') : {}) });
    return out;
  }
  const key = (r: Rec) => (has(r, on) ? JSON.stringify(r[on]) : null);
  const index = new Map<string, Rec[]>();
  for (const r of right) {
    const k = key(r);
    if (k !== null) index.set(k, [...(index.get(k) ?? []), r]);
  }
  const matched = new Set<Rec>();
  if (how === 'right') {
    const lindex = new Map<string, Rec[]>();
    for (const l of left) {
      const k = key(l);
      if (k !== null) lindex.set(k, [...(lindex.get(k) ?? []), l]);
    }
    for (const r of right) {
      const ls = lindex.get(key(r) ?? '') ?? [];
      if (!ls.length) push(rename(r, '_y'));
      for (const l of ls) push({ ...rename(l, '_x'), ...rename(r, '_y') });
    }
    return out;
  }
  for (const l of left) {
    const rs = index.get(key(l) ?? '') ?? [];
    for (const r of rs) {
      matched.add(r);
      push({ ...rename(l, '_x'), ...rename(r, '_y') });
    }
    if (!rs.length && how !== 'inner') push(rename(l, '_x'));
  }
  if (how === 'outer') for (const r of right) if (!matched.has(r)) push(rename(r, '_y'));
  return out;
}

function mergeAction(p: Rec): Rec {
  const datasets = p.datasets;
  if (!Array.isArray(datasets) || !datasets.length) throw bad("No datasets to merge: give 'datasets' as a list of {name, data}");
  const strategy = String(p.merge_strategy ?? 'combine');
  if (!['combine', 'concat', 'join'].includes(strategy)) throw bad(`Unknown merge_strategy '${strategy}': use combine, concat or join`);
  const how = String(p.join_type ?? 'inner');
  if (!['inner', 'outer', 'left', 'right'].includes(how)) throw bad(`Unknown join_type '${how}': use inner, outer, left or right`);
  const on = typeof p.join_on === 'string' && p.join_on ? p.join_on : null;
  const sets: Rec[][] = [];
  datasets.forEach((d, i) => {
    if (!isRec(d)) throw bad(`Dataset ${i + 1} must be a mapping {name, data}`);
    const name = typeof d.name === 'string' ? d.name : `dataset_${i}`;
    const rows = datasetRows(d.data, name);
    if (rows === null) return;
    sets.push(strategy === 'combine' ? rows.map((r) => ({ ...r, _source: name })) : rows);
  });
  if (!sets.length) throw bad('No dataset has data to merge (each needs records, a record, or JSON/CSV text)');
  const merged = strategy === 'join' ? sets.slice(1).reduce((acc, s) => join(acc, s, on, how), sets[0]) : sets.flat();
  const columns = columnsOf(merged);
  const rows = merged.map((r) => Object.fromEntries(columns.map((c) => [c, has(r, c) ? r[c] : null])));
  return { action: 'merge', processed_data: rows, datasets_merged: sets.length, total_rows: rows.length, total_columns: columns.length, columns };
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  let out: Rec;
  switch (action) {
    case 'convert': {
      const data = await readData(p, ctx);
      const target = outFormat(p);
      out = { action, processed_data: asText(data, target), target_format: target, original_type: pyType(data) };
      break;
    }
    case 'filter': {
      const op = opObject(p);
      const criteria = op.criteria ?? {};
      if (!isRec(criteria)) throw bad("'operation.criteria' must be a mapping of fields to values");
      const data = await readData(p, ctx);
      const keep = (r: unknown) => !isRec(r) || Object.entries(criteria).every(([k, v]) => has(r, k) && same(r[k], v));
      const kept = Array.isArray(data) ? data.filter(keep) : keep(data) ? data : null;
      out = {
        action,
        processed_data: Array.isArray(kept) ? shaped(kept, outFormat(p)) : kept,
        criteria,
        original_count: Array.isArray(data) ? data.length : 1,
        filtered_count: Array.isArray(kept) ? kept.length : kept === null ? 0 : 1,
      };
      break;
    }
    case 'aggregate':
      out = aggregateAction(await readData(p, ctx), p);
      break;
    case 'transform':
      out = transformAction(await readData(p, ctx), p);
      break;
    case 'profile':
      out = profileAction(await readData(p, ctx), p);
      break;
    case 'pivot':
      out = pivotAction(await readData(p, ctx), p);
      break;
    case 'clean':
      out = cleanAction(await readData(p, ctx), p);
      break;
    case 'merge':
      out = mergeAction(p);
      break;
    default:
      throw bad(`data-processing has no action '${action}': use ${Object.keys(dataProcessingSpec.actions).join(', ')}`);
  }
  return { success: true, result: { success: true, ...out } };
}

export const dataProcessingTool: ToolDefinition = { spec: dataProcessingSpec, run };
