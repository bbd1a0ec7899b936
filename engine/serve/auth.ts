// Bearer tokens: from ORC_SERVE_TOKENS (comma-separated) and `--token-file FILE` (one a line; blank
// lines and `#` comments skipped). Only their SHA-256 is kept; a presented token is hashed and
// compared with each in constant time (crypto.timingSafeEqual), all of them every time. A token is
// never logged, echoed or written anywhere.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export class TokenFileError extends Error {}

const hash = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export class Tokens {
  private readonly hashes: Buffer[];

  constructor(tokens: string[]) {
    this.hashes = [...new Set(tokens.map((t) => t.trim()).filter(Boolean))].map(hash);
  }

  /** The tokens of the environment and of a token file. */
  static load(env: NodeJS.ProcessEnv, tokenFile?: string): Tokens {
    const all = (env.ORC_SERVE_TOKENS ?? '').split(',');
    if (tokenFile) {
      let text: string;
      try {
        text = readFileSync(tokenFile, 'utf8');
      } catch (e) {
        throw new TokenFileError(`--token-file ${tokenFile}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      const lines = text.split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith('#'));
      if (!lines.length) throw new TokenFileError(`--token-file ${tokenFile}: holds no token (one a line)`);
      all.push(...lines);
    }
    return new Tokens(all);
  }

  /** Whether any token is configured (else: loopback only, no auth). */
  get any(): boolean {
    return this.hashes.length > 0;
  }

  /** Whether an `Authorization` header carries one of the tokens. */
  allows(authorization: string | undefined | null): boolean {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    const given = hash(m ? m[1] : '');
    let ok = false;
    // every token compared, whatever the first gave: the time says nothing about which one matched
    for (const h of this.hashes) ok = timingSafeEqual(given, h) || ok;
    return ok && m !== null;
  }
}

/** Whether a host name or address is this machine's loopback. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
