// BullMQ's own floor for `npm run bench distributed`: a plain BullMQ worker whose jobs do nothing.
// Arguments: REDIS_PORT QUEUE CONCURRENCY. Prints "ready" once it listens.
import { Worker } from 'bullmq';

const [port, queue, concurrency] = process.argv.slice(2);
const w = new Worker(queue, async () => ({ ok: true }), { connection: { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null }, prefix: 'orc', concurrency: Number(concurrency), skipVersionCheck: true });
w.waitUntilReady().then(() => process.stdout.write('ready\n'));
process.on('SIGTERM', () => void w.close().then(() => process.exit(0)));
