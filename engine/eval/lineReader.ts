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
    let from = 0;
    for (let nl = chunk.indexOf(0x0a, from); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
      line++;
      if (held + nl - from > maxBytes + 1) throw new LineTooLongError(line, maxBytes);
      yield { text: take(chunk.subarray(from, nl)), line };
      from = nl + 1;
    }
    if (from < chunk.length) {
      held += chunk.length - from;
      if (held > maxBytes + 1) throw new LineTooLongError(line + 1, maxBytes);
      parts.push(chunk.subarray(from));
    }
  }
  if (held) {
    line++;
    yield { text: take(Buffer.alloc(0)), line };
  }
}
