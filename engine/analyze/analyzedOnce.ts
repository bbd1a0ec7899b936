// Pipelines a run analyzes again and again: a nested pipeline a step runs once an item, an agent's
// `pipeline:` tool once a call. Their analysis depends only on the text, the tools it may use and
// the inputs an inline one is passed, and a run never changes an analysis (an eval runs one 2,000
// times), so each is analyzed once per content and reused, a few dozen kept at most.
import { analyze, type Analysis } from './index';
import type { ToolSpec } from '../toolkit/toolSpecs';

/** How many analyses are kept for each set of tools (the oldest goes first). */
const KEPT = 32;
/** Texts longer than this are analyzed each time (kept, they would hold their text and analysis). */
const LONGEST_KEPT = 200_000;

/** By the run's tool definitions (the same object for a run and its nested runs), or none. */
const byTools = new WeakMap<object, Map<string, Analysis>>();
const noTools = new Map<string, Analysis>();

/**
 * `analyze(text, {tools, passedInputs})`, the same analysis for the same text, `toolsOwner` (what the
 * specs were taken from: the same owner, the same specs) and passed inputs.
 */
export function analyzedOnce(text: string, toolsOwner: object | undefined, tools: () => Record<string, ToolSpec> | undefined, passedInputs?: string[]): Analysis {
  const options = () => ({ tools: tools(), ...(passedInputs ? { passedInputs } : {}) });
  if (text.length > LONGEST_KEPT) return analyze(text, options());
  let kept = toolsOwner ? byTools.get(toolsOwner) : noTools;
  if (!kept) byTools.set(toolsOwner!, (kept = new Map()));
  const key = `${passedInputs ? passedInputs.join('\u0000') : '\u0001'}\u0002${text}`;
  const hit = kept.get(key);
  if (hit) return hit;
  const a = analyze(text, options());
  if (kept.size >= KEPT) kept.delete(kept.keys().next().value!);
  kept.set(key, a);
  return a;
}
