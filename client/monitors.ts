// How a served endpoint's monitors read in the editor (docs/monitors.md, "In the editor"), pure (no
// vscode) so the unit tests check the exact text: a monitor's line in the Runs view
// (`grounded — 82% (41/50) [alerting]`) and its tooltip, the warning an alert raises ("Monitor
// 'grounded' of support: pass rate 40% (4/10) is below 90%"), and which runs "Open Failed Runs" shows.
import type { MonitorAlert, ServedMonitor } from './servedApi';

/** A rate as a percentage, with one decimal only where it has one: 82%, 66.7%. */
export const percent = (x: number) => `${Number((x * 100).toFixed(1))}%`;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The monitor's line: its name, the window's pass rate (passed/judged) and whether it is alerting. */
export function monitorLabel(m: ServedMonitor): string {
  const judged = m.passed + m.failed;
  const figures = m.pass_rate !== null && judged > 0 ? `${percent(m.pass_rate)} (${m.passed}/${judged})` : m.errors ? `no verdict yet (${plural(m.errors, 'error')})` : 'no checks yet';
  return `${m.monitor} — ${figures}${m.alerting ? ' [alerting]' : ''}`;
}

/** Beside the line, dimmer: whose monitor it is, and why it cannot alert yet. */
export function monitorDescription(m: ServedMonitor): string {
  const judged = m.passed + m.failed;
  const waiting = m.alert_below !== null && judged < m.min_checks ? `alerts from ${plural(m.min_checks, 'check')}` : '';
  return [m.pipeline, waiting].filter(Boolean).join(' · ');
}

/** `2026-11-27T14:02:03.123Z` as `2026-11-27 14:02:03 UTC`. */
const when = (iso: string) => (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) && iso.endsWith('Z') ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso);

/** The tooltip's paragraphs (Markdown; names and ids in code spans). */
export function monitorTooltip(m: ServedMonitor, endpoint: string): string[] {
  const judged = m.passed + m.failed;
  const out = [`**${m.monitor}**: a monitor of \`${m.pipeline}\` on ${endpoint}`];
  if (m.pass_rate !== null && judged > 0) {
    const iv = m.interval ? `; 95% Wilson interval ${percent(m.interval[0])}–${percent(m.interval[1])}` : '';
    out.push(`Pass rate ${percent(m.pass_rate)} over the last ${plural(judged, 'judged check')} (${m.passed} passed, ${m.failed} failed)${iv}`);
  } else out.push('No judged check yet');
  if (m.alert_below === null) out.push(`Never alerts (no \`alert_below\`); window of ${m.window}`);
  else out.push(`Alerts under ${percent(m.alert_below)} once at least ${plural(m.min_checks, 'check')} are in its window of ${m.window}${m.alerting ? ' — **alerting now**' : ''}`);
  out.push(`${plural(m.errors, 'error')} (a judge that hung or failed: neither a pass nor a fail) · ${m.dropped} dropped (the check queue was full)`);
  if (m.sample < 1) out.push(`Checks ${percent(m.sample)} of the runs`);
  out.push(m.last_alert ? `Last alert ${when(m.last_alert.at)}: ${percent(m.last_alert.pass_rate)}, ${plural(m.last_alert.failed_runs.length, 'failed run')}` : 'No alert yet');
  return out;
}

/** The warning an alert raises. `known`: the monitor as last listed (its `alert_below`), when it is. */
export function alertMessage(a: MonitorAlert, known?: ServedMonitor): string {
  const counts = a.window ? ` (${Math.round(a.pass_rate * a.window)}/${a.window})` : '';
  const below = known?.alert_below !== null && known?.alert_below !== undefined ? `is below ${percent(known.alert_below)}` : 'is below its alert threshold';
  return `Monitor '${a.monitor}' of ${a.pipeline}: pass rate ${percent(a.pass_rate)}${counts} ${below}`;
}

/** A line of `.orchestrator/monitors/NAME.jsonl` (the fields this module reads). */
interface CheckLine {
  run_id?: unknown;
  pipeline?: unknown;
  monitor?: unknown;
  status?: unknown;
}

/** The runs of the failed checks in a monitor's check log (its text, or its tail), over its window: the
 * last `window` judged checks of the pipeline's monitor (errors are neither), oldest first. A line
 * cut short (a tail read from the middle of a line, a crash) is skipped. */
export function failedRunsOfLog(text: string, pipeline: string, monitor: string, window: number): string[] {
  const judged: { run: string; failed: boolean }[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let c: CheckLine;
    try {
      c = JSON.parse(line) as CheckLine;
    } catch {
      continue;
    }
    if (!c || c.pipeline !== pipeline || c.monitor !== monitor || typeof c.run_id !== 'string' || !c.run_id) continue;
    if (c.status === 'pass' || c.status === 'fail') judged.push({ run: c.run_id, failed: c.status === 'fail' });
  }
  return [...new Set(judged.slice(-Math.max(1, window)).filter((j) => j.failed).map((j) => j.run))];
}

/** Which runs Open Failed Runs shows for a monitor's line, and how the Review view names them: those
 * its last alert named, else the failed checks of its window (from the check log, when it is here). */
export function failedRunsOf(m: ServedMonitor, log: string | null): { runIds: string[]; title: string } {
  if (m.last_alert?.failed_runs.length) return { runIds: m.last_alert.failed_runs, title: `the ${plural(m.last_alert.failed_runs.length, 'failed run')} of monitor '${m.monitor}' (${m.pipeline}) at its alert of ${when(m.last_alert.at)}` };
  const runIds = log === null ? [] : failedRunsOfLog(log, m.pipeline, m.monitor, m.window);
  return { runIds, title: `the ${plural(runIds.length, 'failed check')} in the window of monitor '${m.monitor}' (${m.pipeline})` };
}

/** The filter's title for an alert's runs. */
export function alertFilterTitle(a: MonitorAlert): string {
  return `the ${plural(a.failed_runs.length, 'failed run')} of monitor '${a.monitor}' (${a.pipeline}) at its alert${a.at ? ` of ${when(a.at)}` : ''}`;
}
