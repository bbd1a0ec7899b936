// `orc report RUN_ID [--json]`: the bottleneck report of a finished run (engine/run/report.ts), from
// its record in .orchestrator/ (its folder in runs/, or its line in an eval's pack; this folder or the nearest parent that has one).
import { existsSync, readFileSync } from 'node:fs';
import { analyze, buildReport, CheckpointError, findRunsRoot, hasErrors, loadCheckpoint, planShape, readRunResult, runIds, type ResultDocument, type RunReport, sha256 } from '../api/index';
import { paint, type Style } from './findingFormat';
import { printAgents } from './agentReportText';
import { printGuards } from './guardReportText';
import { stripControls } from './terminalText';

function readResult(root: string, runId: string): ResultDocument | null {
  const doc = readRunResult(root, runId);
  return typeof doc === 'string' ? null : doc;
}

/** The top-level dependencies of the pipeline file as it is now, if it is still the one that ran. */
function dependenciesOf(file: string, sha: string): { deps: Map<string, string[]>; widest: number } | null {
  if (!file || !existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  if (sha256(text) !== sha) return null;
  const a = analyze(text);
  if (!a.plan || hasErrors(a.findings)) return null;
  return planShape(a.plan);
}

export function reportCommand(runId: string, json: boolean, style: Style, out: (s: string) => void, err: (s: string) => void): number {
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  let checkpoint;
  try {
    checkpoint = loadCheckpoint(root, runId, { journal: false });
  } catch (e) {
    if (e instanceof CheckpointError) {
      err(`orc report: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const doc = readResult(root, runId);
  if (!doc && readRunResult(root, runId) === 'unreadable') {
    err(`orc report: the result document of run ${runId} (result.json) is damaged: it is not a result document`);
    return 2;
  }
  if (!doc) {
    err(`orc report: run ${runId} has not finished (status ${checkpoint.status}); 'orc resume ${runId}' finishes it`);
    return 2;
  }
  const plan = dependenciesOf(checkpoint.pipeline_file, checkpoint.pipeline_sha256);
  const history = runIds(root)
    .filter((id) => id !== runId)
    .map((id) => readResult(root, id))
    .filter((d): d is ResultDocument => d !== null && d.pipeline_id === doc.pipeline_id && d.status === 'completed');
  const report = buildReport({ doc, deps: plan?.deps ?? null, maxParallel: checkpoint.max_parallel, widestLevel: plan?.widest ?? Math.max(1, ...doc.execution_levels.map((l) => l.length)), history });
  if (json) out(JSON.stringify(report, null, 2));
  else printReport(report, style, out);
  return 0;
}

const secs = (x: number | null): string => (x === null ? '–' : `${(x / 1000).toFixed(2)} s`);
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

function table(head: string[], rows: string[][], style: Style, out: (s: string) => void): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  out(paint(style, 'bold', `  ${head.map((h, i) => h.padEnd(widths[i])).join('  ')}`.trimEnd()));
  for (const r of rows) out(`  ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd());
}

export function printReport(report: RunReport, style: Style, out: (s: string) => void): void {
  // every text of the report may quote a run's record (ids from the file, tool names an MCP server
  // gave, agents' text): no control sequence of theirs reaches the terminal (--json keeps it whole)
  const r = JSON.parse(JSON.stringify(report), (_k, v: unknown) => (typeof v === 'string' ? stripControls(v) : v)) as RunReport;
  const p = r.parallelism;
  out(paint(style, 'bold', `Run ${r.execution_id} of ${r.pipeline_id}: ${r.status} in ${secs(r.makespan_ms)}`));
  if (r.debugger_held_ms) out(`a debugger held the run for ${secs(r.debugger_held_ms)}: left out of the makespan, the critical path and the running times`);
  out(`max_parallel ${p.max_parallel}; at most ${p.peak} step${p.peak === 1 ? '' : 's'} at once, ${p.average} on average; ${pct(p.idle_share)} of the usable slots idle`);
  out('');
  out(paint(style, 'bold', `Critical path (as it ran${r.basis === 'timing' ? ', by timing: the pipeline file changed since' : ''}): ${r.critical_path.map((s) => s.step).join(' → ') || 'none'}`));
  table(['STEP', 'SPAN', 'SHARE'], r.critical_path.map((s) => [s.step, secs(s.span_ms), pct(s.share)]), style, out);
  out('');
  out(paint(style, 'bold', 'Steps'));
  table(
    ['STEP', 'STATUS', 'DURATION', 'SHARE', 'QUEUED', 'RATE LIMIT', 'RUNNING', 'ATTEMPTS', 'RETRY TIME', 'COST', 'CRITICAL'],
    r.steps.map((s) => [s.step, s.status, secs(s.duration_ms), pct(s.share), secs(s.queued_ms), secs(s.rate_limit_wait_ms), secs(s.running_ms), String(s.attempts), secs(s.retry_ms), s.cost_usd ? `$${s.cost_usd.toFixed(4)}` : '–', s.critical_in_runs ? `${s.critical_in_runs.runs}/${s.critical_in_runs.of} runs` : s.on_critical_path ? 'yes' : '']),
    style,
    out,
  );
  if (r.agents?.length) {
    out('');
    printAgents(r.agents, style, out);
  }
  if (r.guards) printGuards(r.guards, style, out);
  out('');
  out(paint(style, 'bold', 'Suggestions'));
  if (!r.suggestions.length) out('  none: no step waited for a slot or a rate limit, none retried, and no single step dominates');
  for (const s of r.suggestions) out(`  - ${s}`);
}
