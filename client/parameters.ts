// Asking for a run's inputs: one input box or quick pick per declared parameter, the default
// filled in, each value checked by the engine's own input rules (as `orc run -i` checks them).
import * as vscode from 'vscode';
import { InputError, parseInputArg, resolveInputs } from '../engine/run/inputs';
import type { ParameterDecl } from '../engine/spec/types';

/** A typed value from what a person typed: JSON when it parses (as `-i`), else the text. */
export function valueFromText(p: ParameterDecl, text: string): unknown {
  if (p.type === 'string') return text;
  return parseInputArg(`${p.name}=${text}`)[1];
}

/** The engine's message for a value of this parameter, or null when it is acceptable. */
export function checkValue(p: ParameterDecl, value: unknown): string | null {
  try {
    resolveInputs([p], { [p.name]: value });
    return null;
  } catch (e) {
    return e instanceof InputError ? e.message : String(e);
  }
}

function shown(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Asks for every parameter; undefined when the person dismisses a prompt (the run does not start). */
export async function askInputs(params: ParameterDecl[], title: string): Promise<Record<string, unknown> | undefined> {
  const out: Record<string, unknown> = {};
  for (const [i, p] of params.entries()) {
    const step = `${title} (${i + 1}/${params.length})`;
    const describe = [p.type, p.required ? 'required' : null, p.description].filter(Boolean).join(' · ');
    if (p.enum?.length || p.type === 'boolean') {
      const options = p.enum?.length ? p.enum : [true, false];
      const items = options.map((v) => ({ label: shown(v), value: v, description: p.hasDefault && JSON.stringify(v) === JSON.stringify(p.default) ? 'default' : undefined }));
      items.sort((a, b) => (b.description ? 1 : 0) - (a.description ? 1 : 0));
      const pick = await vscode.window.showQuickPick(items, { title: step, placeHolder: `${p.name}${describe ? ` — ${describe}` : ''}`, ignoreFocusOut: true });
      if (!pick) return undefined;
      out[p.name] = pick.value;
      continue;
    }
    const text = await vscode.window.showInputBox({
      title: step,
      prompt: `${p.name}${describe ? ` — ${describe}` : ''}`,
      value: p.hasDefault && p.default !== null && p.default !== undefined ? shown(p.default) : '',
      ignoreFocusOut: true,
      validateInput: (t) => {
        if (t === '' && !p.required && p.type !== 'string') return null;
        return checkValue(p, valueFromText(p, t));
      },
    });
    if (text === undefined) return undefined;
    if (text === '' && !p.required && p.type !== 'string') continue;
    out[p.name] = valueFromText(p, text);
  }
  return out;
}
