// The web-search tool: ContextLab's `web-search` `search` action over a pluggable backend
// (SearXNG, Brave Search, Tavily; see searchBackends.ts), with ContextLab's result shape.
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { ToolError } from '../toolkit/runtime';
import type { SafeSearch, SearchHit, SearchRequest, TimeRange } from './searchBackends';
import { chooseBackend } from './searchBackends';
import { webSearchSpec } from '../toolkit/specs/webSearch';

const DEFAULT_MAX_RESULTS = 10;
const MAX_RESULTS_LIMIT = 100;
const DEFAULT_TIMEOUT_S = 30;
/** Largest answer read from a backend. */
const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

export interface WebSearchResult {
  title: string;
  url: string;
  snippet: string;
  source: string;
  relevance: number;
  date: string | null;
  rank: number;
}

/** An integer parameter that templates may have rendered as text ("5"). */
function integerParam(v: unknown, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ToolError(`'${name}' must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`, 'ValueError');
  }
  return n;
}

function numberParam(v: unknown, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
    throw new ToolError(`'${name}' must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`, 'ValueError');
  }
  return n;
}

function booleanParam(v: unknown, name: string, fallback: boolean): boolean {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw new ToolError(`'${name}' must be true or false, got ${JSON.stringify(v)}`, 'ValueError');
}

function choiceParam<T extends string>(v: unknown, name: string, choices: readonly T[]): T | null {
  if (v === undefined || v === null || v === '') return null;
  const s = typeof v === 'string' ? v.trim().toLowerCase() : v;
  if (typeof s !== 'string' || !choices.includes(s as T)) throw new ToolError(`'${name}' must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`, 'ValueError');
  return s as T;
}

/**
 * A region as ContextLab writes it (`us-en`: country then language, lower case; `wt-wt` for none)
 * or as BCP 47 (`en-US`), or a language (`en`) or a country (`US`) alone.
 */
export function parseRegion(v: unknown): { language: string | null; country: string | null } {
  const none = { language: null, country: null };
  if (v === undefined || v === null || v === '') return none;
  const s = typeof v === 'string' ? v.trim() : '';
  const fix = (c: string): string => (c.toUpperCase() === 'UK' ? 'GB' : c.toUpperCase());
  let m: RegExpMatchArray | null;
  if (/^(wt-wt|all)$/i.test(s)) return none;
  if ((m = s.match(/^([a-z]{2})-([a-z]{2})$/))) return { country: fix(m[1]), language: m[2] };
  if ((m = s.match(/^([a-zA-Z]{2,3})[-_]([A-Z]{2})$/))) return { language: m[1].toLowerCase(), country: fix(m[2]) };
  if (/^[a-z]{2,3}$/.test(s)) return { language: s, country: null };
  if (/^[A-Z]{2}$/.test(s)) return { language: null, country: fix(s) };
  throw new ToolError(`'region' must look like us-en (country-language), en-US or en, got ${JSON.stringify(v)}`, 'ValueError');
}

/** Deduplicates, ranks and scores the hits: ContextLab's `{title, url, snippet, source, relevance, date, rank}`. */
export function normalizeHits(hits: SearchHit[], source: string, opts: { maxResults: number; filterDuplicates: boolean; qualityThreshold: number }): WebSearchResult[] {
  const seen = new Set<string>();
  const kept = opts.filterDuplicates
    ? hits.filter((h) => {
        const k = h.url.replace(/#.*$/, '').replace(/\/+$/, '');
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      })
    : hits.slice();
  const top = kept.slice(0, opts.maxResults);
  // the backend's score when it gives one in 0..1 (Tavily), else by position: 1 for the first, down towards 0
  const scored = top.map((h, i) => ({ h, relevance: h.score ?? Math.round((1 - i / top.length) * 100) / 100 }));
  return scored
    .filter((s) => s.relevance >= opts.qualityThreshold)
    .map((s, i) => ({ title: s.h.title, url: s.h.url, snippet: s.h.snippet, source, relevance: s.relevance, date: s.h.date, rank: i + 1 }));
}

async function search(p: Record<string, unknown>, ctx: ToolContext, env: NodeJS.ProcessEnv): Promise<ToolOutcome> {
  if (typeof p.query !== 'string' || p.query.trim() === '') throw new ToolError(`'query' must be a non-empty text, got ${JSON.stringify(p.query ?? null)}`, 'ValueError');
  const query = p.query.trim();
  const maxResults = integerParam(p.max_results, 'max_results', DEFAULT_MAX_RESULTS, 1, MAX_RESULTS_LIMIT);
  const timeoutS = numberParam(p.timeout, 'timeout', DEFAULT_TIMEOUT_S, 0.001, 3600);
  const qualityThreshold = numberParam(p.quality_threshold, 'quality_threshold', 0, 0, 1);
  const filterDuplicates = booleanParam(p.filter_duplicates, 'filter_duplicates', true);
  const req: SearchRequest = {
    query,
    maxResults,
    ...parseRegion(p.region),
    safesearch: choiceParam<SafeSearch>(p.safesearch, 'safesearch', ['off', 'moderate', 'strict']),
    timeRange: choiceParam<TimeRange>(p.time_range, 'time_range', ['day', 'week', 'month', 'year']),
  };
  const requested = p.backend === undefined || p.backend === null || p.backend === '' ? null : typeof p.backend === 'string' ? p.backend.trim().toLowerCase() : String(p.backend);
  const backend = chooseBackend(requested, env);
  const started = Date.now();
  const timestamp = new Date(started).toISOString();
  const hits = await backend.search(req, env, { signal: ctx.signal, timeoutMs: timeoutS * 1000, maxBytes: MAX_RESPONSE_BYTES });
  const results = normalizeHits(hits, backend.name, { maxResults, filterDuplicates, qualityThreshold });
  return {
    success: true,
    result: { query, results, total_results: results.length, search_time: (Date.now() - started) / 1000, backend: backend.name, timestamp },
  };
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (action === 'search') return search(p, ctx, process.env);
  throw new ToolError(`web-search has no action '${action}'`, 'ValueError');
}

export const webSearchTool: ToolDefinition = { spec: webSearchSpec, run, concurrency: 4 };
