// The Compare Runs page: a static table (no script), themed with VS Code's variables, a strict CSP.
// A row per step: each run's status, duration and cost; a changed step is marked (data-changed) and
// shows both results side by side.
import type { ComparedSide, ComparedStep } from './runRecords';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const secs = (ms: number | null) => (ms === null ? '–' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`);
const usd = (x: number) => (x === 0 ? '$0' : `$${x.toFixed(x < 0.01 ? 6 : 4)}`);
const pretty = (v: unknown) => esc(JSON.stringify(v, null, 2) ?? 'null');

function cells(s: ComparedSide | null): string {
  if (!s) return '<td class="absent" colspan="3">not in this run</td>';
  return `<td data-status="${esc(s.status)}">${esc(s.status)}</td><td>${secs(s.duration_ms)}</td><td>${usd(s.cost_usd)}</td>`;
}

export interface CompareTitles {
  a: string;
  b: string;
}

export function compareHtml(rows: ComparedStep[], titles: CompareTitles, o: { nonce: string; cspSource: string }): string {
  const csp = `default-src 'none'; style-src 'nonce-${o.nonce}'; img-src ${o.cspSource} data:`;
  const body = rows
    .map((r) => {
      const diff = r.changed ? `<tr class="diff"><td></td><td colspan="3"><pre>${pretty(r.a?.result)}</pre></td><td colspan="3"><pre>${pretty(r.b?.result)}</pre></td></tr>` : '';
      return `<tr data-step-id="${esc(r.step)}" data-changed="${r.changed}"><th scope="row">${esc(r.step)}${r.changed ? ' <span class="badge">changed</span>' : ''}</th>${cells(r.a)}${cells(r.b)}</tr>${diff}`;
    })
    .join('\n');
  const changed = rows.filter((r) => r.changed).length;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<title>Compare runs</title>
<style nonce="${esc(o.nonce)}">
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px); padding: 8px 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--vscode-panel-border, #8884); vertical-align: top; }
thead th { position: sticky; top: 0; background: var(--vscode-editor-background); }
tr[data-changed="true"] th { color: var(--vscode-editorWarning-foreground); }
.badge { font-size: 0.85em; border: 1px solid currentColor; border-radius: 8px; padding: 0 6px; }
td[data-status="failed"], td[data-status="reported failure"] { color: var(--vscode-errorForeground); }
td.absent { color: var(--vscode-descriptionForeground); font-style: italic; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-family: var(--vscode-editor-font-family); max-height: 20em; overflow: auto; }
.summary { color: var(--vscode-descriptionForeground); }
</style>
</head>
<body>
<h2>${esc(titles.a)} ↔ ${esc(titles.b)}</h2>
<p class="summary" data-testid="compare-summary">${rows.length} step${rows.length === 1 ? '' : 's'}, ${changed} changed</p>
<table data-testid="compare">
<thead><tr><th>step</th><th colspan="3">${esc(titles.a)}</th><th colspan="3">${esc(titles.b)}</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>`;
}
