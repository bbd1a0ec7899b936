// `orc stats [FILE|--all] [--since 7d] [--json]`: figures over the finished runs in .orchestrator/runs:
// per pipeline its success rate, p50/p95 duration, cost and tokens by day and per step, and the
// slowest, most expensive and flakiest steps.
import { existsSync, readFileSync } from 'node:fs';
import { analyze, figureDistribution as dist, figureMs as ms, figureRate as pct, figureTokens as tokens, figureUsd as usd, findRunsRoot, parseSince, type RankedStep, runStats, type RunStats } from '../api/index';
import { paint, type Style } from './findingFormat';
import { UsageError, withoutBom } from './input';

export interface StatsOptions {
  file: string | null;
  all: boolean;
  since: string | null;
  json: boolean;
  style: Style;
  /** The time `--since` counts back from (default: now). */
  now?: Date;
}


function table(style: Style, head: string[], rows: string[][], indent = '  '): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => indent + cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [paint(style, 'bold', line(head)), ...rows.map(line)];
}

function ranking(style: Style, title: string, list: RankedStep[], show: (v: number) => string): string[] {
  if (!list.length) return [`${title}: none`];
  return [`${title}:`, ...table(style, ['PIPELINE › STEP', 'VALUE'], list.map((r) => [`${r.pipeline_id} › ${r.step}`, show(r.value)]))];
}

/** The figures as text. */
export function formatStats(s: RunStats, style: Style): string {
  const lines: string[] = [];
  const scope = s.since ? ` since ${s.since.replace('T', ' ').slice(0, 16)} UTC` : '';
  lines.push(`${s.runs} finished run${s.runs === 1 ? '' : 's'} of ${s.pipelines.length} pipeline${s.pipelines.length === 1 ? '' : 's'}${scope}${s.unreadable ? ` (${s.unreadable} unreadable record${s.unreadable === 1 ? '' : 's'} left out)` : ''}`);
  for (const p of s.pipelines) {
    lines.push('');
    lines.push(paint(style, 'bold', `${p.pipeline_id}: ${p.runs} run${p.runs === 1 ? '' : 's'} (${p.completed} completed, ${p.failed} failed, ${p.cancelled} cancelled), success ${pct(p.success_rate)}`));
    lines.push(`  duration ${dist(p.duration_ms)}; cost ${usd(p.cost_usd)}; tokens ${tokens(p.tokens_in, p.tokens_out)}`);
    lines.push(...table(style, ['STEP', 'RUNS', 'SUCCESS', 'P50', 'P95', 'RETRIES', 'FAILED', 'COST', 'TOKENS'], p.steps.map((t) => [t.step, String(t.runs), pct(t.success_rate), ms(t.duration_ms.p50), ms(t.duration_ms.p95), String(t.retries), String(t.failed), usd(t.cost_usd), tokens(t.tokens_in, t.tokens_out)])));
    lines.push(...table(style, ['DAY (UTC)', 'RUNS', 'SUCCESS', 'COST', 'TOKENS'], p.days.map((d) => [d.day, String(d.runs), pct(d.runs ? d.completed / d.runs : null), usd(d.cost_usd), tokens(d.tokens_in, d.tokens_out)])));
  }
  if (s.pipelines.length) {
    lines.push('');
    lines.push(...ranking(style, 'slowest steps (p95 duration)', s.slowest, ms));
    lines.push(...ranking(style, 'most expensive steps (total cost)', s.most_expensive, usd));
    lines.push(...ranking(style, 'flakiest steps (retries + failures)', s.flakiest, String));
  }
  return lines.join('\n');
}

/** The pipeline id of FILE (its `id:`), or a usage error. */
function pipelineIdOf(file: string): string {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const id = analyze(withoutBom(readFileSync(file, 'utf8'))).pipeline?.id;
  if (!id) throw new UsageError(`${file} is not a pipeline that compiles: run 'orc validate ${file}'`);
  return id;
}

export function statsCommand(o: StatsOptions, out: (s: string) => void, err: (s: string) => void = () => undefined): number {
  if (o.file && o.all) throw new UsageError("'orc stats' takes a pipeline file or --all, not both");
  let since: Date | undefined;
  if (o.since !== null) {
    const span = parseSince(o.since);
    if (span === null) throw new UsageError(`--since takes a duration like 30m, 12h, 7d or 2w, not '${o.since}'`);
    since = new Date((o.now ?? new Date()).getTime() - span);
  }
  const pipelineId = o.file ? pipelineIdOf(o.file) : undefined;
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  if (root !== process.cwd()) err(`using ${root}/.orchestrator/`);
  const stats = runStats(root, { pipelineId, since });
  out(o.json ? JSON.stringify(stats, null, 2) : formatStats(stats, o.style));
  return 0;
}
