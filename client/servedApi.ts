// What the editor asks of an `orc serve` endpoint (docs/serve.md), with Node's fetch: its runs, a run's
// result document, its pipelines, cancelling a run, the URL of a run's event stream, its monitors and
// the server-wide event stream's `monitor-alert` (docs/monitors.md). Pure (no
// vscode), so the unit tests call it against a server of their own. A token goes in the
// Authorization header only: never into a URL, an error or a log line.
import type { ResultDocument } from '../engine/api/index';

/** A run as `GET /runs` lists it. */
export interface ServedRun {
  run_id: string;
  pipeline_id: string;
  status: string;
  started_at: string;
  ended_at: string | null;
  trigger?: { kind: string; name?: string } | null;
}

/** A pipeline as `GET /pipelines` lists it. */
export interface ServedPipeline {
  id: string;
  name?: string;
  description?: string;
  /** The file on the serving machine (absolute, or relative to its root). */
  file: string;
}

/** A monitor's window as `GET /monitors` gives it (docs/monitors.md): figures over its last `window`
 * checks; `passed` and `failed` are the judged ones (their pass rate and Wilson interval), `errors`
 * (a judge that hung or failed) are counted apart, `dropped` the checks a full queue let go. */
export interface ServedMonitor {
  pipeline: string;
  monitor: string;
  sample: number;
  window: number;
  min_checks: number;
  /** The pass rate under which it alerts; null: it never alerts. */
  alert_below: number | null;
  checks: number;
  passed: number;
  failed: number;
  errors: number;
  dropped: number;
  /** null: no judged check yet. */
  pass_rate: number | null;
  interval: [number, number] | null;
  alerting: boolean;
  last_alert: { at: string; pass_rate: number; failed_runs: string[] } | null;
}

/** A `monitor-alert` of the server-wide `GET /events` stream: a window's pass rate fell below its
 * monitor's `alert_below`. `window`: the judged checks of the window the rate is over (null when the
 * server did not say). */
export interface MonitorAlert {
  pipeline: string;
  monitor: string;
  pass_rate: number;
  window: number | null;
  failed_runs: string[];
  at: string;
}

/** A refusal or a failure of the endpoint, with its HTTP status (0: no answer at all). */
export class ServedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServedError';
  }
}

