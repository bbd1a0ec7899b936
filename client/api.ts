// What the extension returns from activate(): an automation API for tests and other extensions
// (`vscode.extensions.getExtension('orchestrator.orchestrator-pipelines').exports`). It reads state;
// it starts nothing a command does not.
import type * as vscode from 'vscode';
import { type ResultDocument } from '../engine/api/index';

export interface PanelRendered {
  runId: string | null;
  nodes: number;
  statuses: Record<string, string>;
  /** The step drawn as held by the debugger (null: none). */
  paused: string | null;
  /** The critical path as the panel's timeline draws it (empty: no timeline yet). */
  critical: string[];
}

/** A message the Test Explorer was given for a case: its text, the diff's two sides and the 0-based line it stands at in the eval file. */
export interface EvalTestMessage {
  message: string;
  expected: string | null;
  actual: string | null;
  line: number | null;
}

export interface OrchestratorApi {
  /** What the status bar says of the language of the editor in front, and what a click runs (undefined: hidden). */
  languageStatus(): { text: string; tooltip: string; command: string } | undefined;
  /** The result document of the latest run of this pipeline in this window. */
  lastResult(uri: string): ResultDocument | undefined;
  isRunning(uri: string): boolean;
  /** Why the latest Run, Resume or Run From Here was refused (workspace trust, errors, ...). */
  lastRefusal(): string | undefined;
  /** What the pipeline's panel last reported it shows (node count and each node's status). */
  panelRendered(uri: string): PanelRendered | undefined;
  /** What the latest graph edit (a gesture or a graph command) came to: made (and what it did) or why not. */
  lastGraphEdit(): { made: boolean; summary?: string; reason?: string } | null;
  /** What a step streamed (model text, command output) in the pipeline's latest run in this window. */
  stepText(uri: string, step: string): string;
  /** What the Runs view lists, newest first. */
  listedRuns(): { runId: string; pipelineId: string | null; status: string | null; tokens: number | null }[];
  /** The folder whose `.orchestrator/` holds this pipeline's runs. */
  runStateFolder(uri: string): string;
  /** The latest eval of this eval file in this window: each case × variant's status and run. */
  evalOutcome(uri: string): { evalId: string; results: { case: string; variant: string; status: string; runId: string | null }[]; coverage: { line: number; executed: number }[] | null } | undefined;
  /** What the eval panel of this eval file last drew. */
  evalPanelRendered(uri: string): { cells: number; failing: string[] } | undefined;
  /** The Test Explorer's eval items, as `file > variant > case` paths, sorted. */
  evalTestItems(): Promise<string[]>;
  /** What the latest run of each case of this eval file gave the Test Explorer (no messages: it passed). */
  evalTestMessages(uri: string): { case: string; variant: string; messages: EvalTestMessage[] }[];
  /** The eval TestController, its Run (replay) and Coverage (replay) profiles, the TestMessages (stack traces, context values) the latest run gave a case item (by the item's id), and the continuous runs: how many are on, what each save re-ran (`file > variant > case`) and whether that run ended. */
  evalTesting(): { controller: vscode.TestController; replayProfile: vscode.TestRunProfile; replayCoverageProfile: vscode.TestRunProfile; messages(itemId: string): vscode.TestMessage[]; continuous(): { active: number; runs: { items: string[]; done: boolean }[] } };
}
