// The lines of a file of records (a .jsonl dataset, an eval's results.jsonl), each at most a bound:
// a longer line is refused when it passes the bound, before it is held whole (Node's readline holds
// a line of any length and fails past 512 MiB with a RangeError; a 4 GB line must not get there).

/** A line longer than the bound: its 1-based number. */
export class LineTooLongError extends Error {
  constructor(readonly line: number, readonly maxBytes: number) {
    super(`line ${line} is over ${maxBytes} bytes`);
    this.name = 'LineTooLongError';
  }
}

/** Each line of `input` (UTF-8, its \r\n or \n taken off) with its 1-based number; the last one even without a newline. */
export async function* boundedLines(input: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<{ text: string; line: number }> {
  for await (const batch of boundedLineBatches(input, maxBytes)) yield* batch;
}

/**
 * The same lines, a list per chunk read: the lines that chunk completes. A reader of many short
 * lines (a dataset of 1,000 cases is one or two chunks) then pays for one turn of each async
 * generator per chunk, not per line. A line over the bound throws after the lines before it are
 * given.
 */
export async function* boundedLineBatches(input: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<{ text: string; line: number }[]> {
  let parts: Buffer[] = [];
  let held = 0;
  let line = 0;
  const take = (end: Buffer): string => {
    const whole = parts.length ? Buffer.concat([...parts, end]) : end;
    parts = [];
    held = 0;
    const n = whole.length && whole[whole.length - 1] === 0x0d ? whole.length - 1 : whole.length;
    return whole.toString('utf8', 0, n);
  };
  for await (const chunk of input) {
    const batch: { text: string; line: number }[] = [];
    let tooLong: LineTooLongError | null = null;
    let from = 0;
    for (let nl = chunk.indexOf(0x0a, from); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
      line++;
      if (held + nl - from > maxBytes + 1) {
        tooLong = new LineTooLongError(line, maxBytes);
        break;
      }
      batch.push({ text: take(chunk.subarray(from, nl)), line });
      from = nl + 1;
    }
    if (!tooLong && from < chunk.length) {
      held += chunk.length - from;
      if (held > maxBytes + 1) tooLong = new LineTooLongError(line + 1, maxBytes);
      else parts.push(chunk.subarray(from));
    }
    if (batch.length) yield batch;
    if (tooLong) throw tooLong;
  }
  if (held) {
    line++;
    yield [{ text: take(Buffer.alloc(0)), line }];
  }
}
