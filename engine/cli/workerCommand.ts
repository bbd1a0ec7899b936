// `orc worker --redis URL [--concurrency N] [--queue NAME] [--root DIR]`: runs the steps of
// distributed runs (`orc run --redis`) until Ctrl-C (once: finish the running steps; twice: now).
import { checkQueueName, RedisUnavailableError, RedisUrlError, StepWorker } from '../api/index';
import { UsageError } from './input';
import { workerTelemetry } from './runTelemetry';

export async function workerCommand(options: { url: string; queue?: string; concurrency?: number; root?: string; metricsPort?: number }, err: (s: string) => void): Promise<number> {
  const bad = options.queue !== undefined ? checkQueueName(options.queue) : null;
  if (bad) throw new UsageError(bad);
  const telemetry = await workerTelemetry(err, options.metricsPort ?? null);
  const worker = new StepWorker({ ...options, log: err, ...(telemetry ? { traces: telemetry.traces } : {}) });
  try {
    await worker.start();
  } catch (e) {
    if (e instanceof RedisUnavailableError || e instanceof RedisUrlError) {
      err(`orc: ${e.message}`);
      await worker.close(true).catch(() => {});
      await telemetry?.shutdown();
      return 2;
    }
    throw e;
  }
  await new Promise<void>((resolve) => {
    let count = 0;
    const onSignal = () => {
      count++;
      if (count === 1) {
        err('worker: stopping after the running steps (Ctrl-C again to stop them now)');
        worker
          .close()
          .then(() => telemetry?.shutdown())
          .then(() => resolve(), () => resolve());
      } else {
        worker.close(true).finally(() => process.exit(130));
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}
