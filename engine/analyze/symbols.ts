// The outline of a pipeline: parameters, steps (loop bodies nested), outputs.
import { exactSpan, keyRange, valueRange, type ParsedYaml } from '../parse/yamlDocument';
import type { Pipeline, Range, Step, ValuePath } from '../spec/types';
import type { PipelineSymbol } from './model';
import { StepMemo, type StepMemoContext } from './stepMemo';
import { movedRange, rangeInside, type Place } from './movedResults';

function movedSymbol(s: PipelineSymbol, lines: number): PipelineSymbol {
  return { ...s, range: movedRange(s.range, lines), selectionRange: movedRange(s.selectionRange, lines), children: s.children.map((c) => movedSymbol(c, lines)) };
}

function symbolInside(s: PipelineSymbol, place: Place): boolean {
  return rangeInside(s.range, place) && rangeInside(s.selectionRange, place) && s.children.every((c) => symbolInside(c, place));
}

/** The symbol of a top-level step, kept across analyses by the step's text (engine/analyze/stepMemo.ts). */
const MEMO = new StepMemo<PipelineSymbol>((s, lines) => (lines ? movedSymbol(s, lines) : s), symbolInside);

function topStepSymbol(parsed: ParsedYaml, step: Step, memo: StepMemoContext | undefined): PipelineSymbol {
  const place = memo?.place(step);
  const known = place && MEMO.get(memo!, step, place);
  if (known) return known;
  const symbol = stepSymbol(parsed, step);
  if (place) MEMO.set(memo!, step, place, symbol);
  return symbol;
}

function wholeEntry(parsed: ParsedYaml, path: ValuePath): Range {
  const s = exactSpan(parsed, path);
  if (!s) return valueRange(parsed, path);
  const start = s.keyStart >= 0 ? s.keyStart : s.start;
  return parsed.lines.range(start, Math.max(s.end, s.keyStart >= 0 ? s.keyEnd : 0));
}

function stepSymbol(parsed: ParsedYaml, step: Step): PipelineSymbol {
  const detail = step.loop ? (step.loop.kind === 'for_each' ? 'for_each' : 'while') : [step.tool, step.action].filter(Boolean).join('.');
  return {
    name: step.id,
    detail: step.name ? `${detail} — ${step.name}` : detail,
    kind: step.loop ? 'loop' : 'step',
    range: wholeEntry(parsed, step.path),
    selectionRange: valueRange(parsed, [...step.path, 'id']),
    children: (step.body ?? []).map((b) => stepSymbol(parsed, b)),
  };
}

export function pipelineSymbols(parsed: ParsedYaml, pipeline: Pipeline, memo?: StepMemoContext): PipelineSymbol[] {
  const out: PipelineSymbol[] = [];
  const section = (key: string, children: PipelineSymbol[], detail: string) => {
    if (!exactSpan(parsed, [key])) return;
    out.push({ name: key, detail, kind: 'section', range: wholeEntry(parsed, [key]), selectionRange: keyRange(parsed, [key]), children });
  };
  // parameters may be declared under `parameters:` and `inputs:` both (ContextLab's merge)
  for (const key of ['parameters', 'inputs'] as const) {
    const decls = pipeline.parameters.filter((p) => p.source === key);
    section(
      key,
      decls.map((p) => ({
        name: p.name,
        detail: [p.type, p.required ? 'required' : null, p.hasDefault ? `= ${JSON.stringify(p.default)}` : null].filter(Boolean).join(' '),
        kind: 'parameter',
        range: wholeEntry(parsed, [key, p.name]),
        selectionRange: keyRange(parsed, [key, p.name]),
        children: [],
      })),
      `${decls.length}`,
    );
  }
  section('steps', pipeline.steps.map((s) => topStepSymbol(parsed, s, memo)), `${pipeline.steps.length} steps`);
  section(
    'outputs',
    Object.keys(pipeline.outputs).map((name) => ({
      name,
      detail: typeof pipeline.outputs[name] === 'string' ? (pipeline.outputs[name] as string) : '',
      kind: 'output',
      range: wholeEntry(parsed, ['outputs', name]),
      selectionRange: keyRange(parsed, ['outputs', name]),
      children: [],
    })),
    `${Object.keys(pipeline.outputs).length}`,
  );
  return out;
}
