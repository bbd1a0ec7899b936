// Hover: schema docs for keys; a step's summary for a reference; tools and actions with their
// parameters; an AUTO tag's expected type; filters and names inside templates.
import { MarkupKind, type Hover } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import { locate } from '../engine/analyze/locate';
import type { AutoType } from '../engine/analyze/model';
import { describeKey } from '../engine/spec/schemaNavigator';
import { modelHover } from './modelHover';
import type { ModelStats } from '../engine/run/modelStats';
import { lockedEntry, type AutoLock } from '../engine/auto/lockFile';
import type { Step } from '../engine/spec/types';
import { FILTERS } from '../engine/template/filters';
import { actionSpec, TOOL_SPECS, type ActionSpec } from '../engine/toolkit/toolSpecs';
import { mcpToolsOf, stepActionSpec } from './documents';
import type { ServerFeatures } from './features';
import { explanationHover } from './explanationHover';
import { evalHover } from './evalHover';
import { fileURLToPath } from 'node:url';
import { statsFor } from './modelStatsCache';
import { agentHover } from './agentHover';
import { handoffHover } from './agentHandoffs';
import { triggerHover } from './triggerHover';
import { guardHover } from './guardHover';
import { monitorHover } from './monitorHover';
import { stepWorstLine } from './guardWords';

function stepSummary(a: Analysis, step: Step): string {
  const line = a.references.find((r) => r.kind === 'definition' && r.stepId === step.id)?.range.start.line;
  const what = step.loop ? `${step.loop.kind} loop of ${step.body?.length ?? 0} step(s)` : [step.tool, step.action].filter(Boolean).join('.') || 'no action';
  const parts = [`**step \`${step.id}\`**${step.name ? ` — ${step.name}` : ''}`, '', `- does: \`${what}\``];
  if (step.dependencies.length) parts.push(`- depends on: ${step.dependencies.map((d) => `\`${d}\``).join(', ')}`);
  const worst = stepWorstLine(a, step.id);
  if (worst) parts.push(worst);
  if (step.description) parts.push('', step.description);
  if (line !== undefined) parts.push('', `_defined on line ${line + 1}_`);
  return parts.join('\n');
}

function actionDoc(name: string, spec: ActionSpec): string {
  const rows = Object.entries(spec.parameters).map(([p, s]) => `| \`${p}\` | ${Array.isArray(s.type) ? s.type.join(' or ') : s.type} | ${s.required ? 'yes' : ''} | ${s.description} |`);
  const result = spec.result ? `\n\nResult: ${Object.keys(spec.result).map((r) => `\`${r}\``).join(', ')}` : '';
  return `**\`${name}\`** — ${spec.description}\n\n| parameter | type | required | |\n|---|---|---|---|\n${rows.join('\n')}${result}`;
}

