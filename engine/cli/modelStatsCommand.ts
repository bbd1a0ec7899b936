// `orc models --stats [--json]`: per model, from the run records of this workspace (the nearest
// folder up holding `.orchestrator/`): calls, latency p50/p95, error rate, tokens per second, cost per call.
import { findRunsRoot, modelStats, readRunRecords } from '../api/index';
import { paint, type Style } from './findingFormat';

export function modelStatsCommand(json: boolean, style: Style, out: (s: string) => void, cwd = process.cwd()): number {
  const root = findRunsRoot(cwd);
  const docs = root ? readRunRecords(root) : [];
  const stats = modelStats(docs);
  if (json) {
    out(JSON.stringify({ runs: docs.length, models: stats }, null, 2));
    return 0;
  }
  if (!stats.length) {
    out(root ? `no model calls in the ${docs.length} run record${docs.length === 1 ? '' : 's'} under ${root}/.orchestrator/runs` : 'no run records here (no .orchestrator/ in this folder or above)');
    return 0;
  }
  const ms = (n: number | null) => (n === null ? '–' : n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`);
  const head = ['MODEL', 'CALLS', 'ERRORS', 'P50', 'P95', 'TOK/S', '$/CALL'];
  const rows = stats.map((s) => [s.model, String(s.calls), `${(s.error_rate * 100).toFixed(1)} %`, ms(s.latency_p50_ms), ms(s.latency_p95_ms), s.tokens_per_second === null ? '–' : s.tokens_per_second.toFixed(1), s.cost_per_call_usd === null ? '–' : s.cost_per_call_usd.toFixed(6)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  out(paint(style, 'bold', head.map((h, i) => h.padEnd(widths[i])).join('  ').trimEnd()));
  for (const r of rows) out(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
  out('');
  out(`from ${docs.length} run record${docs.length === 1 ? '' : 's'} under ${root}/.orchestrator/runs`);
  return 0;
}
