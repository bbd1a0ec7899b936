// The data-processing tool's `transform` action: a list of operations applied in turn to the
// records, one function per operation, found by name in TRANSFORM_OPERATIONS.
import { cmp, field } from './data';
import { evaluate, scopeOf, truthy } from '../template/index';
import {
  AGG_FUNCTIONS, aggregateValues, asText, bad, columnsOf, has, isRec, mean, missing, names, numeric, opObject, outFormat, records, same, stdev,
  type Rec,
} from './dataRecords';

/** `DATE_FORMAT(column, '%Y-%m')` over dates written `YYYY-MM-DD[ HH:MM:SS]`. */
function dateFormat(value: unknown, format: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(String(value ?? ''));
  if (!m) return null;
  const parts: Record<string, string> = { Y: m[1], m: m[2], d: m[3], H: m[4] ?? '00', M: m[5] ?? '00', S: m[6] ?? '00', y: m[1].slice(2), '%': '%' };
  return format.replace(/%([YmdHMSy%])/g, (_, c: string) => parts[c]);
}

/** The data being transformed: a list of records, or a mapping holding one under `records`. */
interface Working {
  cur: unknown;
}

/** The records the operation works on. */
const list = (w: Working, t: string): Rec[] => records(Array.isArray(w.cur) ? w.cur : isRec(w.cur) && Array.isArray(w.cur.records) ? w.cur.records : w.cur, `transform '${t}'`);
/** The records put back where they were taken from. */
const setList = (w: Working, rows: Rec[]) => {
  w.cur = !Array.isArray(w.cur) && isRec(w.cur) && Array.isArray(w.cur.records) ? { ...w.cur, records: rows } : rows;
};

function filterOp(w: Working, o: Rec, t: string): void {
  if (typeof o.condition === 'string') {
    const cond = o.condition;
    setList(w,
      list(w, t).filter((r, n) => {
        try {
          return truthy(evaluate(cond, scopeOf({ ...r, item: r })));
        } catch (e) {
          throw bad(`filter condition '${cond}' on record ${n + 1}: ${(e as Error).message}`);
        }
      }),
    );
  } else {
    if (typeof o.field !== 'string') throw bad("A filter operation needs 'field' and 'value', or a 'condition'");
    const f = o.field;
    setList(w, list(w, t).filter((r) => same(field(r, f), o.value)));
  }
}

function renameFieldsOp(w: Working, o: Rec, t: string): void {
  if (!isRec(o.mapping)) throw bad("rename_fields needs a 'mapping' of old to new names");
  const m = o.mapping;
  const rename = (r: Rec) => Object.fromEntries(Object.entries(r).map(([k, v]) => [has(m, k) ? String(m[k]) : k, v]));
  if (isRec(w.cur) && !Array.isArray(w.cur.records)) w.cur = rename(w.cur);
  else setList(w, list(w, t).map(rename));
}

function addFieldOp(w: Working, o: Rec, t: string): void {
  if (typeof o.field !== 'string') throw bad("add_field needs a 'field'");
  const f = o.field;
  if (isRec(w.cur) && !Array.isArray(w.cur.records)) w.cur = { ...w.cur, [f]: o.value ?? '' };
  else setList(w, list(w, t).map((r) => ({ ...r, [f]: o.value ?? '' })));
}

function deduplicateOp(w: Working, o: Rec, t: string): void {
  const rows = list(w, t);
  const cols = o.columns === undefined ? columnsOf(rows) : names(o.columns, 'columns');
  const keyOf = (r: Rec) => JSON.stringify(cols.map((c) => r[c] ?? null));
  if (o.keep === 'last') {
    const last = new Map<string, number>();
    rows.forEach((r, n) => last.set(keyOf(r), n));
    setList(w, rows.filter((r, n) => last.get(keyOf(r)) === n));
  } else {
    const seen = new Set<string>();
    setList(w, rows.filter((r) => (seen.has(keyOf(r)) ? false : (seen.add(keyOf(r)), true))));
  }
}

function castOp(w: Working, o: Rec, t: string): void {
  if (!isRec(o.columns)) throw bad("cast needs 'columns': {column: integer|float|string|boolean|datetime}");
  const casts = Object.entries(o.columns).map(([c, ty]) => {
    if (!['integer', 'int', 'float', 'number', 'string', 'str', 'boolean', 'bool', 'datetime', 'date'].includes(String(ty))) throw bad(`cast '${c}': unknown type '${String(ty)}': use integer, float, string, boolean or datetime`);
    return [c, String(ty)] as const;
  });
  setList(w,
    list(w, t).map((r) => {
      const out = { ...r };
      for (const [c, ty] of casts) {
        if (!has(out, c)) continue;
        const v = out[c];
        if (ty === 'integer' || ty === 'int' || ty === 'float' || ty === 'number') {
          const n = missing(v) || v === false ? 0 : v === true ? 1 : numeric(v);
          if (n !== null) out[c] = ty === 'integer' || ty === 'int' ? Math.trunc(n) : n;
        } else if (ty === 'boolean' || ty === 'bool') out[c] = typeof v === 'string' ? ['true', '1', 'yes', 'y'].includes(v.trim().toLowerCase()) : Boolean(v);
        else out[c] = v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v);
      }
      return out;
    }),
  );
}

