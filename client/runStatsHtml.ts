// The Run Statistics page: what `orc stats` prints, as static tables (no script), themed with VS
// Code's variables, a strict CSP. Per pipeline its runs by status, success rate, p50/p95 duration,
// cost and tokens, its steps and days; then the slowest, most expensive and flakiest steps.
import { figureDistribution, figureMs, figureRate, figureTokens, figureUsd, type PipelineStats, type RankedStep, type RunStats } from '../engine/api/index';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function table(testid: string, head: string[], rows: string[][]): string {
  if (!rows.length) return '';
  const tr = (cells: string[]) => `<tr>${cells.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`;
  return `<table data-testid="${esc(testid)}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map(tr).join('')}</tbody></table>`;
}

function pipeline(p: PipelineStats): string {
  return `<section data-pipeline-id="${esc(p.pipeline_id)}">
<h2>${esc(p.pipeline_id)}</h2>
<p data-testid="pipeline-figures">${p.runs} run${p.runs === 1 ? '' : 's'} (${p.completed} completed, ${p.failed} failed, ${p.cancelled} cancelled) · success <b>${figureRate(p.success_rate)}</b> · duration ${figureDistribution(p.duration_ms)} · cost ${figureUsd(p.cost_usd)} · tokens ${figureTokens(p.tokens_in, p.tokens_out)}</p>
${table('steps', ['step', 'runs', 'success', 'p50', 'p95', 'retries', 'failed', 'cost', 'tokens'], p.steps.map((t) => [t.step, String(t.runs), figureRate(t.success_rate), figureMs(t.duration_ms.p50), figureMs(t.duration_ms.p95), String(t.retries), String(t.failed), figureUsd(t.cost_usd), figureTokens(t.tokens_in, t.tokens_out)]))}
${table('days', ['day (UTC)', 'runs', 'success', 'cost', 'tokens'], p.days.map((d) => [d.day, String(d.runs), figureRate(d.runs ? d.completed / d.runs : null), figureUsd(d.cost_usd), figureTokens(d.tokens_in, d.tokens_out)]))}
</section>`;
}

function ranking(testid: string, title: string, list: RankedStep[], show: (v: number) => string): string {
  return `<h3>${esc(title)}</h3>${list.length ? table(testid, ['pipeline › step', 'value'], list.map((r) => [`${r.pipeline_id} › ${r.step}`, show(r.value)])) : `<p class="none" data-testid="${esc(testid)}">none</p>`}`;
}

export function runStatsHtml(s: RunStats, title: string, o: { nonce: string; cspSource: string }): string {
  const csp = `default-src 'none'; style-src 'nonce-${o.nonce}'; img-src ${o.cspSource} data:`;
  const head = `${s.runs} finished run${s.runs === 1 ? '' : 's'} of ${s.pipelines.length} pipeline${s.pipelines.length === 1 ? '' : 's'}${s.unreadable ? ` (${s.unreadable} unreadable record${s.unreadable === 1 ? '' : 's'} left out)` : ''}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<title>${esc(title)}</title>
<style nonce="${esc(o.nonce)}">
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px); padding: 8px 16px; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid var(--vscode-panel-border, #8884); }
td { font-variant-numeric: tabular-nums; }
thead th { color: var(--vscode-descriptionForeground); font-weight: normal; }
h2 { margin: 16px 0 4px; font-size: 1.2em; }
h3 { margin: 12px 0 2px; font-size: 1em; }
.summary, .none { color: var(--vscode-descriptionForeground); }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="summary" data-testid="stats-summary">${esc(head)}</p>
${s.pipelines.map(pipeline).join('\n')}
${s.pipelines.length ? `${ranking('slowest', 'Slowest steps (p95 duration)', s.slowest, figureMs)}${ranking('most-expensive', 'Most expensive steps (total cost)', s.most_expensive, figureUsd)}${ranking('flakiest', 'Flakiest steps (retries + failures)', s.flakiest, String)}` : ''}
</body>
</html>`;
}
