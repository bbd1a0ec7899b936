// The ToolContext a unit test runs a tool with: confined to one folder (cwd and workspace), no
// nested runs, output dropped; `over` replaces any of it (a signal to cancel, an output sink).
import type { NestedRunResult, ToolContext } from '../../engine/toolkit/runtime';

export function toolContext(dir: string, over: Partial<ToolContext> = {}): ToolContext {
  return {
    cwd: dir,
    workspace: dir,
    allowOutsideWorkspace: false,
    signal: new AbortController().signal,
    pipelineFile: null,
    output: () => undefined,
    runNested: async (): Promise<NestedRunResult> => {
      throw new Error('not in this test');
    },
    ...over,
  };
}
