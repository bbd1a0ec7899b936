// Runs s3rver (an S3-compatible server from npm) on 127.0.0.1 and a free port, serving the folder
// and the buckets given as arguments; prints {"port"} on its first line of stdout once it listens,
// and exits when its standard input closes (the test's process ends). Started by s3Server.ts with
// --openssl-legacy-provider: s3rver's list continuation tokens use a cipher OpenSSL 3 keeps there.
const S3rver = require('s3rver');

const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
server.run().then((addr) => process.stdout.write(`${JSON.stringify({ port: addr.port })}\n`));
process.stdin.resume();
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
