// The order in which names are listed (did-you-mean suggestions, findings at one position): the
// order of `new Intl.Collator()`, computed here for the names nearly all of them are, ASCII
// letters, digits, '_', '-' and '.'. The collator reads ICU's collation tables, and the first
// comparison made the language server touch 3.7 MiB of the node binary it never touched otherwise
// (resident ever after); the collator is made only for a name with any other character.

/** Primary weight of each character of the fast alphabet (0: not in it): ICU's root order, where
 * '_' < '-' < '.' < digits < letters, and a letter's case is a lesser difference. */
const PRIMARY = new Uint8Array(128);
{
  let w = 1;
  for (const c of '_-.0123456789') PRIMARY[c.charCodeAt(0)] = w++;
  for (let k = 0; k < 26; k++, w++) PRIMARY[97 + k] = PRIMARY[65 + k] = w;
}

let collator: Intl.Collator | null = null;

function inAlphabet(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || PRIMARY[c] === 0) return false;
  }
  return true;
}

/**
 * `new Intl.Collator().compare(a, b)` (its sign): letters, digits and the three marks in root
 * order, a shorter name before a longer one it begins, and at the first letter that differs only
 * in case the lowercase one first; any other character goes to the collator itself.
 */
export function compareNames(a: string, b: string): number {
  if (!inAlphabet(a) || !inAlphabet(b)) return (collator ??= new Intl.Collator()).compare(a, b);
  const n = Math.min(a.length, b.length);
  let byCase = 0;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const d = PRIMARY[x] - PRIMARY[y];
    if (d) return d < 0 ? -1 : 1;
    // the same letter in two cases: lowercase (the larger code) first
    if (!byCase) byCase = x > y ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return byCase;
}
