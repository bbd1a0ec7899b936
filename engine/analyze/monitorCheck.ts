// `monitors:` checked: each assertion has a type the eval knows and the value that type takes (the
// eval's own rules, engine/spec/assertionKinds.ts), a judge model where one is needed; a name that
// can name its file and is used once; a window that can hold `min_checks` checks; and a `notify`
// that is an http(s) URL without credentials, signed with a secret from a named environment
// variable. What the schema says (types, ranges, unknown keys, the name's form) is not repeated.
import type { ValuePath } from '../spec/types';
import { ASSERTION_KINDS, assertionOperandProblem, type AssertionKind } from '../spec/assertionKinds';
import { valueRange } from '../parse/yamlDocument';
import type { FindingSink } from './findingSink';
import { didYouMean, suggest } from './suggest';
import { checkModel } from './stepCheck';
import { DEFAULT_WINDOW, MONITOR_NAME, MONITOR_NAME_MAX } from './monitorDecl';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const KINDS: readonly string[] = ASSERTION_KINDS;
/** The keys of a monitor's assertion besides the eval form's kinds (pipeline.schema.json `monitorAssertion`). */
export const ASSERTION_KEYS: readonly string[] = ['type', 'value', 'threshold', 'tolerance', 'model', 'output', 'step', 'args', 'description'];
/** What an environment variable's name may be. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names Windows keeps for devices, whatever the extension: `nul.jsonl` cannot be a file there. */
const DEVICE_NAME = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

export function checkMonitors(value: unknown, sink: FindingSink): void {
  const list = isObj(value) ? value.monitors : undefined;
  if (!Array.isArray(list)) return;
  list.forEach((entry, i) => {
    if (!isObj(entry)) return;
    const path: ValuePath = ['monitors', i];
    checkName(entry, path, sink);
    if (Array.isArray(entry.assert)) entry.assert.forEach((a, j) => isObj(a) && checkAssertion(a, [...path, 'assert', j], sink));
    checkWindow(entry, path, sink);
    checkNotify(entry, path, sink);
  });
  duplicateNames(list, sink);
}

/** A name of the schema's form that still cannot name `.orchestrator/monitors/NAME.jsonl` everywhere. */
function checkName(entry: Obj, path: ValuePath, sink: FindingSink): void {
  const name = entry.name;
  if (typeof name !== 'string' || !MONITOR_NAME.test(name)) return; // the schema says what it should be
  if (name.length > MONITOR_NAME_MAX) sink.atValue('monitor.name', `Monitor name is ${name.length} characters long: at most ${MONITOR_NAME_MAX}, as its checks are written to .orchestrator/monitors/NAME.jsonl.`, [...path, 'name']);
  else if (DEVICE_NAME.test(name)) sink.atValue('monitor.name', `Monitor name '${name}' names a device on Windows: its checks could not be written to .orchestrator/monitors/${name}.jsonl there. Choose another name.`, [...path, 'name']);
}

function duplicateNames(list: unknown[], sink: FindingSink): void {
  const byName = new Map<string, ValuePath[]>();
  list.forEach((e, i) => {
    if (isObj(e) && typeof e.name === 'string') byName.set(e.name, [...(byName.get(e.name) ?? []), ['monitors', i, 'name']]);
  });
  for (const [name, uses] of byName) {
    if (uses.length < 2) continue;
    for (const p of uses) {
      const related = uses.filter((u) => u !== p).map((u) => ({ message: 'also declared here', range: valueRange(sink.parsed, u) }));
      sink.atValue('monitor.duplicate-name', `Monitor '${name}' is declared ${uses.length} times in this pipeline: both would write .orchestrator/monitors/${name}.jsonl. Give each its own name.`, p, { related });
    }
  }
}

/** The type in the user's spelling: `not-contains` when they write hyphens. */
const spelled = (kind: string, hyphens: boolean) => (hyphens ? kind.replace(/_/g, '-') : kind);

