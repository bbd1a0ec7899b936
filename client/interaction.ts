// The editor's Interaction: the human-in-the-loop steps ask with an input box, a quick pick, or
// (an approval) a modal message with Approve / Reject / Modify. Cancelling the run (or a step's
// timeout) closes an open input box or quick pick; a modal message cannot be closed from here,
// and its late answer is ignored.
import * as vscode from 'vscode';
import { type Answer, type Interaction, type Question } from '../engine/api/index';

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function heading(q: Question): string {
  return `${q.title ? `${q.title} ` : ''}(step ${q.step})`;
}

async function askOnce(q: Question, token: vscode.CancellationToken): Promise<Answer> {
  const title = heading(q);
  const prompt = q.error ? `${q.error}. ${q.prompt}` : q.prompt;
  if (q.kind === 'choice' && q.detail !== undefined && q.choices?.length) {
    // an approval: the content in a modal message, one button per choice
    const pick = await vscode.window.showInformationMessage(`${q.title ?? q.prompt} (step ${q.step})`, { modal: true, detail: `${q.error ? `${q.error}\n\n` : ''}${q.detail}\n\n${q.prompt}` }, ...q.choices.map(capital));
    return pick === undefined ? null : pick.toLowerCase();
  }
  if (q.kind === 'choice' && q.choices?.length) {
    const items = q.choices.map((c) => ({ label: c, description: c === q.default ? 'default' : undefined }));
    const pick = await vscode.window.showQuickPick(items, { title, placeHolder: prompt, ignoreFocusOut: true }, token);
    return pick === undefined ? null : pick.label;
  }
  if (q.kind === 'confirm') {
    const pick = await vscode.window.showQuickPick(['Yes', 'No'], { title, placeHolder: prompt, ignoreFocusOut: true }, token);
    return pick === undefined ? null : pick === 'Yes';
  }
  const value = await vscode.window.showInputBox({ title, prompt, value: q.default, ignoreFocusOut: true, placeHolder: q.multiline ? 'The whole content, on one line' : undefined }, token);
  return value === undefined ? null : value;
}

/** Asks in the editor; the tools ask one question at a time per run. */
export function editorInteraction(): Interaction {
  return {
    interactive: true,
    async ask(q, signal) {
      if (signal.aborted) throw signal.reason;
      const source = new vscode.CancellationTokenSource();
      const onAbort = () => source.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const answer = await askOnce(q, source.token);
        if (signal.aborted) throw signal.reason;
        return answer;
      } finally {
        signal.removeEventListener('abort', onAbort);
        source.dispose();
      }
    },
  };
}
