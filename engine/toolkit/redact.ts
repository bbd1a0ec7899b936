// Secrets never reach what a run records or prints: the values of secret environment variables
// (API keys, tokens, passwords) are replaced by `[redacted: NAME]` in step results, errors, streamed
// output, events, checkpoints and the result document. The run applies it where a step's result
// is produced; model providers can use the same Redactor for their error messages.
import { OTLP_HEADER_VARIABLE, PROVIDER_KEY_VARIABLES } from './providerKeys';
import { ToolError } from './runtime';

/** Variables whose values are secrets: the providers' keys and any *_API_KEY, *_TOKEN, *_SECRET, ... (and their plurals: *_TOKENS holds a list) */
export const SECRET_VARIABLE = /(^|_)(API_KEYS?|APIKEYS?|TOKENS?|SECRETS?|SECRET_KEYS?|PASSWORDS?|PASSWD|ACCESS_KEYS?|PRIVATE_KEYS?|CREDENTIALS?)$/i;

/** A list-valued secret (`a,b,c`, or one a line): each of its values is a secret of its own, as each reaches text alone. */
function listedSecrets(value: string): string[] {
  const parts = value.split(/[,\n\r]/).map((v) => v.trim()).filter((v) => v.length >= MIN_SECRET_LENGTH && v !== value);
  return [...new Set(parts)];
}

/** Provider keys: not given to terminal commands unless a step asks for them (`pass_env`). */
export const PROVIDER_KEYS = PROVIDER_KEY_VARIABLES;

/** Values shorter than this are not treated as secrets (they would match ordinary text). */
const MIN_SECRET_LENGTH = 8;

/** Limits, not secrets: `MAX_TOKENS` and the like. */
const TOKEN_LIMIT = /(^|_)(MAX|MIN)_TOKENS?$/i;

export function isSecretVariable(name: string): boolean {
  if (TOKEN_LIMIT.test(name)) return false;
  return SECRET_VARIABLE.test(name) || PROVIDER_KEYS.includes(name.toUpperCase()) || OTLP_HEADER_VARIABLE.test(name);
}

/**
 * The secrets of an OTLP headers variable (`Authorization=Bearer abc,x-api-key=def`): each header's
 * value as written and decoded, and the credential after its scheme (`abc`), since a header value
 * reaches text on its own, never the whole variable.
 */
export function otlpHeaderSecrets(name: string, value: string | undefined): [label: string, secret: string][] {
  if (!value || !OTLP_HEADER_VARIABLE.test(name)) return [];
  const out: [string, string][] = [];
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const header = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // as written
    }
    const label = `${name} ${header}`;
    for (const v of new Set([raw, decoded])) {
      out.push([label, v]);
      const scheme = /^(bearer|basic|token|apikey|api-key)\s+(\S+)$/i.exec(v);
      if (scheme) out.push([label, scheme[2]]);
    }
  }
  return out;
}

/** The secret spellings of a URL's credentials: the password as written and decoded, `user:password`, and the Basic header's base64. */
export function urlCredentials(value: string | undefined): string[] {
  if (!value || !value.includes('@') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return [];
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return [];
  }
  if (!url.password) return [];
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const user = decode(url.username);
  const password = decode(url.password);
  const out = new Set([url.password, password, `${url.username}:${url.password}`, Buffer.from(`${user}:${password}`).toString('base64')]);
  return [...out].filter((v) => v.length >= 4);
}

export class Redactor {
  private readonly pattern: RegExp | null;
  private readonly names = new Map<string, string>();

