// How many completion items one answer carries, and which ones when there are more.
import type { CompletionItem, CompletionList } from 'vscode-languageserver';
import type { Position, TextDocument } from 'vscode-languageserver-textdocument';

/**
 * The most items one completion answers with. A longer list is cut to the items that best match
 * the word being typed and marked incomplete, so the editor asks again as the user types on: every
 * item is still reached by typing its first characters (clangd cuts at 100 the same way).
 *
 * Without it, a template's completion in a document of 60,000 parameters answered all 60,000 names
 * each time: 2.6 MB of JSON, encoded by the server in 40-45 ms and decoded by the editor in 25-30,
 * a garbage collection in either making one of 20 take 370-720 ms (bench lsp). No pipeline a person
 * writes by hand comes near this: a list of up to this many items is answered whole, and complete.
 */
export const COMPLETION_LIMIT = 1_000;

/** The word being typed at `position`: the name characters just before it on its line. */
export function typedWord(doc: TextDocument, position: Position): string {
  const before = doc.getText({ start: { line: position.line, character: Math.max(0, position.character - 200) }, end: position });
  return /[\w$]*$/.exec(before)?.[0] ?? '';
}

/** Whether the characters of `word` (lower case) occur in `key` (lower case) in order, the first at its start,
 * as an editor's filter keeps an item for what was typed. */
function inOrder(key: string, word: string): boolean {
  if (key[0] !== word[0]) return false;
  let at = 1;
  for (let i = 1; i < word.length; i++) {
    at = key.indexOf(word[i], at) + 1;
    if (at === 0) return false;
  }
  return true;
}

/**
 * The items as they are when there are at most COMPLETION_LIMIT; otherwise an incomplete list of that
 * many: first those whose name starts with the typed word (shorter names first, as the closer match),
 * then those an editor's filter keeps (the word's characters in order), then the rest, each in the
 * order the server gave them.
 */
export function limitCompletions(items: CompletionItem[], word: string): CompletionItem[] | CompletionList {
  if (items.length <= COMPLETION_LIMIT) return items;
  const lower = word.toLowerCase();
  const byLength: CompletionItem[][] = [];
  const filtered: CompletionItem[] = [];
  const rest: CompletionItem[] = [];
  for (const item of items) {
    const key = (item.filterText ?? item.label).toLowerCase();
    if (key.startsWith(lower)) (byLength[key.length] ??= []).push(item);
    else if (lower && filtered.length < COMPLETION_LIMIT && inOrder(key, lower)) filtered.push(item);
    else if (rest.length < COMPLETION_LIMIT) rest.push(item);
  }
  const chosen: CompletionItem[] = [];
  const take = (list: CompletionItem[] | undefined) => {
    if (!list) return;
    for (const item of list) {
      if (chosen.length === COMPLETION_LIMIT) return;
      chosen.push(item);
    }
  };
  for (const list of byLength) take(list);
  take(filtered);
  take(rest);
  return { isIncomplete: true, items: chosen };
}
