// Personal data and secrets in a text: email addresses, phone numbers, card numbers (Luhn-checked),
// IBANs (mod-97-checked), API keys by their known shapes, IP addresses. Each finder is linear in the
// text: bounded quantifiers or a fixed prefix, and email addresses found from their '@' outwards.
export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'secret' | 'ip';
export const PII_KINDS: readonly PiiKind[] = ['email', 'phone', 'card', 'iban', 'secret', 'ip'];

export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
}

/** Luhn's checksum of a card number's digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** An IBAN's mod-97 check (ISO 13616): the country and check digits moved to the end, letters as 10-35. */
export function ibanValid(iban: string): boolean {
  const s = iban.replace(/ /g, '').toUpperCase();
  if (s.length < 15 || s.length > 34) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const c of moved) {
    const code = c.charCodeAt(0);
    const v = code >= 65 && code <= 90 ? String(code - 55) : c;
    for (const d of v) rest = (rest * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rest === 1;
}

const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;
/** Known key shapes: OpenAI and Anthropic (`sk-`), AWS access keys, GitHub tokens, Slack tokens, Google API keys, Hugging Face tokens, Stripe keys, PEM private keys. */
const SECRET = /(?<![A-Za-z0-9_-])(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|hf_[A-Za-z0-9]{30,}|[rs]k_live_[A-Za-z0-9]{16,})|-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/g;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)/g;
const IPV6 = /(?<![0-9A-Fa-f:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?|::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}))(?![0-9A-Fa-f:])/g;
/** A phone number: an optional + and country code, then 8 to 15 digits in groups (spaces, dots, dashes, an area code in parentheses). */
const PHONE = /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){2,4}(?![\w])/g;

const DATE = /^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$/;
const LOCAL = /[A-Za-z0-9._%+-]/;
const DOMAIN = /[A-Za-z0-9.-]/;

function emails(text: string, out: PiiMatch[]): void {
  let from = 0;
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let s = at;
    while (s > from && LOCAL.test(text[s - 1])) s--;
    let e = at + 1;
    while (e < text.length && DOMAIN.test(text[e])) e++;
    // a domain ends in a letter label of two or more, not in a dot or a dash
    while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
    const domain = text.slice(at + 1, e);
    const dot = domain.lastIndexOf('.');
    if (s < at && dot > 0 && /^[A-Za-z]{2,}$/.test(domain.slice(dot + 1))) {
      out.push({ kind: 'email', start: s, end: e });
      from = e;
    }
  }
}

function byPattern(re: RegExp, kind: PiiKind, text: string, out: PiiMatch[], accept?: (m: string) => boolean, offset = 0): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (!accept || accept(m[0])) out.push({ kind, start: offset + m.index, end: offset + m.index + m[0].length });
  }
}

