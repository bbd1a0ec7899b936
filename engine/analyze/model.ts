// The shapes the analysis returns besides findings: step references, template sites, AUTO tags,
// symbols. Language-server features and the runner read these; nothing here is LSP-specific.
import type { Range, ValuePath } from '../spec/types';
import type { TemplateReferences } from '../template/references';
import { type SourceOffsets } from '../parse/scalarOffsets';

export type ReferenceKind = 'definition' | 'dependency' | 'jump' | 'template';

/** One place a step id appears. */
export interface StepReference {
  stepId: string;
  kind: ReferenceKind;
  range: Range;
  /** The step the reference is written in (null for outputs). */
  fromStep: string | null;
  path: ValuePath;
  /** For a template reference: it is not an explicit dependency, so it adds one. */
  implied?: boolean;
}

export type TemplateKind = 'template' | 'expression';

/** A string the engine renders (or evaluates) at run time. */
export interface TemplateSite {
  path: ValuePath;
  source: string;
  kind: TemplateKind;
  /** The step it belongs to; null for outputs. */
  step: string | null;
  /** Document offset of each character of source (and one past the end): read with `offsetAt`. */
  offsets: SourceOffsets | null;
  references: TemplateReferences | null;
  /** The syntax error, if it does not parse. */
  error: { message: string; range: Range } | null;
  /** Names in scope at this site (for completion). */
  scope: ScopeInfo;
}

export interface ScopeInfo {
  parameters: string[];
  steps: string[];
  loopVariables: string[];
}

export type AutoType =
  | { kind: 'string' }
  | { kind: 'integer' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'list' }
  | { kind: 'model' }
  | { kind: 'step-ids' }
  | { kind: 'tool' }
  | { kind: 'action' }
  | { kind: 'enum'; values: string[] };

export interface AutoTag {
  path: ValuePath;
  /** The whole tag, `<AUTO ...>...</AUTO>`. */
  range: Range;
  /** The question inside the tag. */
  contentRange: Range;
  text: string;
  attributes: Record<string, string>;
  wants: AutoType;
  /** The question refers to run-time values (templates): resolved during the run. */
  runtime: boolean;
  step: string | null;
}

export type SymbolKind = 'pipeline' | 'section' | 'parameter' | 'step' | 'loop' | 'output';

export interface PipelineSymbol {
  name: string;
  detail: string;
  kind: SymbolKind;
  range: Range;
  selectionRange: Range;
  children: PipelineSymbol[];
}
