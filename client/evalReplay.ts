// The Test Explorer's Run (replay) profile, its pure part: the cassette an eval replays (the file
// `orc eval --replay` reads) and, for a case that missed it, which calls missed, as the case's first
// failure message says. No vscode: test/client/evalReplay.test.ts.
import type { CaseResult, ResultDocument } from '../engine/api/index';

/** The cassette of an eval: NAME.cassette.jsonl beside NAME.eval.yaml (as `orc eval --replay`). */
export function evalCassetteFile(evalFile: string): string {
  return `${evalFile.replace(/(\.eval)?\.ya?ml$/i, '')}.cassette.jsonl`;
}

/** One call the cassette had no answer for: a step's, or a judge's. */
export interface CassetteMiss {
  where: string;
  message: string;
}

const MISS = /the cassette \S+ has no recorded (answer|result)/;

/** The steps of a result document whose call missed the cassette (a loop that failed on its body's miss says so in its own error). */
function stepMisses(doc: ResultDocument): CassetteMiss[] {
  return Object.entries(doc.steps)
    .filter(([, s]) => !!s.error && (s.error_type === 'CassetteMiss' || MISS.test(s.error)))
    .map(([id, s]) => ({ where: `step '${id}'`, message: s.error! }));
}

/** The calls of a case that missed the cassette: its run's steps (from the run's result document)
 * and its judges (an assertion that errored on a miss). Each miss once, in the run's order. */
export function cassetteMisses(result: CaseResult, doc: ResultDocument | null): CassetteMiss[] {
  const out: CassetteMiss[] = [];
  if (doc) out.push(...stepMisses(doc));
  if (result.error && MISS.test(result.error)) out.push({ where: 'the case', message: result.error });
  for (const a of result.assertions) {
    // an output the failed step did not produce repeats the step's miss: only the judges' own misses count
    if (a.status === 'error' && MISS.test(a.reason) && !out.some((m) => a.reason.includes(m.message))) out.push({ where: `the judge of ${a.kind}`, message: a.reason });
  }
  return out;
}

/** The failure message that leads a case that missed: which case, which calls, and how to record them. */
export function missMessage(result: CaseResult, misses: CassetteMiss[], cassette: string): string {
  const name = cassette.replace(/^.*[\\/]/, '');
  const lines = misses.map((m) => `- ${m.where}: ${m.message}`);
  return `Case '${result.case}' [${result.variant}] missed the cassette ${name}: ${misses.length} call${misses.length === 1 ? '' : 's'} it has no answer for.\n${lines.join('\n')}\nRecord the case with \`orc eval FILE --record --case ${result.case}\`, or run it with the Run profile (live).`;
}
