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

/**
 * The definition of a step (the range of its id) as the analysis keeps it for every step: the id,
 * the step's path and the four numbers of the range; the range and the path are made when read. A
 * plain reference with its range (three objects) and its path was about 256 bytes a step, this 72:
 * 0.9 MiB of what the language server holds at 5,000 steps.
 */
export class DefinitionReference implements StepReference {
  constructor(
    readonly stepId: string,
    private readonly stepPath: ValuePath,
    private readonly startLine: number,
    private readonly startCharacter: number,
    private readonly endLine: number,
    private readonly endCharacter: number,
  ) {}

  static of(stepId: string, stepPath: ValuePath, range: Range): DefinitionReference {
    return new DefinitionReference(stepId, stepPath, range.start.line, range.start.character, range.end.line, range.end.character);
  }

  get kind(): 'definition' {
    return 'definition';
  }

  get fromStep(): string {
    return this.stepId;
  }

  get path(): ValuePath {
    return this.stepPath.concat('id');
  }

  get range(): Range {
    return { start: { line: this.startLine, character: this.startCharacter }, end: { line: this.endLine, character: this.endCharacter } };
  }

  /** The same definition `lines` lines further down. */
  moved(lines: number): DefinitionReference {
    return new DefinitionReference(this.stepId, this.stepPath, this.startLine + lines, this.startCharacter, this.endLine + lines, this.endCharacter);
  }
}

/**
 * A dependency, jump or template reference as the analysis keeps it: its range as four numbers,
 * made into a Range when read (a Range is three objects, 120 bytes; a long document has a
 * reference or two in every step). Implied dependencies and plan edges point at the reference for
 * their range rather than sharing a Range object.
 */
export class LocatedReference implements StepReference {
  constructor(
    readonly stepId: string,
    readonly kind: Exclude<ReferenceKind, 'definition'>,
    readonly fromStep: string | null,
    readonly path: ValuePath,
    private readonly startLine: number,
    private readonly startCharacter: number,
    private readonly endLine: number,
    private readonly endCharacter: number,
    readonly implied?: boolean,
  ) {}

  static of(stepId: string, kind: Exclude<ReferenceKind, 'definition'>, fromStep: string | null, path: ValuePath, range: Range, implied?: boolean): LocatedReference {
    return new LocatedReference(stepId, kind, fromStep, path, range.start.line, range.start.character, range.end.line, range.end.character, implied);
  }

  get range(): Range {
    return { start: { line: this.startLine, character: this.startCharacter }, end: { line: this.endLine, character: this.endCharacter } };
  }

  /** The same reference `lines` lines further down. */
  moved(lines: number): LocatedReference {
    return new LocatedReference(this.stepId, this.kind, this.fromStep, this.path, this.startLine + lines, this.startCharacter, this.endLine + lines, this.endCharacter, this.implied);
  }
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
