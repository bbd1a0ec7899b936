// Warnings LangGraph's own code raises while a bench runs it (its `raceWithSignal` adds an abort
// listener per node to one signal, and Node warns past 10) are counted and named as the peer's in
// one line, not printed among our figures as if they were ours; every other warning is printed as
// Node would.

/** Starts counting; the function it returns is the line to print at the end (null: none came). */
export function attributePeerWarnings(): () => string | null {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  const peer = new Map<string, number>();
  process.on('warning', (w: Error) => {
    if (/node_modules[\\/]@langchain[\\/]/.test(w.stack ?? '')) peer.set(w.name, (peer.get(w.name) ?? 0) + 1);
    else for (const print of printers) print.call(process, w);
  });
  return () => (peer.size ? `LangGraph's own code raised ${[...peer].map(([name, n]) => `${n} ${name}`).join(', ')} while it ran (not printed here; any other warning is printed as it came)` : null);
}
