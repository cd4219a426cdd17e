// CTest entry of the browser tests: runs `node --test test/` when Debian's Chromium and
// playwright-core are there, else prints why and exits 77 (CTest SKIP_RETURN_CODE).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const chromium = process.env.ATHENA_CHROMIUM || '/usr/bin/chromium';
const SKIP = 77;

if (!existsSync(chromium)) {
  console.log(`SKIP: no Chromium at ${chromium} (apt-get install chromium, or set ATHENA_CHROMIUM); the console's browser tests did not run`);
  process.exit(SKIP);
}
if (!existsSync(join(here, 'node_modules', 'playwright-core'))) {
  console.log(`SKIP: playwright-core is not installed: run \`npm ci\` in ${here}`);
  process.exit(SKIP);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', join(here, 'test')], { stdio: 'inherit', cwd: here });
process.exit(r.status ?? 1);
