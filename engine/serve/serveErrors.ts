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
