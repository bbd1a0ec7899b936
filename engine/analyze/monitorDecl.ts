// `monitors:` as written → the engine's MonitorDecl list, defaults applied. Tolerant of invalid
// input: a value of the wrong kind or out of range falls back to its default, and the schema pass
// and monitorCheck say what is wrong with it. An entry is left out only when serving it could do
// harm or make no sense: it has no name, a name unsafe as a file name (the checks are written to
// `.orchestrator/monitors/NAME.jsonl`), or a name an earlier entry already took.
import type { MonitorDecl } from '../spec/types';
import { budgetOf } from './guardDecl';

type Obj = Record<string, unknown>;

export const DEFAULT_SAMPLE = 1;
export const DEFAULT_WINDOW = 50;
/** `min_checks` when not written: 10, or the whole window when it holds fewer. */
export const DEFAULT_MIN_CHECKS = 10;
/** The keys of a monitor entry, in the order docs/format.md lists them. */
export const MONITOR_KEYS = ['name', 'sample', 'assert', 'window', 'min_checks', 'alert_below', 'notify', 'budget'] as const;
/** A monitor's name: an identifier as a pipeline id is, so that `NAME.jsonl` stays inside `.orchestrator/monitors/` (and the server's file check, engine/serve/monitorLog.ts, takes every such name). */
export const MONITOR_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** The longest name: `NAME.jsonl` must fit every file system (255 bytes). */
export const MONITOR_NAME_MAX = 100;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether NAME may name the file `.orchestrator/monitors/NAME.jsonl` (no `/`, `..`, dot files, Windows device names...). */
export function isSafeMonitorName(name: string): boolean {
  return MONITOR_NAME.test(name) && name.length <= MONITOR_NAME_MAX && !/^(con|prn|aux|nul|com\d|lpt\d)$/i.test(name);
}

function share(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1 ? v : null;
}

function count(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : null;
}

/** One entry, or null when it has no usable name. */
export function monitorDeclOf(raw: unknown, path: (string | number)[]): MonitorDecl | null {
  if (!isObj(raw) || typeof raw.name !== 'string' || !isSafeMonitorName(raw.name)) return null;
  const window = count(raw.window) ?? DEFAULT_WINDOW;
  const decl: MonitorDecl = {
    name: raw.name,
    sample: share(raw.sample) ?? DEFAULT_SAMPLE,
    assert: Array.isArray(raw.assert) ? raw.assert.filter(isObj) : [],
    window,
    minChecks: count(raw.min_checks) ?? Math.min(DEFAULT_MIN_CHECKS, window),
    alertBelow: share(raw.alert_below),
    path,
  };
  if (isObj(raw.notify) && typeof raw.notify.webhook === 'string') {
    decl.notify = { webhook: raw.notify.webhook, secretEnv: typeof raw.notify.secret_env === 'string' ? raw.notify.secret_env : null };
  }
  const budget = budgetOf(raw.budget);
  if (budget) decl.budget = budget;
  return decl;
}

/** The entries of `monitors:` with a safe name, the first of each name, in order. */
export function monitorDecls(v: unknown, at: (string | number)[] = ['monitors']): MonitorDecl[] {
  if (!Array.isArray(v)) return [];
  const out: MonitorDecl[] = [];
  const seen = new Set<string>();
  v.forEach((raw, i) => {
    const m = monitorDeclOf(raw, [...at, i]);
    if (m && !seen.has(m.name)) {
      seen.add(m.name);
      out.push(m);
    }
  });
  return out;
}
