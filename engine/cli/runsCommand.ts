// `orc runs [--json]`: past runs in .orchestrator/, newest first.
import { findRunsRoot, isEmptyRunFolder, listRuns, runsDir } from '../api/index';
import { paint, type Style } from './findingFormat';

export function runsCommand(json: boolean, style: Style, out: (s: string) => void, err: (s: string) => void = () => undefined): number {
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  if (root !== process.cwd()) err(`using ${root}/.orchestrator/`);
  const runs = listRuns(root);
  if (json) {
    out(JSON.stringify(runs, null, 2));
    return 0;
  }
  if (!runs.length) {
    out('no runs yet in .orchestrator/runs');
    return 0;
  }
  const rows = runs.map((r) =>
    'error' in r
      ? isEmptyRunFolder(runsDir(root), r.execution_id)
        ? [r.execution_id, '?', 'not started', '', '', '', 'stopped before its first record; nothing to resume']
        : [r.execution_id, '?', 'unreadable', '', '', '', r.error]
      : [r.execution_id, r.pipeline_id, r.status, r.started_at.replace('T', ' ').slice(0, 19), `${(r.duration_ms / 1000).toFixed(1)} s`, `${r.steps_completed}${r.steps_total !== null ? `/${r.steps_total}` : ''}`, r.cost_usd ? `$${r.cost_usd.toFixed(4)}` : ''],
  );
  const head = ['RUN', 'PIPELINE', 'STATUS', 'STARTED (UTC)', 'DURATION', 'STEPS', 'COST'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  out(paint(style, 'bold', head.map((h, i) => h.padEnd(widths[i])).join('  ').trimEnd()));
  for (const r of rows) out(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  return 0;
}
