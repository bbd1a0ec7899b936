// What a SQLite statement may touch besides its own database: `ATTACH 'file'` and `VACUUM INTO
// 'file'` open or create any file the process can reach, so their file must be a quoted name whose
// real path is inside the workspace and not in `.orchestrator/` (engine/toolkit/workspacePath.ts);
// `:memory:` and SQLite's temporary database ('') touch no file. A file given by an expression or a
// parameter cannot be checked before it runs, so it is refused. node-sqlite3-wasm exposes no
// authorizer, so the check reads the statement's words the way SQLite's tokenizer does: strings,
// quoted names and comments are skipped, and each statement of the text is looked at.
import * as path from 'node:path';
import { ToolError } from '../../toolkit/runtime';
import { confinedPath, type Confinement } from '../../toolkit/workspacePath';

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: 'semicolon' } | { kind: 'other'; text: string };

/** The tokens of a SQL text that matter here: words, string literals (unquoted) and statement ends. */
function tokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) i++;
    else if (c === '-' && sql[i + 1] === '-') i = sql.indexOf('\n', i) === -1 ? sql.length : sql.indexOf('\n', i);
    else if (c === '/' && sql[i + 1] === '*') i = sql.indexOf('*/', i + 2) === -1 ? sql.length : sql.indexOf('*/', i + 2) + 2;
    else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let text = '';
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            text += close;
            j++;
            continue;
          }
          break;
        }
        text += sql[j];
      }
      out.push(c === "'" ? { kind: 'string', text } : { kind: 'word', text: '' });
      i = j + 1;
    } else if (c === ';') {
      out.push({ kind: 'semicolon' });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\w$]/.test(sql[j])) j++;
      out.push({ kind: 'word', text: sql.slice(i, j).toUpperCase() });
      i = j;
    } else {
      out.push({ kind: 'other', text: c });
      i++;
    }
  }
  return out;
}

/** The statements of a text, each its tokens. */
function statements(sql: string): Token[][] {
  const out: Token[][] = [[]];
  for (const t of tokens(sql)) {
    if (t.kind === 'semicolon') out.push([]);
    else out[out.length - 1].push(t);
  }
  return out.filter((s) => s.length);
}

const isWord = (t: Token | undefined, ...words: string[]): boolean => t?.kind === 'word' && words.includes(t.text);

/** Refuses the file an ATTACH or VACUUM INTO names unless it is a quoted name inside the workspace; `ctx.cwd` is where the statement's own database is. */
function checkFile(t: Token | undefined, alone: boolean, what: string, ctx: Confinement): void {
  // the file is one quoted name and nothing more (`'a' || '/../x.db'` is an expression)
  if (t?.kind !== 'string' || !alone) throw new ToolError(`SQLite: ${what} takes a file name in quotes inside the workspace (a name made by an expression or a parameter cannot be checked before it runs)`, 'PermissionError');
  const name = t.text.startsWith('file:') ? t.text.slice(5).split('?')[0] : t.text;
  if (name === '' || name === ':memory:') return;
  // SQLite opens a relative name from the process's folder, not the step's
  confinedPath(path.resolve(process.cwd(), name), ctx, 'modify', `SQLite: ${what}'s file`);
}

/** Throws when a statement of `sql` would attach, or vacuum into, a file outside the workspace (or into `.orchestrator/`). */
export function checkSqliteStatement(sql: string, ctx: Confinement): void {
  for (const s of statements(sql)) {
    // EXPLAIN [QUERY PLAN] runs nothing; what it explains is checked all the same
    let at = 0;
    if (isWord(s[at], 'EXPLAIN')) at += isWord(s[at + 1], 'QUERY') ? 3 : 1;
    if (isWord(s[at], 'ATTACH')) {
      const file = at + (isWord(s[at + 1], 'DATABASE') ? 2 : 1);
      checkFile(s[file], isWord(s[file + 1], 'AS'), 'ATTACH', ctx);
    } else if (isWord(s[at], 'VACUUM')) {
      const into = s.findIndex((t, i) => i > at && isWord(t, 'INTO'));
      if (into !== -1) checkFile(s[into + 1], into + 2 === s.length, 'VACUUM INTO', ctx);
    }
  }
}
