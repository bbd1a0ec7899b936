// The editor's Interaction: the human-in-the-loop steps ask with an input box, a quick pick, or
// (an approval) a modal message with Approve / Reject / Modify. An agent's call to approve adds Edit
// Arguments: an input box holding the arguments as one line of JSON, checked against the tool's
// schema as the person types (Enter is refused until they fit), whose value approves the call with
// them; Escape goes back to the modal. Cancelling the run (or a step's timeout) closes an open input
// box or quick pick; a modal message cannot be closed from here, and its late answer is ignored.
import * as vscode from 'vscode';
import { editedArgumentsProblem, type Answer, type Interaction, type Question } from '../engine/api/index';

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function heading(q: Question): string {
  return `${q.title ? `${q.title} ` : ''}(step ${q.step})`;
}

const EDIT = 'Edit Arguments';

/** What the schema's properties are, in a line: `path: string, content, append?: boolean`. */
function schemaLine(schema: Record<string, unknown> | null): string {
  const props = schema && typeof schema.properties === 'object' && schema.properties ? Object.entries(schema.properties as Record<string, { type?: unknown }>) : [];
  if (!props.length) return '';
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as string[]) : []);
  return props.map(([name, p]) => `${name}${required.has(name) ? '' : '?'}${p && p.type !== undefined ? `: ${Array.isArray(p.type) ? p.type.join(' | ') : String(p.type)}` : ''}`).join(', ');
}

/** The call's arguments in an input box, on one line; undefined when the person goes back (Escape) or the run is cancelled. */
async function editArguments(q: Question & { edit: NonNullable<Question['edit']> }, token: vscode.CancellationToken): Promise<unknown> {
  let value = q.edit.value;
  try {
    value = JSON.stringify(JSON.parse(value));
  } catch {
    // not JSON (a refused attempt kept as typed): shown as it is
  }
  const takes = schemaLine(q.edit.schema);
  const text = await vscode.window.showInputBox(
    {
      title: `Edit the arguments, then Enter to approve the call with them (step ${q.step})`,
      prompt: `${q.error ? `${q.error}. ` : ''}${q.title ?? q.prompt}: JSON${takes ? ` (${takes})` : ''}. A [redacted: NAME] left where it is keeps its secret.`,
      value,
      ignoreFocusOut: true,
      validateInput: (t) => {
        const problem = editedArgumentsProblem(t, q.edit.schema);
        return problem ? { message: `Not yet: ${problem}`, severity: vscode.InputBoxValidationSeverity.Error } : null;
      },
    },
    token,
  );
  return text === undefined ? undefined : JSON.parse(text);
}

/** An approval: the content in a modal message, one button per choice (and Edit Arguments for an agent's call). */
async function approval(q: Question, token: vscode.CancellationToken): Promise<Answer> {
  // edited arguments the run refused (a secret moved): back in the editor at once, the reason above them
  if (q.edit && q.error) {
    const edited = await editArguments({ ...q, edit: q.edit }, token);
    if (edited !== undefined) return { choice: 'approve', value: edited };
    if (token.isCancellationRequested) return null;
  }
  for (;;) {
    const buttons = [...(q.choices ?? []).map(capital), ...(q.edit ? [EDIT] : [])];
    const pick = await vscode.window.showInformationMessage(`${q.title ?? q.prompt} (step ${q.step})`, { modal: true, detail: `${q.error ? `${q.error}\n\n` : ''}${q.detail}\n\n${q.prompt}` }, ...buttons);
    if (pick !== EDIT || !q.edit || token.isCancellationRequested) return pick === undefined ? null : pick.toLowerCase();
    const edited = await editArguments({ ...q, edit: q.edit }, token);
    if (edited !== undefined) return { choice: 'approve', value: edited };
    if (token.isCancellationRequested) return null;
  }
}

async function askOnce(q: Question, token: vscode.CancellationToken): Promise<Answer> {
  const title = heading(q);
  const prompt = q.error ? `${q.error}. ${q.prompt}` : q.prompt;
  if (q.kind === 'choice' && q.detail !== undefined && q.choices?.length) return approval(q, token);
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
