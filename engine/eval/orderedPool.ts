// Runs jobs from a stream with at most `limit` at once, and hands the results on in the stream's
// order. Memory is bounded: at most 4 × limit results wait for a slower one ahead of them, and the
// stream is read only as jobs start.

export async function orderedPool<T, R>(source: AsyncIterable<T>, limit: number, run: (job: T) => Promise<R>, emit: (result: R, job: T) => void, signal?: AbortSignal): Promise<void> {
  const window = Math.max(1, limit) * 4;
  const queue: { job: T; result: Promise<R>; settled: boolean }[] = [];
  let running = 0;
  let wake: (() => void) | null = null;
  const slot = async () => {
    while (running >= Math.max(1, limit) || queue.length >= window) {
      await new Promise<void>((resolve) => (wake = resolve));
      // emit in order, as soon as the head is done
      await drainSettled();
    }
  };
  // heads already settled are emitted in order before anything else happens
  const drainSettled = async () => {
    while (queue.length && queue[0].settled) {
      const head = queue.shift()!;
      emit(await head.result, head.job);
    }
  };
  const limited = Math.max(1, limit);
  for await (const job of source) {
    if (signal?.aborted) break;
    // called only when there is something to wait for or emit: an async call per job made a promise and a frame each
    if (running >= limited || queue.length >= window) await slot();
    if (signal?.aborted) break;
    running++;
    const entry = { job, result: null as unknown as Promise<R>, settled: false };
    entry.result = run(job).finally(() => {
      running--;
      entry.settled = true;
      const w = wake;
      wake = null;
      w?.();
    });
    queue.push(entry);
    if (queue[0].settled) await drainSettled();
  }
  // the rest, in order
  while (queue.length) {
    const head = queue.shift()!;
    emit(await head.result, head.job);
  }
}
