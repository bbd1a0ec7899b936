// Per-test coverage of an eval: which case covered which step. The eval's coverage (the engine's
// CoverageCollector over every case run) says what the eval exercised as a whole; this keeps one
// collector per case as well, so the editor can show the coverage of one case alone (VS Code's
// per-test coverage: client/evalCoverage.ts). A case's run documents (one, or one per trial) come
// before its result (runEval's onRun, then onResult): each document is held until its case's result
// names its run, then counted for that case and let go. Pure: no `vscode` here.
import { CoverageCollector, type Analysis, type CaseResult, type CoverageReport, type ResultDocument } from '../engine/api/index';

export class CaseCoverage<K> {
  /** Run documents whose case has not reported yet, by run id. */
  private readonly pending = new Map<string, ResultDocument>();
  private readonly cases = new Map<K, CoverageCollector>();

  constructor(
    private readonly analysis: Analysis,
    /** The pipeline file as the reports name it. */
    private readonly file: string,
  ) {}

  /** A case run's result document, as it ends (runEval's onRun). */
  run(doc: ResultDocument): void {
    this.pending.set(doc.execution_id, doc);
  }

  /** A case's result (runEval's onResult): its run, or each of its trials' runs, counted for `key` (undefined: counted for none, let go). */
  result(key: K | undefined, r: CaseResult): void {
    const ids = r.trials ? r.trials.runs.map((t) => t.run_id) : [r.run_id];
    for (const id of ids) {
      if (!id) continue;
      const doc = this.pending.get(id);
      if (!doc) continue;
      this.pending.delete(id);
      if (key === undefined) continue;
      let c = this.cases.get(key);
      if (!c) this.cases.set(key, (c = new CoverageCollector(this.analysis, this.file)));
      c.add(doc);
    }
  }

  /** Each case that ran, with its own coverage report, in the order their results came. */
  reports(): Map<K, CoverageReport> {
    return new Map([...this.cases].map(([k, c]) => [k, c.report()]));
  }
}
