// The tool contract: what a tool, its actions, their parameters and result fields are. Every
// tool's spec (specs/) is written in these terms; the analyzer checks steps against them and the
// runner executes against the same specs.
import type { ParamType } from '../spec/types';

export interface ParamSpec {
  type: ParamType | ParamType[] | 'any';
  required?: boolean;
  /** A required parameter that may be left out when one of these is given (ContextLab's `analyze_text`
   * reads its `prompt` when there is no `text`). */
  unlessGiven?: string[];
  description: string;
  default?: unknown;
  enum?: unknown[];
  /** Another name of this parameter (ContextLab's): given instead of it, it counts as it. */
  aliasOf?: string;
  /** A value of several lines is a document of its own (an inline pipeline): it is not rendered as
   * this pipeline's template, and the analyzer checks it as the document it is. */
  inlineDocument?: boolean;
}

const NO_NAMES: readonly string[] = Object.freeze([]);

/** Whether an action has a parameter that takes an inline document, by spec (specs do not change once made). */
const takesInline = new WeakMap<ActionSpec, boolean>();

function takesInlineDocument(spec: ActionSpec): boolean {
  let known = takesInline.get(spec);
  if (known === undefined) {
    known = false;
    for (const k in spec.parameters) if (Object.prototype.hasOwnProperty.call(spec.parameters, k) && spec.parameters[k].inlineDocument) known = true;
    takesInline.set(spec, known);
  }
  return known;
}

/** The parameters of a step that hold an inline document (`inlineDocument` and a value of several lines). */
export function inlineDocumentParams(spec: ActionSpec | undefined, params: Record<string, unknown>): readonly string[] {
  // asked for every step of every analysis and every step a run starts: an action with no such
  // parameter (almost all) gives one shared empty list, not two new lists of the step's keys
  if (!spec || !takesInlineDocument(spec)) return NO_NAMES;
  return Object.keys(params).filter((k) => Object.prototype.hasOwnProperty.call(spec.parameters, k) && spec.parameters[k].inlineDocument && typeof params[k] === 'string' && (params[k] as string).includes('\n'));
}

export interface ActionSpec {
  description: string;
  parameters: Record<string, ParamSpec>;
  /** Fields of the step's `result` when it succeeds; absent when the result is free-form. */
  result?: Record<string, string>;
  /** The action calls a model. */
  usesModel?: boolean;
}

export interface ToolSpec {
  name: string;
  description: string;
  actions: Record<string, ActionSpec>;
}
