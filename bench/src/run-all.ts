/** Runs every benchmark in turn; each prints name=value lines. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The rater and the pipeline run with a 64 MB young generation, as the README recommends for
// `ratel run`: fewer scavenges of the short-lived rated rows.
const YOUNG = '--max-semi-space-size=64';
const benches: [string, string[]][] = [
  ['rater.js', [YOUNG]],
  ['hot-path.js', [YOUNG]],
  ['embedded.js', []],
  ['invoice.js', []],
  ['e2e.js', [YOUNG]],
];
let failed = 0;
for (const [b, flags] of benches) {
  const r = spawnSync(process.execPath, [...flags, fileURLToPath(new URL(b, import.meta.url))], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
