// Findings as a compiler prints them: `file:line:col: severity code message`, the source line, a caret.
import { type Finding } from '../api/index';
import { stripControls, terminalText } from './terminalText';

export interface Style {
  color: boolean;
}

const COLORS: Record<string, string> = { error: '31', warning: '33', info: '36', hint: '90', bold: '1', dim: '2' };

export function paint(style: Style, what: keyof typeof COLORS | string, text: string): string {
  return style.color && COLORS[what] ? `\x1b[${COLORS[what]}m${text}\x1b[0m` : text;
}

/** The lines of the last text formatted: findings of one file share one split, not one each. */
let splitCache: { text: string; lines: string[] } | null = null;
function linesOf(text: string): string[] {
  if (splitCache?.text !== text) splitCache = { text, lines: text.split(/\r?\n|\r/) };
  return splitCache.lines;
}

/** Characters of a finding's message printed on a terminal. */
const MAX_MESSAGE = 2000;

export function formatFinding(file: string, text: string, f: Finding, style: Style): string {
  const { line, character } = f.range.start;
  // a message may quote a model's answer or the file: no control sequences, bounded
  const head = `${file}:${line + 1}:${character + 1}: ${paint(style, f.severity, f.severity)} ${paint(style, 'bold', f.code)} ${terminalText(f.message, MAX_MESSAGE)}`;
  const lines = linesOf(text);
  const src = lines[line];
  if (src === undefined) return head;
  const endChar = f.range.end.line === line ? Math.max(f.range.end.character, character + 1) : src.length;
  const width = Math.max(1, Math.min(endChar, src.length) - character);
  const gutter = String(line + 1).padStart(5);
  const shown = stripControls(src.length > 200 ? src.slice(0, 200) + '…' : src);
  const caret = character < 200 ? ' '.repeat(character) + paint(style, f.severity, '^' + '~'.repeat(Math.min(width, 200 - character) - 1)) : '';
  const out = [head, `${paint(style, 'dim', gutter + ' |')} ${shown}`, `${paint(style, 'dim', ' '.repeat(5) + ' |')} ${caret}`];
  for (const r of f.related ?? []) out.push(`${file}:${r.range.start.line + 1}:${r.range.start.character + 1}: ${paint(style, 'dim', 'note')} ${terminalText(r.message, MAX_MESSAGE)}`);
  return out.join('\n');
}

export function summary(findings: Finding[]): string {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  const parts: string[] = [];
  const e = count('error');
  const w = count('warning');
  const i = count('info') + count('hint');
  if (e) parts.push(`${e} error${e === 1 ? '' : 's'}`);
  if (w) parts.push(`${w} warning${w === 1 ? '' : 's'}`);
  if (i) parts.push(`${i} note${i === 1 ? '' : 's'}`);
  return parts.join(', ');
}
