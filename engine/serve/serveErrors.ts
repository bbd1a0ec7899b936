// What `orc serve` answers when it refuses: `{error: {code, message}}` (with the findings for a 422),
// with the HTTP status it goes with.

export type ServeStatus = 400 | 401 | 404 | 409 | 413 | 422 | 429 | 500 | 503;

export class ServeError extends Error {
  constructor(
    readonly status: ServeStatus,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Response headers (`retry-after`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ServeError';
  }

  get body(): { error: { code: string; message: string } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

/** A 401 (with `WWW-Authenticate: Bearer`): a request with no token is told to send one; one whose token is wrong is told that, not asked for a token it sent. */
export function unauthorized(authorization: string | undefined): ServeError {
  const message = !authorization
    ? 'A bearer token is needed: Authorization: Bearer TOKEN'
    : !/^Bearer\s+\S/i.test(authorization)
      ? 'The Authorization header is not a bearer token: send Authorization: Bearer TOKEN'
      : 'That bearer token is not one this server accepts (ORC_SERVE_TOKENS or --token-file)';
  return new ServeError(401, 'unauthorized', message, {}, { 'WWW-Authenticate': 'Bearer' });
}
