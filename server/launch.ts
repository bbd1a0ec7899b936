// How the language server process is started, shared by the extension (client/languageClient.ts)
// and the benchmark that measures it (bench/lsp.bench.ts), so the figures are the shipped ones.

/**
 * Environment for the server process (glibc's malloc settings; other C libraries ignore them):
 * - glibc gives each thread that allocates its own malloc arena (up to 8 per core) and keeps what
 *   they free: V8's compiler and GC threads left the server's memory outside the JS heap growing
 *   by about 11 MiB over a session of 500 edits. Two arenas keep it to a few: RSS after the session
 *   121 -> 108 MiB on a 2,000-step document, +8 % over the first edit instead of +15 %;
 * - blocks of 64 KiB and more are mapped on their own, so freeing one gives its pages back at
 *   once. By default glibc raises that threshold each time such a block is freed (up to 32 MiB),
 *   after which big blocks come from the arena and its holes stay resident: RSS on a 2,000-step
 *   document 104 -> 97 MiB right after 30 edits, 88 -> 83 MiB 3 s later (medians of 6), with no
 *   edit time to tell apart.
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '65536' };

/**
 * V8 settings the server's process is started with, by the editor (client/languageClient.ts) and by
 * the lsp bench: a young generation of 2 x 8 MiB from the start. The server holds it at the size it
 * starts with (server/server.ts, `--semi-space-growth-factor=1`), and V8 starts it at 2 x 1 MiB,
 * where a one-character edit of a 2,000-step document (about 2.9 MB allocated) made 4.3 scavenges,
 * 1.7-2.3 ms of the edit, each copying what the analysis had made so far; at 8 MiB, 0.5 scavenges
 * and 0.8 ms. Two servers side by side taking turns at the same 400 edits: the edit 0.86 and 0.92 of
 * the edit's time at 1 MiB (4 MiB: 0.92). RSS 3.5 s after the edits, once the server has collected
 * (server/idleMemory.ts): 74-77 MiB against 73-74. V8 reads it as it sets its heap up: given on the
 * command line (NODE_OPTIONS refuses it, and `setFlagsFromString` once running leaves the heap as it is).
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--min-semi-space-size=8'];
