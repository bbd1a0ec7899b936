// Hover in `monitors:`: on a monitor's name, what it does with its defaults filled in (the share of
// runs it checks, its assertions, when it alerts and where, its file and review label); on an
// assertion's type, the eval's words for it and the value it takes; on `sample`, the share in words;
// on a monitor's `budget` key, its own doc (not the run's worst case, which is the pipeline's).
import type { Analysis } from '../engine/analyze/index';
import type { Located } from '../engine/analyze/locate';
import { ASSERTION_KINDS, type AssertionKind } from '../engine/spec/assertionKinds';
import { describeKey } from '../engine/spec/schemaNavigator';
import type { MonitorDecl } from '../engine/spec/types';
import { valueAt } from '../engine/spec/values';
import { ASSERTION_KIND_DOCS } from './evalHover';
import { isMonitor, isMonitorAssertion, valueWords } from './monitorCompletion';

const KINDS: readonly string[] = ASSERTION_KINDS;
const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The hover's Markdown, or null where monitors have nothing of their own to say. */
export function monitorHover(a: Analysis, at: Located): string | null {
  const path = at.path;
  if (path[0] !== 'monitors' || path.length < 3) return null;
  const last = path[path.length - 1];
  const owner = path.slice(0, -1);
  if (isMonitor(owner) && last === 'budget' && at.onKey) return `**\`budget\`** — ${describeKey(path) ?? ''}`;
  if (at.onKey) {
    // the eval file's form: `{contains: x}` — the kind's own words
    if (isMonitorAssertion(owner) && KINDS.includes(String(last))) return kindHover(last as AssertionKind);
    return null;
  }
  const v = valueAt(a.parsed.value, path);
  if (isMonitorAssertion(owner) && last === 'type' && typeof v === 'string') {
    const kind = v.trim().replace(/-/g, '_');
    return KINDS.includes(kind) ? kindHover(kind as AssertionKind, v) : null;
  }
  if (isMonitor(owner) && last === 'sample' && typeof v === 'number' && v >= 0 && v <= 1) {
    const share = v === 1 ? 'every run' : v === 0 ? 'no run' : `${percent(v)} of runs (about 1 in ${Math.round(1 / v)})`;
    return `**\`sample: ${v}\`** — checks ${share}. Which runs is decided by a hash of the run id and the monitor's name, so the same run is always checked or always not.`;
  }
  if (isMonitor(owner) && last === 'name' && typeof v === 'string') return nameHover(a, owner, v);
  return null;
}

function kindHover(kind: AssertionKind, written: string = kind): string {
  return `**assertion \`${written}\`** — ${ASSERTION_KIND_DOCS[kind]}\n\n\`value\`: ${valueWords(kind)}.`;
}

const sameAs = (p: (string | number)[]) => (m: MonitorDecl) => m.path.length === p.length && m.path.every((x, i) => x === p[i]);

function nameHover(a: Analysis, at: (string | number)[], name: string): string {
  const head = `**monitor \`${name}\`**`;
  const m = a.pipeline?.monitors?.find(sameAs(at));
  if (!m) return `${head}\n\nNot run: a monitor needs a name that can name its file (\`.orchestrator/monitors/NAME.jsonl\`), used once in the pipeline.`;
  const types = m.assert.map((x) => (typeof x.type === 'string' ? x.type : Object.keys(x).find((k) => KINDS.includes(k)) ?? '?'));
  const lines = [
    `- checks ${m.sample >= 1 ? 'every run' : m.sample <= 0 ? 'no run' : `${percent(m.sample)} of runs`}, each after its result is returned, with ${types.length} assertion${types.length === 1 ? '' : 's'}${types.length ? `: ${types.map((t) => `\`${t}\``).join(', ')}` : ''}`,
    m.alertBelow === null
      ? `- keeps the pass rate of the last ${m.window} checks; never alerts (no \`alert_below\`)`
      : `- alerts when the pass rate of the last ${m.window} checks falls below ${percent(m.alertBelow)} (once it holds ${m.minChecks} checks), once per crossing, on \`GET /events\``,
  ];
  if (m.notify) lines.push(`- POSTs each alert to \`${m.notify.webhook}\`${m.notify.secretEnv ? `, signed with the secret in \`$${m.notify.secretEnv}\`` : ', unsigned (name `secret_env`)'}`);
  if (m.budget) {
    const parts = [m.budget.maxCostUsd !== null ? `$${m.budget.maxCostUsd.toFixed(2)}` : null, m.budget.maxTokens !== null ? `${m.budget.maxTokens} tokens` : null].filter(Boolean);
    if (parts.length) lines.push(`- its judges may spend ${parts.join(' and ')} per UTC day`);
  }
  lines.push(`- writes its checks to \`.orchestrator/monitors/${name}.jsonl\`; a failed run goes to the review queue labelled \`monitor:${name}\``);
  return [head, '', ...lines].join('\n');
}
