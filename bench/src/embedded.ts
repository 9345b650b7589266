/**
 * embedded_cdrs_per_sec: the `npm start` path (generate -> decode -> rate -> chDB -> invoices)
 * on the embedded engine. Prints name=value lines.
 *   node bench/dist/embedded.js [accounts]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, runMonthJob } from '@ratel/ingest';

const accounts = Number(process.argv[2] ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'ratel-bench-'));
try {
  const cfg = loadConfig({ overrides: { 'store.engine': 'chdb', 'store.dataDir': join(dir, 'chdb'), outDir: join(dir, 'out') } });
  const r = await runMonthJob(
    cfg,
    { accounts, month: 202610, seed: 7, keep: false, show: 0, progress: false },
    createLogger('error'),
    () => {},
  );
  const rss = process.memoryUsage().rss;
  console.log(`embedded_accounts=${accounts}`);
  console.log(`embedded_cdrs=${r.cdrs}`);
  console.log(`embedded_cdrs_per_sec=${r.cdrsPerSec}`);
  console.log(`embedded_total_seconds=${(r.elapsedMs / 1000).toFixed(2)}`);
  console.log(`rss_mb_peak=${Math.round(rss / 1048576)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
