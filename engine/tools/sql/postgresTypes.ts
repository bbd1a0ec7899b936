// PostgreSQL values as the `sql` tool returns them, and the names of their types. pg's own parsers
// are kept (numbers, booleans, JSON, timestamps with a zone) except where they would mislead:
// bigint is a number when it fits (else its text), and `date` and `timestamp` without a zone keep
// their text instead of turning into a time in the machine's own zone.
import pg from 'pg';
import type { Column } from './rows';

const TYPE_NAMES: Record<number, string> = {
  16: 'boolean', 17: 'bytea', 18: 'char', 19: 'name', 20: 'bigint', 21: 'smallint', 23: 'integer', 25: 'text', 26: 'oid',
  114: 'json', 142: 'xml', 700: 'real', 701: 'double precision', 790: 'money', 1042: 'character', 1043: 'character varying',
  1082: 'date', 1083: 'time', 1114: 'timestamp', 1184: 'timestamp with time zone', 1186: 'interval', 1266: 'time with time zone',
  1700: 'numeric', 2950: 'uuid', 3802: 'jsonb', 1000: 'boolean[]', 1005: 'smallint[]', 1007: 'integer[]', 1016: 'bigint[]',
  1009: 'text[]', 1015: 'character varying[]', 1021: 'real[]', 1022: 'double precision[]', 199: 'json[]', 3807: 'jsonb[]',
};

const BIGINT = 20;
const DATE = 1082;
const TIMESTAMP = 1114;

function bigint(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === BIGINT) return bigint;
    if (oid === DATE || oid === TIMESTAMP) return (text: string) => text;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as unknown as pg.CustomTypesConfig;

export function pgColumns(fields: { name: string; dataTypeID: number }[]): Column[] {
  return fields.map((f) => ({ name: f.name, type: TYPE_NAMES[f.dataTypeID] ?? `oid ${f.dataTypeID}` }));
}
