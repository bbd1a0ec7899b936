// The heap of an `orc eval` or `orc optimize` process. Each case leaves tens of kilobytes behind it
// (its HTTP exchange, its run's events and result document); they live as long as the model call, so
// most outlive a young collection and reach the old generation, which V8 lets grow to several times
// its live size before it collects it: an eval of 1,000 cases × 2 variants peaked at 275 MB of RSS
// for 38 MB of live objects (npm run bench eval). Held to grow by half its live size between full
// collections, the same eval peaks at about 215 MB; with so little live, each full collection is a
// few milliseconds. The process is the CLI's own: the editor's extension host never calls this.
import { setFlagsFromString } from 'node:v8';

let held = false;

export function holdEvalHeap(): void {
  if (held) return;
  held = true;
  setFlagsFromString('--heap-growing-percent=50');
}
