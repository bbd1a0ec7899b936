// A monitor's line under a served endpoint in the Runs view (client/servedEndpoints.ts lists them;
// client/monitorsView.ts answers its command). Apart from monitorsView, which reaches the Review view,
// so that the endpoints' tree does not import the Review view (the Runs view imports the endpoints).
import * as vscode from 'vscode';
import { monitorDescription, monitorLabel, monitorTooltip } from './monitors';
import type { ServedMonitor } from './servedApi';

/** A monitor of a served endpoint, as a node of the Runs view. */
export type ServedMonitorNode = { kind: 'served-monitor'; url: string; monitor: ServedMonitor };

export const MONITOR_COMMANDS = {
  openFailed: 'orchestrator.runs.openMonitorFailures',
} as const;

export const OPEN_FAILED_RUNS = 'Open Failed Runs';

/** A monitor's line under its endpoint. */
export function monitorTreeItem(n: ServedMonitorNode): vscode.TreeItem {
  const m = n.monitor;
  const item = new vscode.TreeItem(monitorLabel(m), vscode.TreeItemCollapsibleState.None);
  item.id = `served\n${n.url}\nmonitor\n${m.pipeline}\n${m.monitor}`;
  item.description = monitorDescription(m);
  item.iconPath = m.alerting ? new vscode.ThemeIcon('bell-dot', new vscode.ThemeColor('testing.iconFailed')) : new vscode.ThemeIcon('pulse', m.pass_rate !== null ? new vscode.ThemeColor('testing.iconPassed') : undefined);
  item.contextValue = m.alerting ? 'served.monitor.alerting' : 'served.monitor';
  item.tooltip = new vscode.MarkdownString(monitorTooltip(m, n.url).join('\n\n'));
  item.command = { command: MONITOR_COMMANDS.openFailed, title: OPEN_FAILED_RUNS, arguments: [n] };
  return item;
}