function typeWords(t: AutoType): string {
  switch (t.kind) {
    case 'enum': return `one of ${t.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'step-ids': return 'a list of step ids';
    case 'model': return 'a model id (`provider:model`)';
    case 'list': return 'a list';
    default: return /^[aeiou]/.test(t.kind) ? `an ${t.kind}` : `a ${t.kind}`;
  }
}

export function hover(a: Analysis, offset: number, lock: AutoLock | null = null, stats?: (model: string) => ModelStats | undefined, documentFile: string | null = null): Hover | null {
  const at = locate(a, offset);
  const value = (s: string) => ({ contents: { kind: MarkupKind.Markdown, value: s } });
  if (at.autoTag) {
    const t = at.autoTag;
    const locked = lockedEntry(lock, t, a.pipeline?.orchestrator ?? null);
    const resolution = locked ? `\n\n**Locked:** \`${JSON.stringify(locked.value)}\` (by \`${locked.model}\`${locked.resolved_at ? `, ${locked.resolved_at}` : ''})` : '\n\nNot resolved yet.';
    return { ...value(`**<AUTO> tag**: a model answers this ${t.runtime ? 'during the run (it refers to run-time values)' : 'when the pipeline compiles'}.\n\nThe answer must be ${typeWords(t.wants)}.\n\n> ${t.text}${resolution}`), range: t.range };
  }
  if (at.reference) {
    const step = a.stepIndex.get(at.reference.stepId)?.step;
    if (step) return { ...value(stepSummary(a, step)), range: at.reference.range };
  }
  if (at.template?.site.references) {
    const i = at.template.index;
    const f = at.template.site.references.filters.find((x) => x.start <= i && i <= x.end);
    if (f && FILTERS[f.name]) return value(`**filter \`${f.name}\`**\n\n${FILTERS[f.name].doc}`);
    const n = at.template.site.references.names.find((x) => x.start <= i && i <= x.end);
    const param = n && a.pipeline?.parameters.find((p) => p.name === n.name);
    if (param) return value(`**parameter \`${param.name}\`**${param.type ? `: ${param.type}` : ''}${param.hasDefault ? ` = \`${JSON.stringify(param.default)}\`` : ''}${param.description ? `\n\n${param.description}` : ''}`);
  }
  const trigger = triggerHover(a, at);
  if (trigger) return value(trigger);
  const monitor = monitorHover(a, at);
  if (monitor) return value(monitor);
  const guard = guardHover(a, at);
  if (guard) return value(guard);
  const agent = agentHover(a, at, documentFile);
  if (agent) return value(agent);
  const handoff = handoffHover(a, at);
  if (handoff) return value(handoff);
  const last = at.path[at.path.length - 1];
  const model = at.onKey ? null : modelHover(a, at.path, stats);
  if (model) return value(model);
  if (!at.onKey && (last === 'tool' || last === 'action')) {
    const stepValue = a.pipeline ? findStepByPath(a, at.path.slice(0, -1)) : undefined;
    const mcpTool = last === 'tool' && stepValue?.tool ? mcpToolsOf(a)[stepValue.tool] : undefined;
    if (mcpTool) return value(actionDoc(mcpTool.name, mcpTool.actions.call));
    if (last === 'tool' && stepValue?.tool && TOOL_SPECS[stepValue.tool]) {
      const t = TOOL_SPECS[stepValue.tool];
      return value(`**tool \`${t.name}\`** — ${t.description}\n\nActions: ${Object.keys(t.actions).map((x) => `\`${x}\``).join(', ')}`);
    }
    if (last === 'action' && stepValue?.action) {
      const spec = actionSpec(TOOL_SPECS, stepValue.tool, stepValue.action);
      if (spec) return value(actionDoc(stepValue.tool ? `${stepValue.tool}.${stepValue.action}` : stepValue.action, spec));
    }
  }
  if (at.onKey && at.path.length) {
    const doc = describeKey(at.path);
    if (doc) return value(`**\`${String(last)}\`** — ${doc}`);
    // a parameter of an action
    if (at.path[at.path.length - 2] === 'parameters' && a.pipeline) {
      const step = findStepByPath(a, at.path.slice(0, -2));
      const spec = step ? stepActionSpec(a, step.tool, step.action) : undefined;
      const p = spec?.parameters[String(last)];
      if (p) return value(`**\`${String(last)}\`** (${Array.isArray(p.type) ? p.type.join(' or ') : p.type}${p.required ? ', required' : ''}) — ${p.description}`);
    }
  }
  return null;
}

/** The steps of each analysis by their value path, made at its first hover that needs one: a scan
 * of every step's path per hover was a third of a hover's time in 39,500 steps. */
const STEPS_BY_PATH = new WeakMap<Analysis, Map<string, Step>>();

function findStepByPath(a: Analysis, path: (string | number)[]): Step | undefined {
  let byPath = STEPS_BY_PATH.get(a);
  if (!byPath) {
    byPath = new Map();
    for (const { step } of a.stepIndex.values()) {
      const key = JSON.stringify(step.path);
      if (!byPath.has(key)) byPath.set(key, step);
    }
    STEPS_BY_PATH.set(a, byPath);
  }
  return byPath.get(JSON.stringify(path));
}

/** Answers hovers: the pipeline's cached explanation on its `name:` line, else what is under the cursor. */
export function registerHover({ connection, withDoc, withEval, lockOf }: ServerFeatures): void {
  connection.onHover((p) => withEval(p.textDocument.uri, 'evalHover', null, (d, doc) => evalHover(d, doc.offsetAt(p.position))) ?? withDoc(p.textDocument.uri, 'hover', null, (a, doc) => explanationHover(a, doc.uri, p.position.line) ?? hover(a, a.parsed.lines.offset(p.position), lockOf(doc.uri), doc.uri.startsWith('file:') ? (m) => statsFor(fileURLToPath(doc.uri), m) : undefined, doc.uri.startsWith('file:') ? fileURLToPath(doc.uri) : null)));
}
