// A session's thread as one page (the Runs view's thread node, opened): its runs oldest first, each
// a turn of the conversation: the person's message (the run's message parameter), then what the
// agent did — each model turn's text, the tool calls it made with their results, the handoffs to
// other agents — and its answer. A static page (no script), themed with VS Code's variables, a
// strict CSP. Pure: the extension reads the records and gives them here.
import type { AgentStepResult, AgentToolCall, ResultDocument } from '../engine/api/index';

/** One run of the thread, as read from its record. */
export interface ThreadRun {
  runId: string;
  /** Null: the record could not be read (or the run has not ended). */
  doc: ResultDocument | null;
  /** What the person said: the run's message parameter, when it has one. */
  message: string | null;
  status: string;
  started_at: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const oneLine = (v: unknown, n: number): string => {
  const t = (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))).replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

const isAgentResult = (v: unknown): v is AgentStepResult => Boolean(v && typeof v === 'object' && Array.isArray((v as AgentStepResult).transcript) && Array.isArray((v as AgentStepResult).tool_calls));

/** The top-level agent steps of a run that continued `session`, in the run's order. */
export function sessionSteps(doc: ResultDocument, session: string): [string, AgentStepResult][] {
  const order = [...doc.execution_order, ...Object.keys(doc.steps).filter((s) => !doc.execution_order.includes(s))];
  const out: [string, AgentStepResult][] = [];
  for (const id of order) {
    const r = doc.steps[id]?.result;
    if (isAgentResult(r) && r.session?.id === session) out.push([id, r]);
  }
  return out;
}

function callLine(c: AgentToolCall): string {
  const outcome = c.status === 'ok' ? `→ ${esc(oneLine(c.result ?? null, 160))}` : `<span class="error">${esc(c.status)}: ${esc(oneLine(c.error ?? '', 160))}</span>`;
  return `<li class="call" data-tool="${esc(c.tool)}" data-status="${esc(c.status)}"><code>${esc(c.tool)}(${esc(oneLine(c.arguments ?? {}, 100))})</code> ${outcome}</li>`;
}

function agentBlock(step: string, r: AgentStepResult): string {
  const turns = r.transcript.map((t) => {
    const calls = r.tool_calls.filter((c) => c.turn === t.turn && !(t.handoff && c.result && typeof c.result === 'object' && 'handoff_to' in c.result));
    const who = t.agent ?? step;
    const text = t.text.trim() && !(r.answer !== null && t.turn === r.transcript[r.transcript.length - 1]?.turn) ? `<p class="text">${esc(t.text)}</p>` : '';
    const handoff = t.handoff ? `<p class="handoff" data-testid="thread-handoff">${esc(who)} handed the conversation to <strong>${esc(t.handoff)}</strong></p>` : '';
    if (!text && !calls.length && !handoff) return ''; // the turn that answered: its text is the answer below
    return `<li class="turn" data-turn="${t.turn}"><span class="who">${esc(who)}</span>${text}${calls.length ? `<ul class="calls">${calls.map(callLine).join('')}</ul>` : ''}${handoff}</li>`;
  });
  const answer = r.answer !== null ? `<div class="answer" data-testid="thread-answer"><span class="who">${esc(r.handoffs?.length ? r.handoffs[r.handoffs.length - 1].to : step)}</span><p>${esc(r.answer)}</p></div>` : `<p class="stopped">No answer: ${esc(r.stop_reason)}</p>`;
  return `<section class="agent" data-step="${esc(step)}"><ol class="turns">${turns.join('')}</ol>${answer}</section>`;
}

export function threadHtml(session: string, runs: ThreadRun[], o: { nonce: string; cspSource: string }): string {
  const csp = `default-src 'none'; style-src 'nonce-${o.nonce}'; img-src ${o.cspSource} data:`;
  const body = runs
    .map((run, i) => {
      const head = `<h3>Turn ${i + 1} <span class="meta">${esc(run.status)} · ${esc(run.started_at.replace('T', ' ').slice(0, 19))} · run ${esc(run.runId)}</span></h3>`;
      const said = run.message !== null ? `<div class="user" data-testid="thread-message"><span class="who">you</span><p>${esc(run.message)}</p></div>` : '';
      const steps = run.doc ? sessionSteps(run.doc, session) : [];
      const agents = !run.doc ? '<p class="stopped">This run has no record to show yet.</p>' : steps.length ? steps.map(([id, r]) => agentBlock(id, r)).join('') : '<p class="stopped">No agent step of this run continued the session.</p>';
      return `<article class="run" data-run-id="${esc(run.runId)}" data-testid="thread-run">${head}${said}${agents}</article>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<title>Session ${esc(session)}</title>
<style nonce="${esc(o.nonce)}">
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px); padding: 8px 16px; max-width: 60em; }
h3 { margin: 1.2em 0 0.4em; }
.meta, .stopped { color: var(--vscode-descriptionForeground); font-weight: normal; font-size: 0.9em; }
.who { font-weight: bold; display: block; font-size: 0.9em; color: var(--vscode-descriptionForeground); }
.user, .answer, .turn { border-left: 3px solid var(--vscode-panel-border, #8884); padding: 2px 10px; margin: 6px 0; list-style: none; }
.user { border-color: var(--vscode-focusBorder); }
.answer { border-color: var(--vscode-testing-iconPassed, #3a3); }
.turns, .calls { padding-left: 0; margin: 0; }
.calls { padding-left: 1em; }
.call { list-style: square; }
.handoff { color: var(--vscode-editorWarning-foreground); }
.error { color: var(--vscode-errorForeground); }
p { margin: 2px 0; white-space: pre-wrap; word-break: break-word; }
code { font-family: var(--vscode-editor-font-family); }
</style>
</head>
<body>
<h2 data-testid="thread-title">Session ${esc(session)} · ${runs.length} turn${runs.length === 1 ? '' : 's'}</h2>
${body}
</body>
</html>`;
}
