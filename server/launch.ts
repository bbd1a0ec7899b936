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
