// The extension's settings (package.json contributes.configuration), read in one place.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GraphDirectionSetting } from '../media/protocol';
import { modelSettings, type ModelSettings } from './modelChoice';

export const SECTION = 'orchestrator';

export interface Settings {
  maxParallel: number | undefined;
  direction: GraphDirectionSetting;
  openPanelOnRun: boolean;
  /** An absolute folder, or '' for the pipeline's workspace folder. */
  runStateFolder: string;
  models: ModelSettings;
  /** `orchestrator.redis.url`: a distributed run's Redis ('' for none). */
  redisUrl: string;
  /** `orchestrator.telemetry.otlpEndpoint`: OTLP/HTTP endpoints for the runs' traces ('' for none). */
  otlpEndpoint: string;
}

function directionSetting(v: string | undefined): GraphDirectionSetting {
  return v === 'DOWN' || v === 'RIGHT' ? v : 'AUTO';
}

export function settings(scope?: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const max = c.get<number | null>('maxParallel', null);
  return {
    maxParallel: typeof max === 'number' && max >= 1 ? Math.floor(max) : undefined,
    direction: directionSetting(c.get<string>('graph.direction', 'AUTO')),
    openPanelOnRun: c.get<boolean>('openPanelOnRun', true),
    runStateFolder: c.get<string>('runStateFolder', '') ?? '',
    models: modelSettings({ baseUrls: c.get('models.baseUrls'), default: c.get('models.default'), orchestrator: c.get('models.orchestrator') }),
    redisUrl: (c.get<string>('redis.url', '') ?? '').trim(),
    otlpEndpoint: (c.get<string>('telemetry.otlpEndpoint', '') ?? '').trim(),
  };
}

/** Where a pipeline's runs keep `.orchestrator/` and where relative paths resolve: the setting when
 * given (relative to the workspace folder), else the document's workspace folder, else its folder. */
export function runFolder(uri: vscode.Uri): string {
  const ws = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const configured = settings(uri).runStateFolder.trim();
  if (configured) return path.resolve(ws ?? path.dirname(uri.fsPath), configured);
  return ws ?? path.dirname(uri.fsPath);
}

export function onSettingsChanged(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener();
  });
}