/** An endpoint's base URL as typed (`http://host:8420/`), normalised: no trailing slash, no query. */
export function normalizeEndpoint(url: string): string {
  const u = new URL(url.trim());
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${url}: an http:// or https:// address`);
  if (u.username || u.password) throw new Error('give the token separately, not in the address');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export class ServedClient {
  constructor(
    readonly endpoint: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  /** The URL of a path under the endpoint (ids escaped). */
  url(...segments: string[]): string {
    return `${this.endpoint}/${segments.map(encodeURIComponent).join('/')}`;
  }

  private async request<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ServedError(0, `${this.endpoint} does not answer (${cause?.code ?? cause?.message ?? (e as Error).message})`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      const why = res.status === 401 ? 'the token is missing or wrong' : err?.message ?? (text.slice(0, 200) || res.statusText);
      throw new ServedError(res.status, `${method} ${new URL(url).pathname}: ${res.status} ${why}`);
    }
    if (json === undefined) throw new ServedError(res.status, `${method} ${new URL(url).pathname}: the answer is not JSON`);
    return json as T;
  }

  /** The endpoint's runs, newest first, as `GET /runs?limit=N` lists them (rows that are not runs are left out). */
  async runs(limit = 50): Promise<ServedRun[]> {
    const doc = await this.request<{ runs?: unknown }>('GET', `${this.endpoint}/runs?limit=${limit}`);
    return servedRunsOf(doc);
  }

  /** A run's result document so far (`status: running` while it runs). */
  run(runId: string): Promise<ResultDocument> {
    return this.request<ResultDocument>('GET', this.url('runs', runId));
  }

  async pipelines(): Promise<ServedPipeline[]> {
    const doc = await this.request<unknown>('GET', this.url('pipelines'));
    const list = Array.isArray(doc) ? doc : Array.isArray((doc as { pipelines?: unknown })?.pipelines) ? (doc as { pipelines: unknown[] }).pipelines : [];
    return list.filter((p): p is ServedPipeline => Boolean(p) && typeof (p as ServedPipeline).id === 'string' && typeof (p as ServedPipeline).file === 'string');
  }

  openapi(): Promise<unknown> {
    return this.request<unknown>('GET', this.url('openapi.json'));
  }

  async cancel(runId: string): Promise<void> {
    await this.request<unknown>('POST', this.url('runs', runId, 'cancel'));
  }

  /** The URL of a run's event stream (followed with client/sseStream.ts). */
  eventsUrl(runId: string): string {
    return this.url('runs', runId, 'events');
  }

  /** The endpoint's monitors (`GET /monitors`); null from a server that has none (404: older than monitors). */
  async monitors(): Promise<ServedMonitor[] | null> {
    try {
      return servedMonitorsOf(await this.request<unknown>('GET', this.url('monitors')));
    } catch (e) {
      if (e instanceof ServedError && e.status === 404) return null;
      throw e;
    }
  }

  /** The URL of the server-wide event stream (`monitor-alert`, followed with client/sseStream.ts). */
  serverEventsUrl(): string {
    return this.url('events');
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
const rate = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1 ? v : null);
const runIds = (v: unknown) => (Array.isArray(v) ? [...new Set(v.filter(nonEmpty))] : []);

/** The monitors of a `GET /monitors` answer, in the server's order; entries without a pipeline or a
 * name are left out, a figure that is not a number reads as none (0, or null for a rate). */
export function servedMonitorsOf(doc: unknown): ServedMonitor[] {
  const rows = isObj(doc) ? doc.monitors : undefined;
  if (!Array.isArray(rows)) throw new ServedError(200, 'GET /monitors: the answer has no monitors list');
  return rows.filter((r): r is Record<string, unknown> => isObj(r) && nonEmpty(r.pipeline) && nonEmpty(r.monitor)).map((r) => {
    const iv = r.interval;
    const la = r.last_alert;
    const lo = Array.isArray(iv) ? rate(iv[0]) : null;
    const hi = Array.isArray(iv) ? rate(iv[1]) : null;
    return {
      pipeline: r.pipeline as string,
      monitor: r.monitor as string,
      sample: rate(r.sample) ?? 1,
      window: count(r.window),
      min_checks: count(r.min_checks),
      alert_below: rate(r.alert_below),
      checks: count(r.checks),
      passed: count(r.passed),
      failed: count(r.failed),
      errors: count(r.errors),
      dropped: count(r.dropped),
      pass_rate: rate(r.pass_rate),
      interval: lo !== null && hi !== null ? [lo, hi] : null,
      alerting: r.alerting === true,
      last_alert: isObj(la) && nonEmpty(la.at) ? { at: la.at, pass_rate: rate(la.pass_rate) ?? 0, failed_runs: runIds(la.failed_runs) } : null,
    };
  });
}

/** A `monitor-alert` event's data (JSON text, or already parsed); null when it is not one. */
export function monitorAlertOf(data: unknown): MonitorAlert | null {
  let v = data;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (!isObj(v) || !nonEmpty(v.pipeline) || !nonEmpty(v.monitor) || rate(v.pass_rate) === null) return null;
  const w = typeof v.window === 'number' && Number.isFinite(v.window) && v.window > 0 ? Math.floor(v.window) : null;
  return { pipeline: v.pipeline, monitor: v.monitor, pass_rate: rate(v.pass_rate)!, window: w, failed_runs: runIds(v.failed_runs), at: nonEmpty(v.at) ? v.at : '' };
}

/** The runs of a `GET /runs` answer, newest first; rows without an id, a pipeline or a status are left out. */
export function servedRunsOf(doc: unknown): ServedRun[] {
  const rows = (doc as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(rows)) throw new ServedError(200, 'GET /runs: the answer has no runs list');
  const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  return rows
    .filter((r): r is ServedRun => Boolean(r) && str((r as ServedRun).run_id) && str((r as ServedRun).pipeline_id) && str((r as ServedRun).status))
    .map((r) => ({ run_id: r.run_id, pipeline_id: r.pipeline_id, status: r.status, started_at: str(r.started_at) ? r.started_at : '', ended_at: str(r.ended_at) ? r.ended_at : null, ...(r.trigger ? { trigger: r.trigger } : {}) }))
    .sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0));
}

/** How a served run reads in the Runs view: status, start, duration (once ended), what started it. */
export function describeServedRun(r: ServedRun): string {
  const started = r.started_at ? r.started_at.replace('T', ' ').slice(0, 16) : '';
  const t0 = Date.parse(r.started_at);
  const t1 = r.ended_at ? Date.parse(r.ended_at) : NaN;
  const secs = Number.isFinite(t0) && Number.isFinite(t1) && t1 >= t0 ? `${((t1 - t0) / 1000).toFixed(1)} s` : '';
  const trigger = r.trigger ? `${r.trigger.kind}${r.trigger.name ? `: ${r.trigger.name}` : ''}` : '';
  return [r.status, started, secs, trigger].filter(Boolean).join(' · ');
}
