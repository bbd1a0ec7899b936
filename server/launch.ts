// How the language server process is started, shared by the extension (client/languageClient.ts)
// and the benchmark that measures it (bench/lsp.bench.ts), so the figures are the shipped ones.

/**
 * Environment for the server process. glibc gives each thread that allocates its own malloc arena
 * (up to 8 per core) and keeps what they free: V8's compiler and GC threads left the server's
 * memory outside the JS heap growing by about 11 MiB over a session of 500 edits. Two arenas keep
 * it to a few: RSS after the session 121 -> 108 MiB on a 2,000-step document, +8 % over the first
 * edit instead of +15 %. Other C libraries ignore the variable.
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
