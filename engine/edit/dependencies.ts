// Connect and disconnect: a step gains or loses an explicit dependency, as the smallest edit of its
// `dependencies` (or `depends_on`) value in the style it is written in: a block list gets a line, a
// flow list an element, a comma-separated string a name; a step without the key gets one.
import type { Analysis } from '../analyze/index';
import { exactSpan } from '../parse/yamlDocument';
import type { NodeSpan } from '../parse/nodeSpan';
import type { Step } from '../spec/types';
import { contentEnd, EditRefused, isFlow, lineEnd, lineStart, nextLineStart, yamlId, type TextEdit } from './textEdits';

const DEPENDENCY_KEYS = ['dependencies', 'depends_on'];

export function stepOf(a: Analysis, id: string): Step {
  const entry = a.stepIndex.get(id);
  if (!entry) throw new EditRefused(`There is no step '${id}'`);
  return entry.step;
}

/** The steps of the list `step` is in (a dependency joins two steps of one list). */
function siblingsOf(a: Analysis, step: Step): Step[] {
  return a.stepIndex.get(step.id)!.ctx.steps;
}

/** The steps `from` reaches by dependency edges of its list (explicit and implied): they wait for it. */
function pathBetween(a: Analysis, step: Step, from: string, to: string): string[] | null {
  const owner = a.stepIndex.get(step.id)!.ctx.loop;
  const plan = owner ? a.bodyPlans[owner.id] : a.plan;
  if (!plan) return null;
  const prev = new Map<string, string>([[from, from]]);
  const queue = [from];
  while (queue.length) {
    const cur = queue.shift()!;
    if (cur === to) break;
    for (const e of plan.edges) {
      if (e.from === cur && !prev.has(e.to)) {
        prev.set(e.to, cur);
        queue.push(e.to);
      }
    }
  }
  if (!prev.has(to)) return null;
  const path = [to];
  while (path[0] !== from) path.unshift(prev.get(path[0])!);
  return path;
}

interface DependencyValue {
  key: string;
  keySpan: NodeSpan;
  value: NodeSpan | undefined;
}

function dependencyValue(a: Analysis, step: Step): DependencyValue | null {
  const mapping = exactSpan(a.parsed, step.path);
  for (const key of DEPENDENCY_KEYS) {
    const span = mapping?.children?.get(key);
    if (span) return { key, keySpan: span, value: span.start === span.end ? undefined : span };
  }
  return null;
}

/** `to` gains `from` as an explicit dependency. Refused when it would close a cycle (named) or joins two lists. */
export function connect(a: Analysis, from: string, to: string): TextEdit[] {
  const target = stepOf(a, to);
  const source = stepOf(a, from);
  if (from === to) throw new EditRefused(`A step cannot depend on itself ('${to}')`);
  if (!siblingsOf(a, target).includes(source)) throw new EditRefused(`'${from}' and '${to}' are not steps of the same list: a dependency joins steps of one list (a loop's body is its own list)`);
  if (target.dependencies.includes(from)) throw new EditRefused(`'${to}' already depends on '${from}'`);
  const cycle = pathBetween(a, target, to, from);
  if (cycle) throw new EditRefused(`'${to}' cannot depend on '${from}': that closes the cycle ${[...cycle, to].join(' → ')}`);
  return addDependencyEdit(a, target, from);
}

function addDependencyEdit(a: Analysis, step: Step, from: string): TextEdit[] {
  const text = a.text;
  const dep = dependencyValue(a, step);
  const name = yamlId(from);
  if (!dep) {
    mergedDependencies(a, step);
    return [newKeyEdit(a, step, 'dependencies', [from])];
  }
  const v = dep.value;
  if (!v) {
    // `dependencies:` with no value
    const at = dep.keySpan.keyEnd + 1;
    return [{ start: at, end: at, newText: ` [${name}]` }];
  }
  const items = v.children ? [...v.children.values()] : null;
  if (items && isFlow(text, v)) {
    if (!items.length) return [{ start: v.start + 1, end: v.start + 1, newText: name }];
    const last = items[items.length - 1];
    return [{ start: last.end, end: last.end, newText: `, ${name}` }];
  }
  if (items) {
    // a block list: a line like its last item's, after it
    const last = items[items.length - 1];
    const prefix = text.slice(lineStart(text, last.start), last.start);
    const at = lineEnd(text, contentEnd(text, last));
    return [{ start: at, end: at, newText: `\n${prefix}${name}` }];
  }
  // a comma-separated string: the name goes inside its quotes
  const quoted = text[v.start] === '"' || text[v.start] === "'";
  const at = quoted ? v.end - 1 : v.end;
  return [{ start: at, end: at, newText: `, ${from}` }];
}