/** Runs of digits and the marks between them (the only places a card, a phone number or an IPv4 address can be). */
const NUMERIC = /[+(]?\d[\d .()-]*/g;
/** Where a key shape or an IBAN can start at all: a cheap search before the full pattern. */
const SECRET_GATE = /sk-|AKIA|gh[pousr]_|github_pat_|xox[abprs]-|AIza|hf_|k_live_|-----BEGIN/;
const IBAN_GATE = /[A-Z]{2}\d{2}/;

interface NumericRun {
  start: number;
  end: number;
  digits: number;
  dots: number;
}

function numericRuns(text: string): NumericRun[] {
  const runs: NumericRun[] = [];
  NUMERIC.lastIndex = 0;
  for (let m = NUMERIC.exec(text); m; m = NUMERIC.exec(text)) {
    let digits = 0;
    let dots = 0;
    for (let i = 0; i < m[0].length; i++) {
      const c = m[0].charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
      else if (c === 46) dots++;
    }
    if (digits >= 4) runs.push({ start: m.index, end: m.index + m[0].length, digits, dots });
  }
  return runs;
}

/** A digit-led kind's pattern over the numeric runs with enough digits for it (a character of context each side, for its boundaries). */
function inRuns(re: RegExp, kind: PiiKind, text: string, runs: NumericRun[], enough: (r: NumericRun) => boolean, out: PiiMatch[], accept?: (m: string) => boolean): void {
  for (const r of runs) {
    if (!enough(r)) continue;
    const from = Math.max(0, r.start - 1);
    byPattern(re, kind, text.slice(from, Math.min(text.length, r.end + 1)), out, accept, from);
  }
}

const isHexOrColon = (c: number): boolean => (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * IPv6 addresses: the pattern only over the runs of hex digits and colons that hold two colons or
 * more (found from each colon outwards, each run once), not at every place of the text: over a
 * 4 KB answer with a colon or two in it, the pattern everywhere cost 0.24 ms a check.
 */
function ipv6(text: string, out: PiiMatch[]): void {
  let done = 0;
  for (let at = text.indexOf(':'); at >= 0; at = text.indexOf(':', Math.max(at + 1, done))) {
    let s = at;
    while (s > done && isHexOrColon(text.charCodeAt(s - 1))) s--;
    let e = at + 1;
    let colons = 1;
    for (; e < text.length && isHexOrColon(text.charCodeAt(e)); e++) if (text.charCodeAt(e) === 58) colons++;
    done = e;
    if (colons < 2) continue;
    const from = Math.max(0, s - 1);
    byPattern(IPV6, 'ip', text.slice(from, Math.min(text.length, e + 1)), out, (m) => m !== '::' && /[0-9A-Fa-f]/.test(m), from);
  }
}

/** A phone number: enough digits in groups or after a `+`; a run of digits alone is an order number, and a date is not one. */
function phoneLike(m: string): boolean {
  const n = digitsOf(m).length;
  return n >= 8 && n <= 15 && (m.startsWith('+') || /[ .()-]/.test(m)) && !DATE.test(m);
}

const digitsOf = (s: string): string => s.replace(/\D/g, '');

/** `add` (sorted, not overlapping each other) merged into `kept` (the same), dropping those that overlap a kept match: linear in both. */
function keepFirst(kept: PiiMatch[], add: PiiMatch[]): PiiMatch[] {
  if (!add.length) return kept;
  const out: PiiMatch[] = [];
  let i = 0;
  for (const m of add) {
    while (i < kept.length && kept[i].end <= m.start) out.push(kept[i++]);
    if (i < kept.length && kept[i].start < m.end) continue;
    out.push(m);
  }
  while (i < kept.length) out.push(kept[i++]);
  return out;
}

/** The matches of the kinds asked for, in text order; where two overlap, the one found first (in the order card, iban, secret, email, ip, phone) is kept. */
export function findPii(text: string, kinds: readonly PiiKind[]): PiiMatch[] {
  const want = new Set(kinds);
  let kept: PiiMatch[] = [];
  const add = (fill: (out: PiiMatch[]) => void) => {
    const found: PiiMatch[] = [];
    fill(found);
    kept = keepFirst(kept, found);
  };
  // in the order that names an overlap: card, iban, secret, email, ip, phone; each pattern only where it can match
  const runs = want.has('card') || want.has('ip') || want.has('phone') ? numericRuns(text) : [];
  if (want.has('card')) add((o) => inRuns(CARD, 'card', text, runs, (r) => r.digits >= 13, o, (m) => luhn(digitsOf(m))));
  if (want.has('iban') && IBAN_GATE.test(text)) add((o) => byPattern(IBAN, 'iban', text, o, ibanValid));
  if (want.has('secret') && SECRET_GATE.test(text)) add((o) => byPattern(SECRET, 'secret', text, o));
  if (want.has('email') && text.includes('@')) add((o) => emails(text, o));
  if (want.has('ip')) {
    add((o) => inRuns(IPV4, 'ip', text, runs, (r) => r.dots >= 3, o));
    if (text.includes(':')) add((o) => ipv6(text, o));
  }
  if (want.has('phone')) add((o) => inRuns(PHONE, 'phone', text, runs, (r) => r.digits >= 8, o, phoneLike));
  return kept;
}

/** The text with each match replaced by `[REDACTED:kind]`. */
export function redactMatches(text: string, matches: readonly { kind: string; start: number; end: number }[]): string {
  let out = '';
  let last = 0;
  for (const m of [...matches].sort((a, b) => a.start - b.start)) {
    if (m.start < last) continue;
    out += `${text.slice(last, m.start)}[REDACTED:${m.kind}]`;
    last = m.end;
  }
  return out + text.slice(last);
}