  /** The secrets are the values of the secret variables of `env` (default: this process's). */
  constructor(env: NodeJS.ProcessEnv = process.env, extra: string[] = [], named: [name: string, value: string][] = []) {
    const values: string[] = [];
    for (const [name, value] of named) if (value.length >= MIN_SECRET_LENGTH && !this.names.has(value)) {
      values.push(value);
      this.names.set(value, name);
    }
    for (const [name, value] of Object.entries(env)) {
      // a URL with credentials (`https://user:password@host`, as ORC_SEARXNG_URL takes): its password in every spelling
      for (const v of urlCredentials(value)) if (!this.names.has(v)) {
        values.push(v);
        this.names.set(v, `${name} password`);
      }
      for (const [label, v] of otlpHeaderSecrets(name, value)) if (v.length >= MIN_SECRET_LENGTH && !this.names.has(v)) {
        values.push(v);
        this.names.set(v, label);
      }
      if (!value || value.length < MIN_SECRET_LENGTH || !isSecretVariable(name)) continue;
      if (!this.names.has(value)) values.push(value);
      this.names.set(value, name);
      for (const v of listedSecrets(value)) if (!this.names.has(v)) {
        values.push(v);
        this.names.set(v, name);
      }
    }
    for (const v of extra) if (v.length >= MIN_SECRET_LENGTH && !this.names.has(v)) {
      values.push(v);
      this.names.set(v, 'secret');
    }
    // longest first, so a secret that contains another is replaced whole
    values.sort((a, b) => b.length - a.length);
    this.pattern = values.length ? new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : null;
  }

  /** This redactor's secrets and these (name to value: a database's password or URL), each shown as `[redacted: NAME]`; itself when none is new. */
  including(named: Record<string, string>): Redactor {
    // (every run asks, most with nothing named: no arrays then)
    let fresh: [string, string][] | null = null;
    for (const k in named) {
      if (!Object.prototype.hasOwnProperty.call(named, k)) continue;
      const v = named[k];
      if (v.length >= MIN_SECRET_LENGTH && !this.names.has(v)) (fresh ??= []).push([k, v]);
    }
    if (!fresh) return this;
    return new Redactor({}, [], [...fresh, ...[...this.names].map(([v, n]): [string, string] => [n, v])]);
  }

  /** The secret values, longest first. */
  get secrets(): string[] {
    return [...this.names.keys()].sort((a, b) => b.length - a.length);
  }

  /** A redactor for text that arrives in pieces (a streamed answer, a process's output). */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }

  /** True when there is nothing to redact (no secret in the environment). */
  get empty(): boolean {
    return this.pattern === null;
  }

  /** The text with every secret replaced by `[redacted: NAME]`. */
  text(s: string): string {
    if (!this.pattern || s.length < MIN_SECRET_LENGTH) return s;
    this.pattern.lastIndex = 0;
    if (!this.pattern.test(s)) return s;
    this.pattern.lastIndex = 0;
    return s.replace(this.pattern, (m) => `[redacted: ${this.names.get(m)}]`);
  }

  /** A value with every string in it (keys too) redacted; the same object when nothing changed. */
  value<T>(v: T): T {
    if (!this.pattern) return v;
    return this.walk(v, 0) as T;
  }

  /** Recursive while shallow (the common case, no allocation per level); past WALK_RECURSION levels, the rest of the value is walked with a stack of its own. */
  private walk(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return this.text(v);
    if (!v || typeof v !== 'object') return v;
    if (depth >= WALK_RECURSION) return this.walkDeep(v);
    if (Array.isArray(v)) {
      let out: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const x = this.walk(v[i], depth + 1);
        if (x !== v[i]) (out ??= v.slice())[i] = x;
      }
      return out ?? v;
    }
    let out: Record<string, unknown> | null = null;
    // the own enumerable keys in Object.entries' order, without its array of pairs (every result is walked)
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      const x = (v as Record<string, unknown>)[k];
      out = this.put(v as Record<string, unknown>, out, k, x, this.walk(x, depth + 1));
    }
    return out ?? v;
  }

  /** An object's walked entry `k` (its value `x` walked to `y`) into its copy, made when something changed. */
  private put(v: Record<string, unknown>, out: Record<string, unknown> | null, k: string, x: unknown, y: unknown): Record<string, unknown> | null {
    const k2 = this.text(k);
    if (k2 === k && y === x) return out;
    out ??= { ...v };
    if (k2 !== k) delete out[k];
    Object.defineProperty(out, k2, { value: y, enumerable: true, writable: true, configurable: true });
    return out;
  }

  /**
   * walk() without the call stack, for a value nested thousands deep (tool arguments 100,000 deep
   * overflowed it): the same copies, made on the way back up. Deeper than MAX_WALK_DEPTH (or a value
   * that holds itself) is a LimitError, not an endless walk.
   */
  private walkDeep(root: object): unknown {
    type Frame = { v: Record<string, unknown> | unknown[]; keys: string[] | null; i: number; out: Record<string, unknown> | unknown[] | null };
    const frame = (v: object): Frame => {
      if (stack.length >= MAX_WALK_DEPTH) throw new ToolError(`A value is nested deeper than ${MAX_WALK_DEPTH} levels (or holds itself): it cannot be redacted or recorded`, 'LimitError');
      if (Array.isArray(v)) return { v, keys: null, i: 0, out: null };
      const keys: string[] = [];
      for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) keys.push(k);
      return { v: v as Record<string, unknown>, keys, i: 0, out: null };
    };
    const give = (f: Frame, y: unknown) => {
      if (f.keys) {
        const k = f.keys[f.i];
        const o = f.v as Record<string, unknown>;
        f.out = this.put(o, f.out as Record<string, unknown> | null, k, o[k], y);
      } else if (y !== (f.v as unknown[])[f.i]) ((f.out ??= (f.v as unknown[]).slice()) as unknown[])[f.i] = y;
      f.i++;
    };
    const stack: Frame[] = [];
    stack.push(frame(root));
    let done: unknown = root;
    let returned = false;
    while (stack.length) {
      const f = stack[stack.length - 1];
      if (returned) {
        give(f, done);
        returned = false;
      }
      const n = f.keys ? f.keys.length : (f.v as unknown[]).length;
      let descended = false;
      while (f.i < n) {
        const x = f.keys ? (f.v as Record<string, unknown>)[f.keys[f.i]] : (f.v as unknown[])[f.i];
        if (x && typeof x === 'object') {
          stack.push(frame(x));
          descended = true;
          break;
        }
        give(f, typeof x === 'string' ? this.text(x) : x);
      }
      if (descended) continue;
      stack.pop();
      done = f.out ?? f.v;
      returned = true;
    }
    return done;
  }
}