/** A key the step does not have, with a flow list as its value, after the step's last line (or inside its braces). */
export function newKeyEdit(a: Analysis, step: Step, key: string, ids: string[]): TextEdit {
  const text = a.text;
  const mapping = exactSpan(a.parsed, step.path)!;
  const value = `[${ids.map(yamlId).join(', ')}]`;
  if (isFlow(text, mapping)) {
    const close = contentEnd(text, mapping) - 1;
    return { start: close, end: close, newText: `, ${key}: ${value}` };
  }
  // the column of the step's first key (after its list dash)
  const first = mapping.children!.first()!;
  const indent = ' '.repeat(first.keyStart - lineStart(text, first.keyStart));
  const at = lineEnd(text, contentEnd(text, mapping));
  return { start: at, end: at, newText: `\n${indent}${key}: ${value}` };
}

/** `to` loses its explicit dependency on `from`. Refused when `to` reads `from` through a template (that dependency is implied). */
export function disconnect(a: Analysis, from: string, to: string): TextEdit[] {
  const target = stepOf(a, to);
  stepOf(a, from);
  if (!target.dependencies.includes(from)) {
    const implied = a.references.find((r) => r.kind === 'template' && r.stepId === from && r.fromStep === to);
    if (implied) throw new EditRefused(`'${to}' reads '${from}' in a template (line ${implied.range.start.line + 1}): that dependency is implied by the template, so it goes only when the template stops reading '${from}'`);
    throw new EditRefused(`'${to}' does not depend on '${from}'`);
  }
  return removeDependencyEdit(a, target, from);
}

/** Refuses when the step takes its dependencies from a merge (`<<: *base`): a key of its own would
 * replace the merged list, and the merged list is shared. */
function mergedDependencies(a: Analysis, step: Step): void {
  // the parse names a merge key '<<' or, as the library's Symbol, 'Symbol(<<)'
  const children = exactSpan(a.parsed, step.path)?.children;
  const merge = children?.get('<<') ?? children?.get('Symbol(<<)');
  if (merge && step.dependencies.length) {
    const alias = a.text.slice(merge.start, merge.end);
    throw new EditRefused(`'${step.id}' takes its dependencies from the merge <<: ${alias} (line ${a.parsed.lines.range(merge.start, merge.start).start.line + 1}), which other mappings may share: write its dependencies out in the step (unshare them) first, then edit`);
  }
}

/** The edit that takes `from` out of the step's explicit dependencies (the whole key when it was the only one). */
export function removeDependencyEdit(a: Analysis, step: Step, from: string): TextEdit[] {
  const text = a.text;
  const dep = dependencyValue(a, step);
  if (!dep?.value) {
    mergedDependencies(a, step);
    throw new EditRefused(`'${from}' is not written in '${step.id}'s dependencies`);
  }
  const v = dep.value!;
  const items = v.children ? [...v.children.values()] : null;
  const wholeKey = () => removeDependencyKey(a, step);
  if (items) {
    const i = items.findIndex((s) => text.slice(s.start, s.end).replace(/^['"]|['"]$/g, '') === from);
    if (i < 0) throw new EditRefused(`'${from}' is not written in '${step.id}'s ${dep.key}`);
    if (items.length === 1) return wholeKey();
    if (isFlow(text, v)) {
      return i > 0 ? [{ start: items[i - 1].end, end: items[i].end, newText: '' }] : [{ start: items[0].start, end: items[1].start, newText: '' }];
    }
    const item = items[i];
    return [{ start: lineStart(text, item.start), end: nextLineStart(text, contentEnd(text, item)), newText: '' }];
  }
  // a comma-separated string
  const quoted = text[v.start] === '"' || text[v.start] === "'";
  const inner = quoted ? text.slice(v.start + 1, v.end - 1) : text.slice(v.start, v.end);
  const names = inner.split(',').map((s) => s.trim()).filter(Boolean);
  const rest = names.filter((n) => n !== from);
  if (!rest.length) return wholeKey();
  return [{ start: quoted ? v.start + 1 : v.start, end: quoted ? v.end - 1 : v.end, newText: rest.join(', ') }];
}

/** The edit that takes a step's whole `dependencies` (or `depends_on`) key away; none when it has no such key. */
export function removeDependencyKey(a: Analysis, step: Step): TextEdit[] {
  const text = a.text;
  const dep = dependencyValue(a, step);
  if (!dep) return [];
  const mapping = exactSpan(a.parsed, step.path)!;
  if (isFlow(text, mapping)) {
    // `{id: b, dependencies: [a]}`: the entry and the comma before it
    let start = dep.keySpan.keyStart;
    while (start > mapping.start && text[start - 1] !== ',') start--;
    return [{ start: Math.max(mapping.start + 1, start - 1), end: contentEnd(text, dep.keySpan), newText: '' }];
  }
  const keyLine = lineStart(text, dep.keySpan.keyStart);
  const first = mapping.children!.keys().next().value === dep.key;
  if (first) {
    // the key right after the list's dash: the next key moves up beside the dash
    const next = [...mapping.children!.values()][1];
    if (!next) throw new EditRefused(`'${step.id}' would have no keys left`);
    return [{ start: dep.keySpan.keyStart, end: next.keyStart, newText: '' }];
  }
  return [{ start: keyLine, end: nextLineStart(text, contentEnd(text, dep.keySpan)), newText: '' }];
}
