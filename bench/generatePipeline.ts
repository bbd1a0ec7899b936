// Generated pipelines for benchmarks: `n` steps with templates and dependencies, shaped like real
// ones (a few parameters, tools and model steps, fan-in, loops).
export function generatePipeline(n: number): string {
  const out: string[] = [
    `id: generated_${n}`,
    `name: Generated pipeline of ${n} steps`,
    'version: "1.0.0"',
    'parameters:',
    '  topic: {type: string, default: "durable execution"}',
    '  out_dir: {type: string, default: ./output}',
    '  count: {type: integer, default: 3}',
    'model: openai:gpt-4o-mini',
    'steps:',
  ];
  for (let i = 0; i < n; i++) {
    const deps = i === 0 ? [] : i % 10 === 0 ? [`step_${i - 1}`, `step_${i - 5}`, `step_${Math.max(0, i - 10)}`] : [`step_${i - 1}`];
    const dep = [...new Set(deps)];
    out.push(`  - id: step_${i}`);
    out.push(`    name: Step number ${i}`);
    if (i % 3 === 0) {
      out.push('    tool: filesystem', '    action: write', '    parameters:');
      out.push(`      path: "{{ out_dir }}/part_${i}.md"`);
      out.push(`      content: "{{ topic | upper }} part ${i}: {{ ${i ? `step_${i - 1}.result` : 'count'} | default('') }}"`);
    } else if (i % 3 === 1) {
      out.push('    action: generate', '    parameters:');
      out.push(`      prompt: "Summarize {{ topic }} in {{ count * 2 }} sentences, following {{ step_${i - 1}.status }}."`);
      out.push('      max_tokens: 200');
    } else {
      out.push('    tool: terminal', '    action: execute', '    timeout: 30', '    parameters:');
      out.push(`      command: "echo {{ step_${i - 1}.success }} {{ execution.id }}"`);
    }
    if (dep.length) out.push(`    dependencies: [${dep.join(', ')}]`);
  }
  out.push('outputs:', `  last: "{{ step_${n - 1}.result }}"`);
  return out.join('\n') + '\n';
}

/** The same text with one character changed inside step n/2's name (an edit in the middle). */
export function oneCharEdit(text: string, n: number, k: number): string {
  const marker = `name: Step number ${Math.floor(n / 2)}\n`;
  const i = text.indexOf(marker);
  return text.slice(0, i) + marker.replace('Step', k % 2 ? 'Stap' : 'Stop') + text.slice(i + marker.length);
}
