// The web-search tool's backends, each speaking its service's wire protocol: SearXNG's JSON API,
// the Brave Search API and Tavily's search API. Every answer is normalized to a list of hits; every
// refusal becomes a ToolError a user can act on (which variable to set, when to retry). API keys
// are sent only in their header and never appear in a result, an error or a log.
import { sleep } from '../util/longTimer';
import { abortError, ToolError } from '../toolkit/runtime';
import { readCappedText } from './responseBody';
import { setLongTimeout } from '../util/longTimer';

export type BackendName = 'searxng' | 'brave' | 'tavily';
export type SafeSearch = 'off' | 'moderate' | 'strict';
export type TimeRange = 'day' | 'week' | 'month' | 'year';

export interface SearchRequest {
  query: string;
  maxResults: number;
  /** Lower-case language (`en`) and upper-case country (`US`), when a region was given. */
  language: string | null;
  country: string | null;
  safesearch: SafeSearch | null;
  timeRange: TimeRange | null;
}

/** One result as the backend gave it, before ranking. */
export interface SearchHit {
  title: string;
  url: string;
  snippet: string;
  /** The backend's own relevance score in 0..1, when it gives one. */
  score: number | null;
  /** When the page was published, when the backend knows. */
  date: string | null;
}

export interface HttpLimits {
  signal: AbortSignal;
  timeoutMs: number;
  maxBytes: number;
}

export interface SearchBackend {
  name: BackendName;
  /** The service's name in messages. */
  label: string;
  /** The environment variables that configure it; the first one is required. */
  variables: string[];
  /** What the first variable holds, for messages. */
  needs: string;
  configured(env: NodeJS.ProcessEnv): boolean;
  search(req: SearchRequest, env: NodeJS.ProcessEnv, limits: HttpLimits): Promise<SearchHit[]>;
}

/** A 429: the step's retries may try again; the next request to the backend waits out `retryAfterMs`. */
export class RateLimitError extends ToolError {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message, 'RateLimitError');
  }
}

/** Largest wait a rate limit may impose on the next request; a longer one fails the attempt at once. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;

/** Per backend, the time before which no request is sent (set by a 429's retry-after). */
const notBefore = new Map<BackendName, number>();

/** Forgets every rate-limit wait (for tests and long-lived hosts). */
export function resetRateLimits(): void {
  notBefore.clear();
}


async function waitForRateLimit(backend: SearchBackend, signal: AbortSignal): Promise<void> {
  const until = notBefore.get(backend.name);
  if (until === undefined) return;
  const wait = until - Date.now();
  if (wait <= 0) {
    notBefore.delete(backend.name);
    return;
  }
  if (wait > MAX_RATE_LIMIT_WAIT_MS) {
    throw new RateLimitError(`${backend.label} asked for no requests during the next ${Math.ceil(wait / 1000)} s (rate limit); not sending one`, wait);
  }
  if (!(await sleep(wait, signal))) throw abortError(signal);
  notBefore.delete(backend.name);
}

/** `retry-after` in seconds or as an HTTP date, in ms. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** Brave's `X-RateLimit-Reset` lists seconds to each window's reset; the exhausted windows set the wait. */
function braveResetMs(headers: Headers): number | null {
  const reset = (headers.get('x-ratelimit-reset') ?? '').split(',').map((s) => Number(s.trim()));
  const remaining = (headers.get('x-ratelimit-remaining') ?? '').split(',').map((s) => Number(s.trim()));
  let wait: number | null = null;
  reset.forEach((r, i) => {
    if (Number.isFinite(r) && remaining[i] === 0) wait = Math.max(wait ?? 0, r * 1000);
  });
  return wait;
}

