// Taking a long `while` loop's dropped iterations out of a run's journal. The result document keeps
// a while loop's first and latest iterations only (loopRunner.ts); the journal kept a line for every
// iteration's every body step, so a loop of millions grew on disk without bound. A rewrite streams
// the journal into a temp file without the lines of the iterations a range stands for, adds one line
// per range (`{"compacted": LOOP_KEY, "from", "to", tokens and cost}`), fsyncs it and renames it over
// the journal: at every moment the journal on disk either has an iteration's lines or a range that
// counts it as done. Memory is one read chunk, whatever the journal's size.
import { promises as fsp } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { atomicWrite } from './durableWrite';
import type { CompactedIterations } from './runFiles';

const CHUNK = 1 << 20;

/** The step key a journal line starts with (`["loop[12]/body",{...}]`), or null for a line of another kind. */
function keyOf(line: string): string | null {
  const m = /^\["((?:[^"\\]|\\.)*)"/.exec(line);
  if (!m) return null;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return null;
  }
}

/** Whether a step key is in an iteration one of the ranges stands for (`LOOP[i]/...`, from ≤ i ≤ to). */
function coveredBy(key: string, ranges: CompactedIterations[]): boolean {
  for (const r of ranges) {
    if (!key.startsWith(`${r.compacted}[`)) continue;
    const close = key.indexOf(']/', r.compacted.length + 1);
    if (close < 0) continue;
    const digits = key.slice(r.compacted.length + 1, close);
    if (!/^\d+$/.test(digits)) continue;
    const i = Number(digits);
    if (i >= r.from && i <= r.to) return true;
  }
  return false;
}

/**
 * Rewrites the journal without the lines of the ranges' iterations, the ranges' lines at its end;
 * returns how many lines it kept. A journal that is gone (a step removed it) is written with the
 * ranges alone.
 */
export async function rewriteJournal(file: string, header: string, ranges: CompactedIterations[]): Promise<number> {
  let kept = 0;
  await atomicWrite(file, async (out) => {
    let buffered = header;
    const flush = async () => {
      if (buffered) await out.write(buffered);
      buffered = '';
    };
    let src: Awaited<ReturnType<typeof fsp.open>> | null = null;
    try {
      src = await fsp.open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (src) {
      try {
        const buf = Buffer.alloc(CHUNK);
        // a character split between two chunks is joined, not read as two broken halves
        const text = new StringDecoder('utf8');
        let rest = '';
        for (;;) {
          const { bytesRead } = await src.read(buf, 0, buf.length, null);
          if (bytesRead === 0) break;
          const lines = (rest + text.write(buf.subarray(0, bytesRead))).split('\n');
          rest = lines.pop()!;
          for (const line of lines) {
            const key = keyOf(line);
            // the header and earlier ranges' lines are written anew; a result of a covered iteration goes
            if (key === null || coveredBy(key, ranges)) continue;
            buffered += `${line}\n`;
            kept++;
            if (buffered.length >= CHUNK) await flush();
          }
        }
        // a last line without its newline was torn by a crash mid-append: it never counted
      } finally {
        await src.close();
      }
    }
    for (const r of ranges) buffered += `${JSON.stringify(r)}\n`;
    await flush();
  });
  return kept;
}