function fillMissingOp(w: Working, o: Rec, t: string): void {
  if (!isRec(o.strategy)) throw bad("fill_missing needs a 'strategy': {column: value}");
  const s = o.strategy;
  setList(w, list(w, t).map((r) => ({ ...r, ...Object.fromEntries(Object.entries(s).filter(([c]) => missing(r[c]))) })));
}

function calculateOp(w: Working, o: Rec, t: string): void {
  if (!isRec(o.expressions)) throw bad("calculate needs 'expressions': {new_column: expression}");
  const exprs = Object.entries(o.expressions).map(([c, e]) => [c, String(e)] as const);
  setList(w,
    list(w, t).map((r, n) => {
      const out = { ...r };
      for (const [c, e] of exprs) {
        const date = /^\s*DATE_FORMAT\(\s*(\w+)\s*,\s*'([^']*)'\s*\)\s*$/.exec(e);
        if (date) {
          out[c] = dateFormat(out[date[1]], date[2]);
          continue;
        }
        // numbers written as text (CSV) count as numbers
        const scope = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, numeric(v) ?? v]));
        try {
          out[c] = evaluate(e, scopeOf({ ...scope, item: out }));
        } catch (x) {
          throw bad(`calculate '${c}' = ${e} on record ${n + 1}: ${(x as Error).message}`);
        }
      }
      return out;
    }),
  );
}

function normalizeOp(w: Working, o: Rec, t: string): void {
  const rows = list(w, t);
  const method = String(o.method ?? 'min-max');
  if (!['min-max', 'minmax', 'z-score', 'zscore'].includes(method)) throw bad(`normalize: unknown method '${method}': use min-max or z-score`);
  const cols = o.columns === undefined ? columnsOf(rows).filter((c) => rows.some((r) => !missing(r[c])) && rows.every((r) => missing(r[c]) || numeric(r[c]) !== null)) : names(o.columns, 'columns');
  const out = rows.map((r) => ({ ...r }));
  for (const c of cols) {
    const nums = rows.map((r) => numeric(r[c])).filter((v): v is number => v !== null);
    if (!nums.length) continue;
    const [lo, hi, m] = [Math.min(...nums), Math.max(...nums), mean(nums)];
    const sd = nums.length > 1 ? stdev(nums) : 0;
    for (const r of out) {
      const v = numeric(r[c]);
      if (v === null) continue;
      r[c] = method.startsWith('z') ? (sd ? (v - m) / sd : 0) : hi > lo ? (v - lo) / (hi - lo) : 0;
    }
  }
  setList(w, out);
}

function sortOp(w: Working, o: Rec, t: string): void {
  const by = names(o.by, 'by');
  const rows = [...list(w, t)].sort((a, b) => {
    for (const c of by) {
      const d = cmp(field(a, c), field(b, c));
      if (d) return d;
    }
    return 0;
  });
  if (o.reverse === true) rows.reverse();
  setList(w, rows);
}

function selectOp(w: Working, o: Rec, t: string): void {
  const cols = names(o.columns, 'columns');
  setList(w, list(w, t).map((r) => Object.fromEntries(cols.filter((c) => has(r, c)).map((c) => [c, r[c]]))));
}

function aggregateOp(w: Working, o: Rec, t: string): void {
  const rows = list(w, t);
  const fnName = String(o.operation ?? 'sum');
  const fn = AGG_FUNCTIONS[fnName];
  if (!fn || typeof o.field !== 'string') throw bad("An aggregate operation needs 'field' and 'operation': sum, avg, count, min, max or median");
  w.cur = { filtered_records: rows, aggregation: { operation: fnName, field: o.field, result: aggregateValues(rows, o.field, fn) } };
}

/** Each operation by its `type`, in the order the error message names them. */
const TRANSFORM_OPERATIONS: Record<string, (w: Working, o: Rec, t: string) => void> = {
  filter: filterOp,
  rename_fields: renameFieldsOp,
  add_field: addFieldOp,
  deduplicate: deduplicateOp,
  cast: castOp,
  fill_missing: fillMissingOp,
  calculate: calculateOp,
  normalize: normalizeOp,
  sort: sortOp,
  select: selectOp,
  aggregate: aggregateOp,
};
const TRANSFORMS = Object.keys(TRANSFORM_OPERATIONS);

export function transformAction(data: unknown, p: Rec): Rec {
  const op = opObject(p);
  const ops = p.operations ?? op.transformations ?? op.operations ?? (typeof op.type === 'string' ? [op] : []);
  if (!Array.isArray(ops)) throw bad("'operations' must be a list of {type, ...}");
  const w: Working = { cur: structuredClone(data) };
  ops.forEach((o, i) => {
    if (!isRec(o) || typeof o.type !== 'string') throw bad(`Operation ${i + 1} must be a mapping with a 'type'`);
    const t = o.type;
    const apply = Object.prototype.hasOwnProperty.call(TRANSFORM_OPERATIONS, t) ? TRANSFORM_OPERATIONS[t] : undefined;
    if (!apply) throw bad(`Unknown transform operation '${t}': use ${TRANSFORMS.join(', ')}`);
    apply(w, o, t);
  });
  const cur = w.cur;
  const fmt = outFormat(p);
  const processed = fmt !== 'json' && !Array.isArray(cur) ? JSON.stringify(cur, null, 2) : asText(cur, fmt);
  return { action: 'transform', processed_data: processed, transformations: ops, row_count: Array.isArray(cur) ? cur.length : null };
}
