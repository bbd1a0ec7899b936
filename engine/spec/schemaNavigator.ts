// Walks the pipeline JSON Schema along a value path: which keys a mapping at that path may have,
// with their descriptions (completion and hover read these).
import schema from './pipeline.schema.json';
import type { ValuePath } from './types';

type S = Record<string, unknown>;
const ROOT = schema as S;
const DEFS = (ROOT.$defs ?? {}) as Record<string, S>;

function resolve(s: S | undefined): S | undefined {
  let cur = s;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 10; i++) {
    const name = (cur.$ref as string).replace('#/$defs/', '');
    // a $ref with siblings (a description): the siblings describe, the target defines
    cur = { ...DEFS[name], ...(cur.description ? { description: cur.description } : {}) };
  }
  return cur;
}

/** The object-shaped branch of a schema (anyOf, if/then). */
function objectBranch(s: S | undefined): S | undefined {
  const r = resolve(s);
  if (!r) return undefined;
  if (r.properties || r.type === 'object' || r.additionalProperties) return r.then && !r.properties ? resolve(r.then as S) ?? r : r;
  if (Array.isArray(r.anyOf)) for (const b of r.anyOf as S[]) {
    const o = objectBranch(b);
    if (o && (o.properties || o.type === 'object')) return o;
  }
  if (r.then) return objectBranch(r.then as S);
  return undefined;
}

function arrayItems(s: S | undefined): S | undefined {
  const r = resolve(s);
  if (!r) return undefined;
  if (r.items) return resolve(r.items as S);
  if (Array.isArray(r.anyOf)) for (const b of r.anyOf as S[]) {
    const it = arrayItems(b);
    if (it) return it;
  }
  return undefined;
}

/** The schema of the value at `path`, or undefined where the schema says nothing (free data). */
export function schemaAt(path: ValuePath): S | undefined {
  let cur: S | undefined = ROOT;
  for (const p of path) {
    if (!cur) return undefined;
    if (typeof p === 'number') {
      cur = arrayItems(cur);
      continue;
    }
    const obj = objectBranch(cur);
    if (!obj) return undefined;
    const props = (obj.properties ?? {}) as Record<string, S>;
    if (Object.prototype.hasOwnProperty.call(props, p)) cur = resolve(props[p]);
    else if (obj.additionalProperties && typeof obj.additionalProperties === 'object') cur = resolve(obj.additionalProperties as S);
    else return undefined;
  }
  return cur;
}

export interface KeyInfo {
  name: string;
  description: string;
  required: boolean;
}

/** Keys a mapping at `path` may have, per the schema (empty for free-form mappings). */
export function keysAt(path: ValuePath): KeyInfo[] {
  const obj = objectBranch(schemaAt(path));
  if (!obj || !obj.properties) return [];
  const required = new Set((obj.required as string[] | undefined) ?? []);
  return Object.entries(obj.properties as Record<string, S>).map(([name, s]) => ({
    name,
    description: String(resolve(s)?.description ?? s.description ?? ''),
    required: required.has(name),
  }));
}

/** The description of the key at `path` (the last element), for hovers. */
export function describeKey(path: ValuePath): string | null {
  if (!path.length || typeof path[path.length - 1] === 'number') return null;
  const s = schemaAt(path);
  const parent = objectBranch(schemaAt(path.slice(0, -1)));
  const own = parent?.properties ? (parent.properties as Record<string, S>)[path[path.length - 1] as string] : undefined;
  const d = own?.description ?? s?.description;
  return typeof d === 'string' ? d : null;
}

/** Allowed values of an enum-typed position. */
export function enumAt(path: ValuePath): string[] {
  const s = schemaAt(path);
  const out: string[] = [];
  const visit = (x: S | undefined) => {
    const r = resolve(x);
    if (!r) return;
    if (Array.isArray(r.enum)) out.push(...(r.enum as unknown[]).map(String));
    if (Array.isArray(r.anyOf)) (r.anyOf as S[]).forEach(visit);
  };
  visit(s);
  return out;
}
