/**
 * embedded_cdrs_per_sec: the `npm start` path (generate -> rate on every core -> chDB -> invoices)
 * on the embedded engine, and embedded_cpu_us_per_cdr, the process's CPU time per CDR while rating
 * and storing. Prints name=value lines.
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
  // CPU of the whole process (main thread, rating workers, chDB's threads) while rating and storing.
  console.log(`embedded_cpu_us_per_cdr=${((r.rateCpuMs * 1000) / r.cdrs).toFixed(2)}`);
  console.log(`embedded_total_seconds=${(r.elapsedMs / 1000).toFixed(2)}`);
  console.log(`rss_mb_peak=${Math.round(rss / 1048576)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
