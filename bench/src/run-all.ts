/** Runs every benchmark in turn; each prints name=value lines. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches = ['rater.js', 'embedded.js', 'invoice.js', 'e2e.js'];
let failed = 0;
for (const b of benches) {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(b, import.meta.url))], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
