// The Variables of the debug adapter: values shown as the debugger shows them, their children listed
// lazily (at most MAX_CHILDREN at a time), and what a user types into one: a waiting step's inputs,
// a held tool call's arguments, or a finished step's result or vars, changed where the rest of the
// run sees them.
import { Handles, Scope } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { type DebugControl, type ListScope, type PausePoint, type StepResult } from '../engine/api/index';

const MAX_CHILDREN = 1000;

/** How a value shown in Variables is changed: a held step's inputs, a held tool call's arguments, a finished step's result, or not at all. */
export type ContainerEdit =
  | { kind: 'inputs'; thread: number; path: (string | number)[] }
  | { kind: 'call'; thread: number; path: (string | number)[] }
  | { kind: 'result'; key: string; path: (string | number)[] }
  | { kind: 'steps' }
  | null;

/** The Variables context menu's mark on a held call's values (`debugProtocolVariableMenuContext == toolCall`): Deny Tool Call is offered there. */
export const TOOL_CALL_MENU_CONTEXT = 'toolCall';

/** A value shown in Variables: its children are listed lazily; `edit` says how a child is changed. */
export interface Container {
  value: unknown;
  edit: ContainerEdit;
}

/** A value as the debugger shows it: strings quoted, objects summarized. */
export function display(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    return `{${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}}`;
  }
  return String(v);
}

/** What a user typed in Variables: JSON when it parses (numbers, true, "quoted", {…}), else the text itself. */
export function parseTyped(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What the variables need from the session: the run's control, and the change of a held step's inputs or a held call's arguments (each throws, with the reason, when it cannot be made). */
export interface VariableHost {
  control(): DebugControl | null;
  editInputs(thread: number, path: (string | number)[], value: unknown): void;
  editCall(thread: number, path: (string | number)[], value: unknown): void;
}

/** What a step's frame shows: the step where it stands, its inputs, its failure. */
export interface StepView {
  id: number;
  point: PausePoint;
  state: 'held' | 'failed' | 'running';
  inputs: Record<string, unknown> | null;
  failure?: StepResult;
}

export class DebugVariables {
  private readonly containers = new Handles<Container>();

  constructor(private readonly host: VariableHost) {}

  /** A new reference for a value whose children are listed on request. */
  create(c: Container): number {
    return this.containers.create(c);
  }

  /** The scopes of a step's frame, or (`iteration` given) of an enclosing loop iteration's frame: only its loop variables. */
  stepScopes(t: StepView, iteration: ListScope | null): Scope[] {
    const scopes: Scope[] = [];
    if (!iteration) {
      if (t.failure) scopes.push(new Scope('Failure', this.create({ value: { error: t.failure.error, error_type: t.failure.error_type, result: t.failure.result, attempts: t.failure.attempts }, edit: null })));
      if (t.inputs) scopes.push(new Scope(t.state === 'held' ? 'Inputs' : 'Inputs (running)', this.create({ value: t.inputs, edit: t.state === 'held' ? { kind: 'inputs', thread: t.id, path: [] } : null })));
    }
    const loopVars = (iteration ?? t.point.scope).loopVars;
    if (Object.keys(loopVars).length) scopes.push(new Scope('Loop', this.create({ value: Object.fromEntries(Object.entries(loopVars).filter(([k]) => !k.startsWith('$'))), edit: null })));
    if (!iteration) {
      scopes.push(new Scope('Parameters', this.create({ value: t.point.scope.inputs, edit: null })));
      const steps = t.point.scope.lookup('steps');
      scopes.push(new Scope('Steps', this.create({ value: steps.found ? steps.value : {}, edit: { kind: 'steps' } }), true));
    }
    return scopes;
  }

  /** Forgets every reference (the run went on: what was shown may have changed). */
  reset(): void {
    this.containers.reset();
  }

  variable(name: string, value: unknown, edit: ContainerEdit): DebugProtocol.Variable {
    const expandable = value !== null && typeof value === 'object';
    const ref = expandable ? this.containers.create({ value, edit }) : 0;
    const v: DebugProtocol.Variable & { __vscodeVariableMenuContext?: string } = { name, value: display(value), variablesReference: ref };
    if (Array.isArray(value)) v.indexedVariables = value.length;
    if (edit?.kind === 'call') v.__vscodeVariableMenuContext = TOOL_CALL_MENU_CONTEXT;
    return v;
  }

  private childEdit(parent: ContainerEdit, name: string | number, value: unknown): ContainerEdit {
    if (!parent) return null;
    if (parent.kind === 'steps') {
      const key = value && typeof value === 'object' ? this.host.control()?.keyOf(value as StepResult) : undefined;
      return key ? { kind: 'result', key, path: [] } : null;
    }
    if (parent.kind === 'result' && parent.path.length === 0) return name === 'result' || name === 'vars' ? { ...parent, path: [name] } : null;
    return { ...parent, path: [...parent.path, name] };
  }

  /** The children of a reference: a slice of an array, or a mapping's first MAX_CHILDREN entries. */
  children(args: DebugProtocol.VariablesArguments): DebugProtocol.Variable[] {
    const c = this.containers.get(args.variablesReference);
    const out: DebugProtocol.Variable[] = [];
    if (c && c.value && typeof c.value === 'object') {
      if (Array.isArray(c.value)) {
        const start = args.start ?? 0;
        const end = Math.min(c.value.length, start + (args.count ?? MAX_CHILDREN));
        for (let i = start; i < end; i++) out.push(this.variable(String(i), c.value[i], this.childEdit(c.edit, i, c.value[i])));
      } else {
        const entries = Object.entries(c.value as Record<string, unknown>);
        for (const [k, v] of entries.slice(0, MAX_CHILDREN)) out.push(this.variable(k, v, this.childEdit(c.edit, k, v)));
        if (entries.length > MAX_CHILDREN) out.push({ name: '…', value: `${entries.length - MAX_CHILDREN} more not shown`, variablesReference: 0 });
      }
    }
    return out;
  }

  /** Changes a variable as the user typed it; throws (with the message to show) when it cannot be changed. */
  set(args: DebugProtocol.SetVariableArguments): { value: string; variablesReference: number } {
    const c = this.containers.get(args.variablesReference);
    const value = parseTyped(args.value);
    const name: string | number = Array.isArray(c?.value) && /^\d+$/.test(args.name) ? Number(args.name) : args.name;
    const target = c ? this.childEdit(c.edit, name, undefined) : null;
    if (!c || !target || target.kind === 'steps') throw new Error(`'${args.name}' cannot be changed: only a waiting step's inputs, a held tool call's arguments and a finished step's result or vars can`);
    if (target.kind === 'inputs') {
      this.host.editInputs(target.thread, target.path, value);
    } else if (target.kind === 'call') {
      this.host.editCall(target.thread, target.path, value);
    } else {
      const control = this.host.control();
      if (!control) throw new Error('no run to change');
      if (target.path.length < 2 && !(target.path.length === 1 && (target.path[0] === 'result' || target.path[0] === 'vars'))) throw new Error(`only a step's 'result' and 'vars' can be changed, not '${args.name}'`);
      control.editResult(target.key, target.path, value);
    }
    // the shown value is now the changed one
    if (c.value && typeof c.value === 'object' && (target.kind === 'inputs' || target.kind === 'call')) (c.value as Record<string | number, unknown>)[name] = value;
    return { value: display(value), variablesReference: value && typeof value === 'object' ? this.containers.create({ value, edit: target }) : 0 };
  }
}