/** One assertion: `{type: KIND, value: V, ...}`, or the eval file's own `{KIND: V, ...}`. */
function checkAssertion(a: Obj, p: ValuePath, sink: FindingSink): void {
  const kindKeys = Object.keys(a).filter((k) => KINDS.includes(k));
  let kind: AssertionKind;
  let written: string;
  /** Where the type is written: `type`'s value, or the eval form's kind key. */
  let at: { path: ValuePath; key: boolean };
  if (has(a, 'type')) {
    if (typeof a.type !== 'string') return; // the schema says it is a text
    written = a.type;
    const k = written.trim().replace(/-/g, '_');
    if (!KINDS.includes(k)) {
      const suggestions = suggest(k, KINDS).map((s) => spelled(s, written.includes('-')));
      const message = suggestions.length ? `Unknown assertion type '${written}'.${didYouMean(suggestions)}` : `Unknown assertion type '${written}': the eval's types are ${KINDS.join(', ')}.`;
      sink.atValue('monitor.assertion-type', message, [...p, 'type'], { suggestions });
      return;
    }
    if (kindKeys.length) {
      sink.atKey('monitor.assertion-type', `An assertion has one type: 'type: ${written}' and '${kindKeys[0]}' both name one. Write one assertion for each.`, [...p, kindKeys[0]]);
      return;
    }
    kind = k as AssertionKind;
    at = { path: [...p, 'type'], key: false };
    const operand = a.value === undefined && kind === 'is_json' ? true : a.value;
    const wanted = assertionOperandProblem(kind, operand);
    if (a.value === undefined || a.value === null) {
      // a misspelt `value` (`valeu`) is the schema's unknown key, with the nearest
      if (kind !== 'is_json' && Object.keys(a).every((k) => ASSERTION_KEYS.includes(k) || KINDS.includes(k))) sink.atValue('monitor.assertion-value', `'${written}' needs 'value': ${wanted ?? 'the value the output must equal'}.`, at.path);
    } else if (wanted) sink.atValue('monitor.assertion-value', `'${written}' takes ${wanted}.`, [...p, 'value']);
  } else {
    if (kindKeys.length !== 1) {
      if (kindKeys.length) sink.atKey('monitor.assertion-type', `An assertion has one type; this one has ${kindKeys.map((k) => `'${k}'`).join(' and ')}: write one assertion for each.`, [...p, kindKeys[1]]);
      else sink.atValue('monitor.assertion-type', "An assertion needs 'type': the eval's assertion type (contains, not-contains, regex, is-json, llm_rubric, max_length, ...), with its 'value'.", p);
      return;
    }
    kind = kindKeys[0] as AssertionKind;
    written = kind;
    at = { path: [...p, kind], key: true };
    const wanted = assertionOperandProblem(kind, a[kind]);
    if (wanted) sink.atValue('monitor.assertion-value', `'${kind}' takes ${wanted}.`, [...p, kind]);
  }
  if (a.args !== undefined && kind !== 'tool_called') sink.atKey('monitor.assertion-value', `'args' goes with 'tool_called' (the arguments a call must have), not with '${written}'.`, [...p, 'args']);
  if (a.output !== undefined && a.step !== undefined) sink.atKey('monitor.assertion-value', "An assertion looks at one value: 'output' or 'step', not both.", [...p, 'step']);
  if (a.model !== undefined) checkModel(a.model, [...p, 'model'], sink, null);
  else if (kind === 'llm_rubric') {
    const message = `'${written}' names no judge model: give it 'model: provider:model' (such as openai:gpt-4o-mini). Without one the server's ORC_JUDGE_MODEL judges, and where it is not set every check is an error.`;
    if (at.key) sink.atKey('monitor.judge-model', message, at.path);
    else sink.atValue('monitor.judge-model', message, at.path);
  }
}

const count = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : null);

/** A window that can never hold `min_checks` checks never alerts (unwritten, `min_checks` is 10 or the whole window). */
function checkWindow(entry: Obj, path: ValuePath, sink: FindingSink): void {
  if (!has(entry, 'min_checks')) return;
  const window = has(entry, 'window') ? count(entry.window) : DEFAULT_WINDOW;
  const minChecks = count(entry.min_checks);
  if (window === null || minChecks === null || window >= minChecks) return; // the schema says what a wrong one should be
  const message = `The window holds the last ${window} checks${has(entry, 'window') ? '' : ' (its default)'} but 'min_checks' asks for ${minChecks} before it may alert: it would never alert. Make 'window' at least 'min_checks'.`;
  sink.atValue('monitor.window', message, [...path, 'min_checks']);
}

function checkNotify(entry: Obj, path: ValuePath, sink: FindingSink): void {
  const notify = entry.notify;
  if (!isObj(notify)) return;
  const at: ValuePath = [...path, 'notify'];
  if (typeof notify.webhook === 'string') {
    const problem = webhookProblem(notify.webhook);
    if (problem) sink.atValue('monitor.notify-url', problem, [...at, 'webhook']);
  }
  if (!has(notify, 'secret_env')) {
    sink.atKey('monitor.notify-secret', "Alerts must be signed: name the environment variable holding the secret with 'secret_env' (each alert carries X-Orchestrator-Signature: sha256=<HMAC of its body>).", at);
  } else if (typeof notify.secret_env === 'string' && !ENV_NAME.test(notify.secret_env)) {
    sink.atValue('monitor.secret-env', `'secret_env' names an environment variable: '${notify.secret_env}' is not a variable's name (letters, digits and '_', not starting with a digit). The secret itself never goes in the file.`, [...at, 'secret_env']);
  }
  if (!has(entry, 'alert_below')) sink.atKey('monitor.never-alerts', "'notify' is never called: without 'alert_below' the monitor never alerts.", at);
}

/** An alert's URL: http(s), no credentials in it (the body is signed with the secret instead). */
function webhookProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // not repeated when it may hold a password (`user:pass@...` that does not parse)
    return `${url.includes('@') ? 'This' : `'${url}'`} is not a URL: alerts are POSTed to an http(s) URL such as https://ops.example/hooks/orc.`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `Alerts are POSTed over http or https, not ${u.protocol.replace(/:$/, '')}.`;
  if (u.username || u.password) return "Credentials do not go in the alert webhook's URL (they would be in every log that names it): the receiver checks the body's signature, made with the secret 'secret_env' names.";
  return null;
}
