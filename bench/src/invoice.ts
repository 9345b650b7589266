/**
 * invoice_run_seconds: the invoice run for one month with 100,000 accounts and 3,000,000 rated
 * CDRs on the embedded engine (chDB). Loading the rated events is not timed.
 *   node bench/dist/invoice.js [accounts=100000] [cdrs=3000000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, openChdbStore, runInvoices } from '@ratel/aggregator';
import { Rng } from '@ratel/ingest';
import { type AccountInput, accountBook, loadCatalog } from '@ratel/rater';
import type { RatedEvent } from '@ratel/schemas';

const nAccounts = Number(process.argv[2] ?? 100_000);
const nCdrs = Number(process.argv[3] ?? 3_000_000);
const MONTH = 202610;
const PLANS = ['fr-start', 'fr-pro', 'be-unlimited-fixed', 'be-mobile-unlimited', 'answering-service'];
const CLASSES = ['fixed', 'mobile', 'special', 'premium', 'freephone'];

const dir = mkdtempSync(join(tmpdir(), 'ratel-invoice-bench-'));
try {
  const catalog = loadCatalog();
  const inputs: AccountInput[] = Array.from({ length: nAccounts }, (_, i) => {
    const plan = PLANS[i % PLANS.length] as string;
    const fr = plan.startsWith('fr-');
    return {
      id: `a${String(i).padStart(6, '0')}`,
      name: `Account ${i}`,
      plan,
      billing: 'monthly',
      activated: i % 13 === 0 ? '2026-10-17' : '2025-02-01',
      country: fr ? 'FR' : 'BE',
      time_zone: fr ? 'Europe/Paris' : 'Europe/Brussels',
      vat_country: fr ? 'FR' : 'BE',
      credit_limit: '100.00',
      options: fr && i % 5 === 0 ? ['call-recording'] : [],
      users: [{ id: `a${i}-u1` }, { id: `a${i}-u2` }],
    };
  });
  const accounts = accountBook(inputs, catalog);
  const store = openChdbStore(join(dir, 'chdb'));
  await createSchema(store);
  const rng = new Rng(3);
  const tLoad = performance.now();
  const BATCH = 250_000;
  for (let i = 0; i < nCdrs; i += BATCH) {
    const rows: RatedEvent[] = [];
    for (let k = i; k < Math.min(nCdrs, i + BATCH); k++) {
      const a = rng.int(0, nAccounts - 1);
      const q = rng.int(1, 900);
      const billed = rng.next() < 0.3 ? q : 0;
      rows.push({
        cdr_id: `c${k}`,
        version: 1,
        account_id: `a${String(a).padStart(6, '0')}`,
        user_id: `a${a}-u${1 + (k % 2)}`,
        plan_id: PLANS[a % PLANS.length] as string,
        kind: 'VOICE',
        direction: 'OUTBOUND',
        start_ms: Date.UTC(2026, 9, 1 + (k % 30)),
        month: MONTH,
        counterpart: '33612345678',
        prefix: '336',
        destination: 'France mobile',
        dest_class: CLASSES[k % CLASSES.length] as string,
        quantity: q,
        included_qty: q - billed,
        billed_qty: billed,
        cost_micros: billed ? Math.ceil((billed * 150_000) / 60 / 10_000) * 10_000 : 0,
        currency: 'EUR',
        reasons: billed ? ['NOT_IN_PACK'] : ['IN_PACK'],
        roaming_country: '',
        rated_at_ms: 1,
      });
    }
    await store.insert('rated_events', rows);
  }
  const loadSeconds = (performance.now() - tLoad) / 1000;
  const t0 = performance.now();
  const run = await runInvoices(store, catalog, accounts, MONTH, () => Date.UTC(2026, 10, 1));
  const seconds = (performance.now() - t0) / 1000;
  const lines = run.issued.reduce((s, inv) => s + inv.lines.length, 0);
  console.log(`invoice_accounts=${nAccounts}`);
  console.log(`invoice_rated_cdrs=${nCdrs}`);
  console.log(`invoice_load_seconds=${loadSeconds.toFixed(1)}`);
  console.log(`invoice_issued=${run.issued.length}`);
  console.log(`invoice_lines=${lines}`);
  console.log(`invoice_run_seconds=${seconds.toFixed(2)}`);
  console.log(`rss_mb_peak=${Math.round(process.memoryUsage().rss / 1048576)}`);
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
