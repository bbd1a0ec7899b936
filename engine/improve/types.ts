// The types of `orc improve`'s public surface (engine/improve/index.ts re-exports them): apart, so
// the search's modules use them without importing the surface that imports them.
import type { ModelRunner } from '../models/modelRunner';

export interface ImproveOptions {
  root: string;                 // the folder holding .orchestrator/
  evalFile: string;             // absolute path of the FILE.eval.yaml
  steps?: string[]; reflect?: string; maxEvals?: number; budgetUsd?: number;
  validation?: number; seed?: number;
  cassette?: 'record' | 'replay';   // undefined: live calls
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent?(e: ImproveEvent): void;
  /** The model runner (default: the providers', with ORC_MODEL_REGISTRY from `env`). */
  models?: ModelRunner;
  /** The cassette (default: NAME.cassette.jsonl beside NAME.eval.yaml). */
  cassetteFile?: string;
  /** Case runs at once (default: the eval's max_parallel, else 4). */
  parallel?: number;
  /** Rounds in a row that bring no better candidate (refused, failed, or not better on its minibatch) before the search stops with `no-candidates` (default 6). */
  patience?: number;
}
export type ImproveEvent =
  | { kind: 'start'; improveId: string; dir: string; steps: string[]; train: number; validation: number; maxEvals: number | null }
  | { kind: 'candidate'; candidate: ImproveCandidate; evals: number; calls: number; cost_usd: number }   // each evaluated candidate
  | { kind: 'refused'; step: string; reason: string }
  | { kind: 'front'; front: ImproveCandidate[] }
  | { kind: 'done'; result: ImproveResult };
export interface ImproveCandidate { id: string; parent: string | null; steps: Record<string, string>; train_pass_rate: number; train_passed: number; train_cases: number; cost_usd: number }
export interface ImproveResult {
  improveId: string; dir: string; pipelineFile: string; pipelineHash: string;
  steps: Record<string, { before: string; after: string }>;
  train: { before: number; after: number; before_interval: [number, number]; after_interval: [number, number]; cases: number };
  validation: { before: number | null; after: number | null; before_interval: [number, number] | null; after_interval: [number, number] | null; cases: number };
  evals: number; calls: number; cost_usd: number;
  front: { id: string; steps: Record<string, string>; train_pass_rate: number; cost_usd: number }[];
  chosen: string;   // candidate id
  stopped: string;  // why the search ended
  /** Proposals refused before any case ran (a broken template name, an empty or huge answer, one tried already). */
  refused: number;
  /** The reflection model. */
  reflect: string;
}
