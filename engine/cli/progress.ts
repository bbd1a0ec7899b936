// Progress of a run on stderr, drawn from RunEvents: a live line per running step on a terminal,
// plain lines otherwise (CI logs, pipes). An agent step's tool calls have a line each under it
// (engine/cli/agentProgress.ts). The same lines go to stderr under --json: stdout is the document.
import { chainStory, isAgentResult, type RunEvent, type RunListener, type StepResult, type StepScope } from '../api/index';
import { paint, type Style } from './findingFormat';
import { AgentLines, agentSummary } from './agentProgress';
import { stripControls } from './terminalText';

function label(step: string, scope: StepScope[]): string {
  return [...scope.map((s) => `${s.loop}[${s.index}]`), step].join(' › ');
}

function duration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function ended(name: string, r: StepResult, style: Style): string {
  switch (r.status) {
    case 'completed':
      if (r.success === false) return `${paint(style, 'warning', '!')} ${name} reported a failure: ${stripControls(String(r.error))}`;
      return `${paint(style, 'info', '✓')} ${name} ${paint(style, 'dim', `${duration(r.duration_ms)}${r.cached ? ' (cached)' : ''}${r.attempts > 1 ? `, ${r.attempts} attempts` : ''}${r.models_tried && chainStory(r.models_tried) ? `; ${chainStory(r.models_tried)}` : ''}${isAgentResult(r.result) ? `; ${agentSummary(r.result)}` : ''}`)}`;
    case 'failed':
      return `${paint(style, 'error', '✗')} ${name} failed${r.attempts > 1 ? ` after ${r.attempts} attempts` : ''}: ${r.error_type ? `${r.error_type}: ` : ''}${stripControls(String(r.error))}`;
    case 'skipped':
      return `${paint(style, 'dim', '–')} ${name} skipped: ${stripControls(r.skip_reason ?? '')}`;
    case 'cancelled':
      return `${paint(style, 'dim', '■')} ${name} cancelled`;
  }
  return `${name} ${r.status}`;
}

export function progressReporter(write: (s: string) => void, style: Style, live: boolean): RunListener & { close(): void; pause(): void; resume(): void } {
  const running = new Map<string, { name: string; since: number; attempt: number }>();
  const agents = new AgentLines(style);
  // the step the last line was about: an agent's call line names its step when that is another
  let subject: string | null = null;
  let drawn = 0;
  // while a question is asked on the terminal: nothing drawn, lines held back
  let paused = false;
  const held: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  const clear = () => {
    if (live && drawn) write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    if (!live || paused) return;
    clear();
    const now = Date.now();
    const lines = [...running.values()].slice(0, 20).map((r) => `${paint(style, 'info', '⠿')} ${r.name} ${paint(style, 'dim', `${((now - r.since) / 1000).toFixed(1)} s${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`)}`);
    if (running.size > 20) lines.push(paint(style, 'dim', `  … and ${running.size - 20} more`));
    if (lines.length) write(lines.join('\n') + '\n');
    drawn = lines.length;
  };
  const line = (s: string) => {
    if (paused) return void held.push(s);
    clear();
    write(s + '\n');
    draw();
  };
  if (live) timer = setInterval(draw, 250);

  const listener = (e: RunEvent) => {
    switch (e.type) {
      case 'run-started':
        line(paint(style, 'bold', `${e.resumed ? 'resuming' : 'run'} ${e.executionId}: ${e.pipelineId}, ${e.steps.length} step${e.steps.length === 1 ? '' : 's'} in ${e.levels.length} level${e.levels.length === 1 ? '' : 's'}`));
        break;
      case 'step-started': {
        const key = label(e.stepId, e.scope);
        running.set(key, { name: key, since: running.get(key)?.since ?? e.time, attempt: e.attempt });
        agents.forget(key);
        if (!live) {
          line(`${e.attempt > 1 ? '↻' : '▶'} ${key}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
          subject = key;
        } else draw();
        break;
      }
      case 'tool-call-started':
      case 'tool-call-ended':
      case 'agent-turn-started':
      case 'agent-turn-ended': {
        const key = label(e.stepId, e.scope);
        const lines = agents.lines(e, key, subject === key ? null : key);
        for (const l of lines) line(l);
        if (lines.length) subject = key;
        break;
      }
      case 'attempt-failed':
        // the last attempt's failure is told by the step's own line; this one only when a retry follows
        if (e.retryInMs !== null) {
          line(`${paint(style, 'warning', '…')} ${label(e.stepId, e.scope)} attempt ${e.attempt} failed: ${e.errorType}: ${stripControls(e.error)} (retrying in ${duration(e.retryInMs)})`);
          subject = label(e.stepId, e.scope);
        }
        break;
      case 'step-ended': {
        const key = label(e.stepId, e.scope);
        running.delete(key);
        agents.forget(key);
        line(ended(key, e.result, style));
        subject = key;
        break;
      }
      case 'warning':
        line(`${paint(style, 'warning', 'warning:')} ${stripControls(e.message)}`);
        subject = null;
        break;
      case 'run-ended': {
        const d = e.result;
        const count = (s: string) => Object.values(d.steps).filter((r) => r.status === s).length;
        const cost = d.cost_usd ? `, $${d.cost_usd.toFixed(4)}, ${d.tokens_in}+${d.tokens_out} tokens` : '';
        const what = d.status === 'completed' ? paint(style, 'info', 'completed') : paint(style, 'error', d.status);
        line(`${paint(style, 'bold', `run ${d.execution_id}`)} ${what} in ${duration(d.duration_ms)}: ${count('completed')} completed, ${count('skipped')} skipped, ${count('failed')} failed${count('cancelled') ? `, ${count('cancelled')} cancelled` : ''}${cost}`);
        if (d.output_errors) for (const [k, m] of Object.entries(d.output_errors)) line(`${paint(style, 'error', '✗')} output '${k}': ${stripControls(m)}`);
        for (const m of d.listener_errors ?? []) line(`${paint(style, 'warning', 'warning:')} a run listener failed: ${stripControls(m)}`);
        break;
      }
    }
  };
  return Object.assign(listener, {
    close() {
      if (timer) clearInterval(timer);
      paused = false;
      for (const s of held.splice(0)) write(s + '\n');
      clear();
    },
    pause() {
      clear();
      paused = true;
    },
    resume() {
      paused = false;
      for (const s of held.splice(0)) write(s + '\n');
      draw();
    },
  });
}
