// Installs, on first use, every Debian package the suites start or drive: redis-server, postgresql,
// prometheus (the tests start their own on 127.0.0.1), and chromium with what code-server builds
// against. One after the other, before `npm test` runs suites side by side: apt-get holds one lock,
// and two suites installing at once would fail on it. Then Node 24 from npm, which a unit test runs
// the language server's idle collection on, so that it is not installed twice at once (that test and
// the workbench tools' install). Each install is idempotent.
import { installE2EDebianPackages, installNode24 } from './installE2ETools.mjs';
import { installPostgres } from './installPostgres.mjs';
import { installPrometheus } from './installPrometheus.mjs';
import { installRedis } from './installRedis.mjs';

try {
  installRedis();
  installPostgres();
  installPrometheus();
  installE2EDebianPackages();
  installNode24();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
