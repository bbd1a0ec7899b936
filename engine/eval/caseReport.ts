// What a case's result reports besides its verdict: its trials (trials.ts) and what was mocked
// (mocks.ts). Types only, read by the record (evalRecord.ts) and the reports.
import type { Interval } from './stats';

/** What a trial-run case reports (`trials` of its result). */
export interface TrialsReport {
  /** The most trials it could run, and how many it ran. */
  max: number;
  run: number;
  passed: number;
  /** passed / run, with its Wilson interval (at `confidence`; 95 % for fixed trials). */
  rate: number;
  interval: Interval;
  confidence: number;
  threshold: number;
  /** pass@k: at least one trial passed; pass^k: every trial run passed. */
  pass_at_k: boolean;
  pass_hat_k: boolean;
  flaky: boolean;
  adaptive: boolean;
  /** Why it stopped before `max` (adaptive trials). */
  stopped?: string;
  runs: TrialRun[];
}

export interface TrialRun {
  /** 1-based. */
  trial: number;
  status: 'pass' | 'fail' | 'error' | 'skipped';
  score: number;
  run_id: string | null;
  cost_usd: number;
  latency_ms: number;
}

/** One mock that answered, as the case's result lists it. */
export interface MockedCall {
  tool: string;
  args: Record<string, unknown> | null;
  /** `result` or `error`: what it answered with. */
  answered: 'result' | 'error';
  /** How many calls it answered. */
  calls: number;
}
