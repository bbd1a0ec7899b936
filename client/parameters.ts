// Asking for a run's inputs: one input box or quick pick per declared parameter, the default
// filled in, each answer checked by the engine's own input rules (client/parameterValues.ts).
import * as vscode from 'vscode';
import { type ParameterDecl } from '../engine/api/index';
import { answerOf, choicesOf, initialText } from './parameterValues';

/** Asks for every parameter; undefined when the person dismisses a prompt (the run does not start). */
export async function askInputs(params: ParameterDecl[], title: string): Promise<Record<string, unknown> | undefined> {
  const out: Record<string, unknown> = {};
  for (const [i, p] of params.entries()) {
    const step = `${title} (${i + 1}/${params.length})`;
    const describe = [p.type, p.required ? 'required' : null, p.description].filter(Boolean).join(' · ');
    const label = `${p.name}${describe ? ` — ${describe}` : ''}`;
    const choices = choicesOf(p);
    if (choices) {
      const items = choices.map((c) => ({ label: c.label, value: c.value, description: c.isDefault ? 'default' : undefined }));
      const pick = await vscode.window.showQuickPick(items, { title: step, placeHolder: label, ignoreFocusOut: true });
      if (!pick) return undefined;
      out[p.name] = pick.value;
      continue;
    }
    const text = await vscode.window.showInputBox({
      title: step,
      prompt: label,
      value: initialText(p),
      ignoreFocusOut: true,
      validateInput: (t) => {
        const a = answerOf(p, t);
        return a.kind === 'invalid' ? a.message : null;
      },
    });
    if (text === undefined) return undefined;
    const answer = answerOf(p, text);
    if (answer.kind === 'value') out[p.name] = answer.value;
  }
  return out;
}
