// A model's answer that lands in a shell command is data, never code: it is put into the command as
// one word, quoted for the quoting context it lands in (outside quotes, inside '...' or inside "..."),
// so `hi; touch X` is echoed, not run. A tag that is the whole command is the one position that
// wants shell code; the analyzer warns about it (`auto.shell-command`).
import type { Step } from '../spec/types';

export type QuoteState = 'none' | 'single' | 'double';

/** The quoting state of `/bin/sh` at the end of `prefix` (backslash escapes, '...' and "..."). */
export function quoteStateAt(prefix: string): QuoteState {
  let state: QuoteState = 'none';
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix[i];
    if (state === 'single') {
      if (c === "'") state = 'none';
    } else if (state === 'double') {
      if (c === '\\') i++;
      else if (c === '"') state = 'none';
    } else if (c === '\\') i++;
    else if (c === "'") state = 'single';
    else if (c === '"') state = 'double';
  }
  return state;
}

/** `text` as one shell word inside the quoting context `state`. */
export function shellQuote(text: string, state: QuoteState = 'none'): string {
  if (state === 'single') return text.replace(/'/g, `'\\''`);
  if (state === 'double') return text.replace(/[\\"$`]/g, (c) => `\\${c}`);
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Replaces spans of a command by answers, each quoted for where it lands (spans in order, not overlapping). */
export function spliceQuoted(command: string, spans: { start: number; end: number; answer: string | undefined; /** shell code, put in as it is */ raw?: boolean }[]): string {
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += command.slice(at, s.start);
    out += s.answer === undefined ? command.slice(s.start, s.end) : s.raw ? s.answer : shellQuote(s.answer, quoteStateAt(out));
    at = s.end;
  }
  return out + command.slice(at);
}

/** True when a parameter of a step of this tool is run by a shell. */
export function isShellParameter(tool: unknown, key: string | number): boolean {
  return tool === 'terminal' && key === 'command';
}

/** The step of that id anywhere in the pipeline (loop bodies too). */
export function findStep(steps: Step[], id: string): Step | null {
  for (const s of steps) {
    if (s.id === id) return s;
    const inner = s.body ? findStep(s.body, id) : null;
    if (inner) return inner;
  }
  return null;
}
