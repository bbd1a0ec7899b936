// A pipeline written as one flow mapping on one line: `{id: ..., steps: [{id: s0, ...}, ...]}`, as
// a generator or a minifier writes one. 39,500 steps make 4.9 MB, the size of the document a hover
// in took 9 s quiet and 36 s on a loaded machine (issue #74 item 13); test/server/hoverOneLine.test.ts
// and the lsp bench open it.
export const ONE_LINE_STEPS = 39_500;

export function oneLinePipeline(steps = ONE_LINE_STEPS): string {
  const items = Array.from({ length: steps }, (_, i) => `{id: s${i}, name: Step ${i}, tool: terminal, action: execute, parameters: {command: "echo ${i}"}${i ? `, dependencies: [s${i - 1}]` : ''}}`);
  return `{id: one_line, name: One line, description: Every step on the one line, steps: [${items.join(', ')}]}\n`;
}
