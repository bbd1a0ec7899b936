// The heap of an `orc eval` or `orc optimize` process. Each case leaves tens of kilobytes behind it
// (its HTTP exchange, its run's events and result document); they live as long as the model call, so
// most outlive a young collection and reach the old generation, which V8 lets grow to several times
// its live size before it collects it: an eval of 1,000 cases × 2 variants once peaked at 275 MB of
// RSS for 38 MB of live objects (npm run bench eval). The old generation is held to grow by its live
// size between full collections. At half its live size (as it was until 2026-11-25) a full
// collection came every few hundred milliseconds, and their concurrent marking took the second core
// from the model calls' own work: in paired runs of the bench's eval of 1,000 cases, our overhead per
// case over the bare SDK read 2.06-2.74 ms at 50 % and 1.52-2.24 at 100 %, for a peak RSS of
// 129-143 MB against 143-153 (V8's own growth: 163-174 MB); 100,000 cases peaked at 177 MB at 100 %.
// The process is the CLI's own: the editor's extension host never calls this. `orc`'s entry holds it
// before it loads the CLI's bundle when the command is one of EVAL_HEAP_COMMANDS (V8 reads the
// bundle's code cache only under the flags it was made with: engine/cli/compileCache.ts); the
// commands hold it again, which changes nothing.
/** The commands whose process holds its heap so. */
export const EVAL_HEAP_COMMANDS: readonly string[] = ['eval', 'optimize'];

let held = false;

export function holdEvalHeap(): void {
  if (held) return;
  held = true;
  // node:v8 required here, not imported: `orc`'s entry imports this module for every command, and a
  // command that does not hold its heap loads no built-in a bare node does not (scripts/lazyBuiltins.mjs)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--heap-growing-percent=100');
}