/** A URL fit for a message: no credentials, no query string. */
export function displayUrl(u: string): string {
  try {
    const url = new URL(u);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  } catch {
    return '(an invalid URL)';
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'", '#x27': "'" };

/** Text without HTML tags (Brave marks matches with `<strong>`) and with entities decoded. */
export function plainText(s: unknown): string {
  if (typeof s !== 'string') return '';
  return s
    .replace(/<[^>]*>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+|#39|#x27);/gi, (m, e: string) => {
      const named = ENTITIES[e.toLowerCase()];
      if (named !== undefined) return named;
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
      }
      return m;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function scrub(text: string, secret: string | null): string {
  return secret && secret.length > 0 ? text.split(secret).join('[redacted]') : text;
}

/** What an error body says, in a line (Brave: error.detail; Tavily: detail.error; others: text). */
function errorDetail(json: unknown, text: string): string {
  const j = json as { error?: unknown; detail?: unknown; message?: unknown } | null;
  let detail = '';
  if (j && typeof j === 'object') {
    const e = j.error as { detail?: unknown; code?: unknown } | string | undefined;
    const d = j.detail as { error?: unknown } | string | undefined;
    if (e && typeof e === 'object' && typeof e.detail === 'string') detail = typeof e.code === 'string' ? `${e.code}: ${e.detail}` : e.detail;
    else if (d && typeof d === 'object' && typeof d.error === 'string') detail = d.error;
    else if (typeof d === 'string') detail = d;
    else if (typeof e === 'string') detail = e;
    else if (typeof j.message === 'string') detail = j.message;
  }
  if (!detail) detail = plainText(text);
  return detail.length > 300 ? `${detail.slice(0, 300)}...` : detail;
}

interface Call {
  backend: SearchBackend;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** The key sent, so no message can carry it. */
  secret: string | null;
  /** What to say on a 401/403. */
  refused: (status: number, detail: string) => string;
  /** An error body that means a bad key whatever its status (Brave sends 422 SUBSCRIPTION_TOKEN_INVALID too). */
  keyRefused?: (json: unknown) => boolean;
  /** The wait a 429 asks for, beyond `retry-after`. */
  extraRetryAfter?: (headers: Headers) => number | null;
}

/** Sends one request and returns its JSON body, or throws the error a user can act on. */
async function callJson(call: Call, limits: HttpLimits): Promise<unknown> {
  const { backend } = call;
  await waitForRateLimit(backend, limits.signal);
  const where = displayUrl(call.url);
  const timeout = new AbortController();
  const timer = setLongTimeout(() => timeout.abort(), limits.timeoutMs);
  const signal = AbortSignal.any([limits.signal, timeout.signal]);
  let status = 0;
  let headers: Headers | null = null;
  let text = '';
  try {
    const res = await fetch(call.url, { method: call.method, headers: call.headers, body: call.body, signal, redirect: 'follow' });
    status = res.status;
    headers = res.headers;
    text = await readCappedText(res, limits.maxBytes, (declared) => (declared === null ? `${backend.label} sent more than the ${limits.maxBytes} bytes accepted` : `${backend.label} sent ${declared} bytes, more than the ${limits.maxBytes} accepted`));
  } catch (e) {
    if (limits.signal.aborted) throw abortError(limits.signal);
    if (timeout.signal.aborted) throw new ToolError(`${backend.label} did not answer within ${limits.timeoutMs / 1000} s (${where})`, 'TimeoutError');
    if (e instanceof ToolError) throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ToolError(scrub(`Could not reach ${backend.label} at ${where}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, call.secret), 'ConnectionError');
  } finally {
    timer.clear();
  }
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (status >= 200 && status < 300) {
    if (json === undefined || json === null || typeof json !== 'object') {
      throw new ToolError(`${backend.label} answered with something other than JSON (${where}): ${scrub(plainText(text).slice(0, 200), call.secret)}`, 'ResponseError');
    }
    return json;
  }
  const detail = scrub(errorDetail(json, text), call.secret);
  if (status === 401 || status === 403 || (call.keyRefused && call.keyRefused(json))) throw new ToolError(scrub(call.refused(status, detail), call.secret), 'ConfigurationError');
  if (status === 429) {
    const wait = parseRetryAfter(headers?.get('retry-after') ?? null) ?? (headers && call.extraRetryAfter ? call.extraRetryAfter(headers) : null);
    if (wait !== null) notBefore.set(backend.name, Date.now() + wait);
    const when = wait !== null ? `; it allows another request in ${Math.max(1, Math.ceil(wait / 1000))} s` : '';
    throw new RateLimitError(`${backend.label} is rate limiting requests (HTTP 429${detail ? `: ${detail}` : ''})${when}`, wait);
  }
  if (status >= 500) throw new ToolError(`${backend.label} answered HTTP ${status}${detail ? `: ${detail}` : ''}`, 'ServerError');
  throw new ToolError(`${backend.label} rejected the request (HTTP ${status}${detail ? `: ${detail}` : ''})`, 'ValueError');
}

function env1(env: NodeJS.ProcessEnv, name: string): string {
  return (env[name] ?? '').trim();
}

/** A base URL from the environment, without a trailing slash; a bad one is a configuration error. */
function baseUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env1(env, name) || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ToolError(`${name} must be an http(s) URL, got ${JSON.stringify(displayUrl(raw))}`, 'ConfigurationError');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ToolError(`${name} must be an http(s) URL, got ${JSON.stringify(displayUrl(raw))}`, 'ConfigurationError');
  return raw.replace(/\/+$/, '');
}

/** An instance behind HTTP basic auth is given as `https://user:password@host`: fetch wants the header. */
function withoutCredentials(raw: string): { base: string; authorization: string | null; password: string | null } {
  const url = new URL(raw);
  if (!url.username && !url.password) return { base: raw, authorization: null, password: null };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { base: url.toString().replace(/\/+$/, ''), authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, password: password || null };
}

const SEARXNG_SAFE: Record<SafeSearch, string> = { off: '0', moderate: '1', strict: '2' };
/** SearXNG answers one page per request; a search reads at most this many pages. */
const SEARXNG_MAX_PAGES = 5;

export const searxngBackend: SearchBackend = {
  name: 'searxng',
  label: 'SearXNG',
  variables: ['ORC_SEARXNG_URL'],
  needs: 'the URL of a SearXNG instance whose settings allow the json format',
  configured: (env) => env1(env, 'ORC_SEARXNG_URL') !== '',
  async search(req, env, limits) {
    const { base, authorization, password } = withoutCredentials(baseUrl(env, 'ORC_SEARXNG_URL', ''));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authorization) headers.authorization = authorization;
    const hits: SearchHit[] = [];
    const seen = new Set<string>();
    for (let page = 1; page <= SEARXNG_MAX_PAGES && hits.length < req.maxResults; page++) {
      const q = new URLSearchParams({ q: req.query, format: 'json' });
      if (page > 1) q.set('pageno', String(page));
      if (req.language) q.set('language', req.country ? `${req.language}-${req.country}` : req.language);
      if (req.safesearch) q.set('safesearch', SEARXNG_SAFE[req.safesearch]);
      if (req.timeRange) q.set('time_range', req.timeRange);
      const body = (await callJson(
        {
          backend: searxngBackend,
          url: `${base}/search?${q.toString()}`,
          method: 'GET',
          headers,
          secret: password,
          refused: (status, detail) =>
            status === 401
              ? `SearXNG at ${displayUrl(base)} asks for credentials (HTTP 401${detail ? `: ${detail}` : ''}): give them in ORC_SEARXNG_URL as https://user:password@host`
              : `SearXNG at ${displayUrl(base)} refused the request (HTTP ${status}${detail ? `: ${detail}` : ''}): its settings.yml must list json in search.formats, and ORC_SEARXNG_URL must name an instance you may use`,
        },
        limits,
      )) as { results?: unknown };
      const items = Array.isArray(body.results) ? body.results : [];
      let added = 0;
      for (const it of items as Record<string, unknown>[]) {
        const url = str(it?.url);
        if (!url || seen.has(url)) continue;
        seen.add(url);
        added++;
        hits.push({ title: plainText(it.title), url, snippet: plainText(it.content), score: null, date: str(it.publishedDate) || null });
      }
      if (added === 0) break;
    }
    return hits;
  },
};

const BRAVE_FRESHNESS: Record<TimeRange, string> = { day: 'pd', week: 'pw', month: 'pm', year: 'py' };
/** Brave's largest `count`. */
export const BRAVE_MAX_COUNT = 20;

export const braveBackend: SearchBackend = {
  name: 'brave',
  label: 'Brave Search',
  variables: ['BRAVE_API_KEY', 'BRAVE_SEARCH_BASE_URL'],
  needs: 'a Brave Search API subscription token',
  configured: (env) => env1(env, 'BRAVE_API_KEY') !== '',
  async search(req, env, limits) {
    const key = env1(env, 'BRAVE_API_KEY');
    const base = baseUrl(env, 'BRAVE_SEARCH_BASE_URL', 'https://api.search.brave.com');
    const q = new URLSearchParams({ q: req.query, count: String(Math.min(req.maxResults, BRAVE_MAX_COUNT)) });
    if (req.country) q.set('country', req.country);
    if (req.language) q.set('search_lang', req.language);
    if (req.safesearch) q.set('safesearch', req.safesearch);
    if (req.timeRange) q.set('freshness', BRAVE_FRESHNESS[req.timeRange]);
    const body = (await callJson(
      {
        backend: braveBackend,
        url: `${base}/res/v1/web/search?${q.toString()}`,
        method: 'GET',
        headers: { accept: 'application/json', 'x-subscription-token': key },
        secret: key,
        refused: (status, detail) => `Brave Search refused the API key (HTTP ${status}${detail ? `: ${detail}` : ''}): set BRAVE_API_KEY to a valid Brave Search API subscription token`,
        keyRefused: (json) => /^SUBSCRIPTION_TOKEN_INVALID$/.test(String((json as { error?: { code?: unknown } } | null)?.error?.code ?? '')),
        extraRetryAfter: braveResetMs,
      },
      limits,
    )) as { web?: { results?: unknown } };
    const items = Array.isArray(body.web?.results) ? (body.web.results as Record<string, unknown>[]) : [];
    return items
      .filter((it) => str(it?.url) !== '')
      .map((it) => ({ title: plainText(it.title), url: str(it.url), snippet: plainText(it.description), score: null, date: str(it.page_age) || null }));
  },
};

/** Tavily's largest `max_results`. */
export const TAVILY_MAX_RESULTS = 20;

export const tavilyBackend: SearchBackend = {
  name: 'tavily',
  label: 'Tavily',
  variables: ['TAVILY_API_KEY', 'TAVILY_BASE_URL'],
  needs: 'a Tavily API key (tvly-...)',
  configured: (env) => env1(env, 'TAVILY_API_KEY') !== '',
  async search(req, env, limits) {
    const key = env1(env, 'TAVILY_API_KEY');
    const base = baseUrl(env, 'TAVILY_BASE_URL', 'https://api.tavily.com');
    const payload: Record<string, unknown> = {
      query: req.query,
      max_results: Math.min(req.maxResults, TAVILY_MAX_RESULTS),
      search_depth: 'basic',
      topic: 'general',
      include_answer: false,
      include_raw_content: false,
      include_images: false,
    };
    if (req.timeRange) payload.time_range = req.timeRange;
    const body = (await callJson(
      {
        backend: tavilyBackend,
        url: `${base}/search`,
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(payload),
        secret: key,
        refused: (status, detail) => `Tavily refused the API key (HTTP ${status}${detail ? `: ${detail}` : ''}): set TAVILY_API_KEY to a valid Tavily API key`,
      },
      limits,
    )) as { results?: unknown };
    const items = Array.isArray(body.results) ? (body.results as Record<string, unknown>[]) : [];
    return items
      .filter((it) => str(it?.url) !== '')
      .map((it) => ({
        title: plainText(it.title),
        url: str(it.url),
        snippet: plainText(it.content),
        score: typeof it.score === 'number' && it.score >= 0 && it.score <= 1 ? it.score : null,
        date: str(it.published_date) || null,
      }));
  },
};

/** In the order the default choice tries them. */
export const SEARCH_BACKENDS: SearchBackend[] = [searxngBackend, braveBackend, tavilyBackend];

/** ContextLab's backend names, which have no backend here: they mean the default one. */
export const DEFAULT_BACKEND_ALIASES = ['auto', 'duckduckgo', 'bing', 'google'];

function allVariables(): string {
  return 'ORC_SEARXNG_URL (a SearXNG instance), BRAVE_API_KEY (Brave Search) or TAVILY_API_KEY (Tavily)';
}

/** The backend a search uses: the parameter's, else ORC_SEARCH_BACKEND's, else the first configured. */
export function chooseBackend(requested: string | null, env: NodeJS.ProcessEnv): SearchBackend {
  const names = SEARCH_BACKENDS.map((b) => b.name);
  let name = requested && !DEFAULT_BACKEND_ALIASES.includes(requested) ? requested : null;
  if (name !== null && !names.includes(name as BackendName)) {
    throw new ToolError(`'backend' must be one of ${names.join(', ')} (or ${DEFAULT_BACKEND_ALIASES.join(', ')} for the default), got ${JSON.stringify(requested)}`, 'ValueError');
  }
  if (name === null) {
    const fromEnv = env1(env, 'ORC_SEARCH_BACKEND').toLowerCase();
    if (fromEnv && !DEFAULT_BACKEND_ALIASES.includes(fromEnv)) {
      if (!names.includes(fromEnv as BackendName)) throw new ToolError(`ORC_SEARCH_BACKEND must be one of ${names.join(', ')}, got ${JSON.stringify(fromEnv)}`, 'ConfigurationError');
      name = fromEnv;
    }
  }
  if (name !== null) {
    const backend = SEARCH_BACKENDS.find((b) => b.name === name)!;
    if (!backend.configured(env)) throw new ToolError(`The ${backend.name} search backend needs ${backend.variables[0]}: set it to ${backend.needs}`, 'ConfigurationError');
    return backend;
  }
  const first = SEARCH_BACKENDS.find((b) => b.configured(env));
  if (!first) throw new ToolError(`No web search backend is configured: set ${allVariables()}`, 'ConfigurationError');
  return first;
}
