// A full collection before a part of a test that is timed against a tight margin. The unit suite
// runs its 1,300 tests in one process, and the garbage the tests before leave grows its heap: a
// major collection of it, due in the middle of a rate-limit test, pauses the process (and every
// request in flight between the limiter and the loopback server in it) for longer than the
// limiter's margin of a 1 s window. Collected first, the heap is not due another soon.
import { exposedGc } from '../../server/idleMemory';

const gc = exposedGc();

export function collectGarbage(): void {
  gc?.();
}
