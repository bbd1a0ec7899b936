// The template language's syntax tree. Every node carries its offsets in the template text, so
// the analyzer can point a finding at the exact characters of a name, a filter or a literal.

export interface Span {
  start: number;
  end: number;
}

export type Expr =
  | (Span & { type: 'Literal'; value: string | number | boolean | null })
  | (Span & { type: 'Name'; name: string })
  | (Span & { type: 'List'; items: Expr[] })
  | (Span & { type: 'Tuple'; items: Expr[] })
  | (Span & { type: 'Dict'; entries: [Expr, Expr][] })
  | (Span & { type: 'GetAttr'; object: Expr; name: string; nameSpan: Span })
  | (Span & { type: 'GetItem'; object: Expr; index: Expr })
  | (Span & { type: 'Slice'; object: Expr; lower: Expr | null; upper: Expr | null; step: Expr | null })
  | (Span & { type: 'Call'; callee: Expr; args: Expr[]; kwargs: Kwarg[] })
  | (Span & { type: 'Filter'; input: Expr; name: string; nameSpan: Span; args: Expr[]; kwargs: Kwarg[] })
  | (Span & { type: 'Test'; input: Expr; name: string; nameSpan: Span; args: Expr[]; negated: boolean })
  | (Span & { type: 'Unary'; op: 'not' | '-' | '+'; operand: Expr })
  | (Span & { type: 'Binary'; op: BinaryOp; left: Expr; right: Expr })
  | (Span & { type: 'Conditional'; test: Expr; then: Expr; otherwise: Expr | null });

export interface Kwarg extends Span {
  name: string;
  value: Expr;
}

export type BinaryOp =
  | 'or' | 'and'
  | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in'
  | '+' | '-' | '~' | '*' | '/' | '//' | '%' | '**';

export interface Target extends Span {
  name: string;
}

export type TemplateNode =
  | (Span & { type: 'Text'; value: string })
  | (Span & { type: 'Output'; expr: Expr })
  | (Span & { type: 'If'; branches: { test: Expr; body: TemplateNode[] }[]; otherwise: TemplateNode[] | null })
  | (Span & { type: 'For'; targets: Target[]; iter: Expr; filter: Expr | null; body: TemplateNode[]; otherwise: TemplateNode[] | null })
  | (Span & { type: 'Set'; targets: Target[]; value: Expr })
  | (Span & { type: 'SetBlock'; target: Target; body: TemplateNode[] });

export interface TemplateAst {
  body: TemplateNode[];
}

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}