/** How deep walk() recurses before it goes on with a stack of its own. */
const WALK_RECURSION = 400;
/** The deepest value redaction walks (a cycle stops here too). */
export const MAX_WALK_DEPTH = 200_000;

/**
 * Redacts a text that arrives in pieces: a secret cut across two pieces is redacted too, which
 * redacting each piece alone would miss. `push` gives back what is safe to pass on now; it holds
 * back only the end that could begin a secret (and a whole secret that reaches into it), which the
 * next piece or `end()` releases, redacted.
 */
export class StreamRedactor {
  private held = '';
  private readonly secrets: string[];

  constructor(private readonly redactor: Redactor) {
    this.secrets = redactor.secrets;
  }

  /** Where the text may be cut: before the longest end of it that begins a secret. */
  private cutAt(s: string): number {
    let keep = 0;
    for (const secret of this.secrets) {
      for (let k = Math.min(secret.length - 1, s.length); k > keep; k--) {
        if (s.endsWith(secret.slice(0, k))) {
          keep = k;
          break;
        }
      }
    }
    let cut = s.length - keep;
    // a whole secret that starts before the cut and ends after it is held whole, with the end
    for (let moved = true; moved; ) {
      moved = false;
      for (const secret of this.secrets) {
        const at = s.indexOf(secret, Math.max(0, cut - secret.length + 1));
        if (at !== -1 && at < cut) {
          cut = at;
          moved = true;
        }
      }
    }
    return cut;
  }

  /** The part of the text so far that can be passed on, redacted ('' when all of it is held). */
  push(piece: string): string {
    if (!this.secrets.length) return piece;
    const s = this.held + piece;
    const cut = this.cutAt(s);
    this.held = s.slice(cut);
    return cut ? this.redactor.text(s.slice(0, cut)) : '';
  }

  /** The rest, redacted: the stream has ended. */
  end(): string {
    const s = this.held;
    this.held = '';
    return s ? this.redactor.text(s) : '';
  }
}
