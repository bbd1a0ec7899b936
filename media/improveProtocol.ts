// The messages between the Improve Prompts panel (media/improveView.ts) and the extension host
// (client/improvePanel.ts), typed once here: both sides import this module.

/** One candidate the search evaluated on the whole train split (a point of the scatter). */
export interface ImprovePointView {
  id: string;
  parent: string | null;
  train_pass_rate: number;
  train_passed: number;
  train_cases: number;
  /** Run on every train case (false: on its minibatch only, where it did no better than its parent). */
  complete: boolean;
  /** 95 % Wilson interval of the train pass rate. */
  low: number;
  high: number;
  cost_usd: number;
  /** On the Pareto front as last reported. */
  front: boolean;
  /** The steps whose prompt differs from the pipeline's (its prompts as it was when the search started). */
  changed: string[];
}

/** A pass rate before → after, with its intervals (null figures: not measured, no validation case). */
export interface ImproveSplitView {
  cases: number;
  before: number | null;
  after: number | null;
  before_interval: [number, number] | null;
  after_interval: [number, number] | null;
}

/** The search as far as it got: posted on every change while it runs, and after (a record reopened). */
export interface ImproveViewMessage {
  type: 'improve';
  improveId: string | null;
  /** File names (the panel's headings). */
  evalFile: string;
  pipelineFile: string;
  status: 'starting' | 'running' | 'done' | 'cancelled' | 'failed';
  /** Why the search ended (the engine's word), or what failed; '' while it runs. */
  stopped: string;
  /** Answered from the cassette, no model called. */
  replay: boolean;
  steps: string[];
  trainCases: number;
  validationCases: number;
  maxEvals: number | null;
  evals: number;
  calls: number;
  cost_usd: number;
  /** Candidates the analyzer refused (a template name dropped or added, an empty answer). */
  refused: number;
  /** In the order they were evaluated. */
  points: ImprovePointView[];
  /** The chosen candidate (the best on train; while it runs, the best so far). */
  chosen: string | null;
  train: ImproveSplitView | null;
  validation: ImproveSplitView | null;
  /** After Apply: the steps whose prompt was written; null: not applied. */
  applied: string[] | null;
  /** Why Apply did nothing (the file changed since the search started, an alias); null: nothing to say. */
  applyProblem: string | null;
}

/** Why a search ended, in words (the panel and the Runs view; the engine's word follows in brackets in the panel). */
export const STOPPED_WORDS: Record<string, string> = {
  'all-train-passed': 'every train case passes',
  'max-evals': 'the case runs allowed are spent',
  budget: 'the budget is reached',
  cancelled: 'cancelled; what it found is kept in its record',
  'no-failures': 'no case fails: nothing to improve',
  'no-candidates': 'no new candidate came of the reflection',
};

export type ToImproveView = ImproveViewMessage;

export type FromImproveView =
  | { type: 'ready' }
  /** A point was clicked: open that candidate's prompts as a diff against the pipeline file. */
  | { type: 'open-candidate'; id: string }
  /** Apply: write the chosen prompts into the pipeline (one undoable edit). */
  | { type: 'apply' }
  /** What the panel now shows (the extension's test API reads it). */
  | { type: 'rendered'; points: string[]; chosen: string | null; status: string; summary: string[]; applyEnabled: boolean };
