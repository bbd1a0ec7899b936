// A session store that cannot be opened, read or written (a Redis or PostgreSQL server, or the
// SQLite file in .orchestrator/sessions/), in words that name the store and what to do.
export class SessionStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionStoreError';
  }
}
