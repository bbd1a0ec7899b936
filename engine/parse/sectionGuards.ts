// What makes a long text one the section parse (yamlDocument.ts) declines: a line that starts a
// document or a directive, an anchor or an alias. Each is found without trying a pattern at each
// of the text's characters, which at 2,000 steps was 0.8 ms of an edit's 11.

/** JavaScript's line terminators, where a multi-line regular expression's `^` matches. */
const LINE_ENDS = ['\n', '\r', '\u2028', '\u2029'];

/** Whether a line of the text starts with one of `starts` (what `/^(---|\.\.\.|%)/m` says, without
 * trying the pattern at each of the text's characters: 0.34 ms of each edit at 2,000 steps). */
export function startsALine(text: string, starts: string[]): boolean {
  // the terminators other than '\n' are rare: each is looked for once, not once for each of `starts`
  // (12 searches of a 2,000-step document became 6: 0.2 ms of an edit)
  const ends = LINE_ENDS.filter((nl) => nl === '\n' || text.includes(nl));
  for (const s of starts) {
    if (text.startsWith(s)) return true;
    for (const nl of ends) if (text.includes(nl + s)) return true;
  }
  return false;
}

const ANCHOR_BEFORE = /[\s[{,]/;
const ANCHOR_AFTER = /[^\s\]},]/;

/** Whether the text has an anchor or alias: `&` or `*` at the start or after a space, `[`, `{` or `,`,
 * and followed by a character that can be in a name (what `/(^|[\s[{,])[&*][^\s\]},]/` says, from the
 * few places these characters are, not by trying the pattern at every character: 0.5 ms an edit). */
export function hasAnchorOrAlias(text: string): boolean {
  for (const c of ['&', '*']) {
    for (let i = text.indexOf(c); i >= 0; i = text.indexOf(c, i + 1)) {
      if ((i === 0 || ANCHOR_BEFORE.test(text[i - 1])) && i + 1 < text.length && ANCHOR_AFTER.test(text[i + 1])) return true;
    }
  }
  return false;
}
