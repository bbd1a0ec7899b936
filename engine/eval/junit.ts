// An eval as JUnit XML, the report CI systems read: one <testsuite> per variant, one <testcase> per
// case (and repeat), a <failure> per failed assertion and an <error> per assertion that could not
// be judged, with what was expected and what was there. Written from the record, streamed.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { AssertionResult } from './assertions';
import { asText } from './assertions';
import type { CaseResult, EvalRecord, VariantSummary } from './evalRecord';

export function xmlEscape(s: string): string {
  // characters XML 1.0 cannot hold at all are dropped
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function assertionMessage(a: AssertionResult): string {
  return `${a.target} ${a.kind}${a.description ? ` (${a.description})` : ''}: ${a.reason}`;
}

function testcase(name: string, r: CaseResult): string {
  const id = r.repeat ? `${r.case} #${r.repeat + 1}` : r.case;
  const open = `    <testcase classname="${xmlEscape(name)}.${xmlEscape(r.variant)}" name="${xmlEscape(id)}" time="${seconds(r.latency_ms)}"`;
  if (r.status === 'skipped') return `${open}>\n      <skipped message="${xmlEscape(r.error ?? 'skipped')}"/>\n    </testcase>`;
  const props = trialProperties(r);
  if (r.quarantined) return `${open}>\n${props}      <skipped message="${xmlEscape(`flaky (quarantined): ${r.trials!.passed} of ${r.trials!.run} trials passed`)}"/>\n    </testcase>`;
  if (r.status === 'pass') return props ? `${open}>\n${props}    </testcase>` : `${open}/>`;
  const body: string[] = props ? [props.trimEnd()] : [];
  if (r.error) body.push(`      <error message="${xmlEscape(r.error)}" type="run"/>`);
  for (const a of r.assertions) {
    if (a.pass) continue;
    const tag = a.status === 'error' ? 'error' : 'failure';
    const detail = `expected: ${asText(a.expected)}\nactual: ${asText(a.actual)}${a.line >= 0 ? `\nline: ${a.line + 1}` : ''}`;
    body.push(`      <${tag} message="${xmlEscape(assertionMessage(a))}" type="${a.kind}">${xmlEscape(detail)}</${tag}>`);
  }
  if (!body.length) body.push(`      <failure message="${xmlEscape(`the run ${r.run_status ?? 'did not complete'}`)}" type="run"/>`);
  if (r.run_id) body.push(`      <system-out>${xmlEscape(`run: .orchestrator/runs/${r.run_id}/`)}</system-out>`);
  return `${open}>\n${body.join('\n')}\n    </testcase>`;
}

/** A case run in trials: its figures as <properties> (trials, passed, rate, interval, pass@k, pass^k, flaky). */
function trialProperties(r: CaseResult): string {
  const t = r.trials;
  if (!t) return '';
  const p = (name: string, value: string | number | boolean) => `        <property name="${name}" value="${xmlEscape(String(value))}"/>\n`;
  return `      <properties>\n${p('trials', t.run)}${p('trials_max', t.max)}${p('trials_passed', t.passed)}${p('trial_rate', t.rate)}${p('trial_interval', `${t.interval.low}-${t.interval.high}`)}${p('trial_threshold', t.threshold)}${p('pass_at_k', t.pass_at_k)}${p('pass_hat_k', t.pass_hat_k)}${p('flaky', t.flaky)}      </properties>\n`;
}

/** Quarantined cases are reported as skipped: run, but not counted for or against. */
const quarantined = (v: VariantSummary) => v.trials?.quarantined ?? 0;

/** Writes the JUnit report of `record` to `file`. `name`: the suite's name (the eval file's). */
export async function writeJUnit(record: EvalRecord, name: string, file: string): Promise<void> {
  const s = record.meta.summary;
  const variants = s?.variants ?? [];
  const out = createWriteStream(file, { encoding: 'utf8' });
  // a file that cannot be written (a full disk, a folder, a missing folder) fails this call with its
  // error, never as an unhandled 'error' event that ends the process
  let failure: Error | null = null;
  out.on('error', (e) => {
    failure ??= e;
  });
  const write = async (text: string) => {
    if (failure) throw failure;
    if (!out.write(text)) await once(out, 'drain');
  };
  const sum = (f: (v: (typeof variants)[number]) => number) => variants.reduce((a, v) => a + f(v), 0);
  const totalTime = sum((v) => v.mean_latency_ms * v.total);
  await write(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlEscape(name)}" tests="${sum((v) => v.total + v.skipped + quarantined(v))}" failures="${sum((v) => v.failed)}" errors="${sum((v) => v.errors)}" skipped="${sum((v) => v.skipped + quarantined(v))}" time="${seconds(totalTime)}">\n`);
  for (const v of variants) {
    await write(`  <testsuite name="${xmlEscape(`${name} [${v.variant}]`)}" tests="${v.total + v.skipped + quarantined(v)}" failures="${v.failed}" errors="${v.errors}" skipped="${v.skipped + quarantined(v)}" time="${seconds(v.mean_latency_ms * v.total)}">\n`);
    for await (const r of record.results()) if (r.variant === v.variant) await write(testcase(name, r) + '\n');
    await write('  </testsuite>\n');
  }
  await write('</testsuites>\n');
  if (failure) throw failure;
  out.end();
  await once(out, 'finish');
  if (failure) throw failure;
}
