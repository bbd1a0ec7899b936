// The debug adapter's breakpoints: each set on the innermost step at its line (a breakpoint holds a
// step before it runs), with its condition (a template expression in the step's scope) and its hit
// condition; and the graphs of the pipeline files that place them.
import { Breakpoint } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { analyze, evaluateCondition, graphDocument, type GraphDocument, hasTemplateSyntax, type PausePoint } from '../engine/api/index';
import { innermostAt } from './stepAt';

interface BreakpointSpec {
  id: number;
  line: number;
  step: string | null;
  condition?: string;
  hitCondition?: string;
  hits: number;
}

/** `hitCondition`: a number (stop at that hit), `>= n`, `> n`, `== n`, `% n` (every n-th). */
export function hitMatches(condition: string, hits: number): boolean {
  const m = /^\s*(>=|>|==|=|%)?\s*(\d+)\s*$/.exec(condition);
  if (!m) return false;
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=':
      return hits >= n;
    case '>':
      return hits > n;
    case '%':
      return n > 0 && hits % n === 0;
    default:
      return hits === n;
  }
}

export class StepBreakpoints {
  private readonly byFile = new Map<string, BreakpointSpec[]>();
  private nextId = 1;
  private readonly graphs = new Map<string, GraphDocument | null>();

  constructor(private readonly readText: (file: string) => string) {}

  /** The graph of a pipeline file (its steps' lines), or null when it does not parse. */
  graphFor(file: string): GraphDocument | null {
    if (this.graphs.has(file)) return this.graphs.get(file)!;
    let g: GraphDocument | null = null;
    try {
      const a = analyze(this.readText(file));
      if (a.pipeline && a.plan) g = graphDocument(a);
    } catch {
      g = null;
    }
    this.graphs.set(file, g);
    return g;
  }

  /** Sets a file's breakpoints (read again: it may have changed); lineOf turns a client's line into the debugger's (1-based). */
  set(file: string, breakpoints: DebugProtocol.SourceBreakpoint[], lineOf: (clientLine: number) => number): DebugProtocol.Breakpoint[] {
    this.graphs.delete(file); // the file may have changed since it was last read
    const graph = file ? this.graphFor(file) : null;
    const specs: BreakpointSpec[] = [];
    const out: DebugProtocol.Breakpoint[] = [];
    for (const b of breakpoints) {
      const node = graph ? innermostAt(graph, lineOf(b.line) - 1, 0) : undefined;
      const spec: BreakpointSpec = { id: this.nextId++, line: b.line, step: node?.id ?? null, condition: b.condition, hitCondition: b.hitCondition, hits: 0 };
      const bp = new Breakpoint(Boolean(node), b.line) as DebugProtocol.Breakpoint;
      bp.id = spec.id;
      if (!graph) bp.message = 'This file does not compile as a pipeline, so its steps are not known';
      else if (!node) bp.message = `Line ${b.line} is not inside a step: a breakpoint holds a step before it runs, so it goes on one of the step's lines`;
      specs.push(spec);
      out.push(bp);
    }
    this.byFile.set(file, specs);
    return out;
  }

  /** Whether a breakpoint of the file holds the step arriving (each one on it counts the hit); warn says why a condition could not be evaluated. */
  hit(file: string, point: PausePoint, warn: (text: string) => void): boolean {
    let hit = false;
    for (const bp of this.byFile.get(file) ?? []) {
      if (bp.step !== point.step.id) continue;
      if (bp.condition?.trim()) {
        let holds = false;
        try {
          holds = evaluateCondition(hasTemplateSyntax(bp.condition) ? bp.condition : `{{ ${bp.condition} }}`, point.scope);
        } catch (e) {
          warn(`breakpoint on line ${bp.line}: its condition could not be evaluated for '${point.key}': ${(e as Error).message}\n`);
        }
        if (!holds) continue;
      }
      bp.hits++;
      if (bp.hitCondition?.trim() && !hitMatches(bp.hitCondition, bp.hits)) continue;
      hit = true;
    }
    return hit;
  }
}
