// How far an eval's `llm_rubric` judge can be trusted: its verdicts on the cases made from labelled
// runs (a case's id is its run's id, `orc review cases`) against the people's labels, as the share
// that agree and Cohen's kappa. A judge that errs on a case is left out of the count, not counted
// as a verdict.
import type { EvalRecord } from '../eval/evalRecord';
import { agreement, type Agreement, readLabels } from './labels';

export async function judgeAgreement(root: string, record: EvalRecord): Promise<Agreement | null> {
  const labels = readLabels(root);
  if (!labels.size) return null;
  const pairs: Array<{ human: boolean; judge: boolean }> = [];
  for await (const r of record.results()) {
    const label = labels.get(r.case);
    if (!label || r.status === 'skipped') continue;
    for (const a of r.assertions) if (a.kind === 'llm_rubric' && a.status !== 'error') pairs.push({ human: label.verdict === 'good', judge: a.pass });
  }
  return pairs.length ? agreement(pairs) : null;
}
