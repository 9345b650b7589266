/**
 * ratel's tables. One DDL for both engines (see store.ts for what the 18.16 server lacks).
 *
 * rated_events   one row per (cdr_id, version); ReplacingMergeTree(version) keeps the highest
 *                version after merges, and every reader uses FINAL so results are right before
 *                merges happen. Partitioned by billing month: retention (SPEC §7) drops whole
 *                monthly partitions, since TTL does not exist on the 18.16 server.
 * cdrs           every accepted CDR (Avro body, base64), per account-month: the rater rebuilds an
 *                account-month's allowance state from it after a restart or a rebalance.
 * alerts         credit-limit, fair-use and premium alerts as the rater raised them, and the
 *                roaming-abuse alerts of month close (roaming-abuse.ts).
 * dead_letters   CDRs that could not be rated, with reason code and the original record.
 * invoices       one header per account and month, written last: its presence means issued.
 * invoice_lines  the lines of issued invoices, tagged with their run's issued_at_ms: only lines
 *                whose tag equals the header's count, so a run that died before writing its
 *                header leaves nothing visible. Never rewritten once the header exists.
 */
export const TABLES = {
  rated_events: `CREATE TABLE IF NOT EXISTS rated_events (
    cdr_id String, version UInt32, account_id String, user_id String, plan_id String,
    kind String, direction String, start_ms Int64, month UInt32, counterpart String,
    prefix String, destination String, dest_class String,
    quantity Int64, included_qty Int64, billed_qty Int64, cost_micros Int64, currency String,
    reasons Array(String), roaming_country String, rated_at_ms Int64
  ) ENGINE = ReplacingMergeTree(version) PARTITION BY month ORDER BY (account_id, cdr_id)`,
  cdrs: `CREATE TABLE IF NOT EXISTS cdrs (
    account_id String, month UInt32, cdr_id String, start_ms Int64, record String
  ) ENGINE = ReplacingMergeTree() PARTITION BY month ORDER BY (account_id, month, cdr_id)`,
  alerts: `CREATE TABLE IF NOT EXISTS alerts (
    kind String, account_id String, user_id String, cdr_id String, month UInt32, at_ms Int64, detail String
  ) ENGINE = ReplacingMergeTree() PARTITION BY month ORDER BY (account_id, kind, user_id, cdr_id, detail)`,
  dead_letters: `CREATE TABLE IF NOT EXISTS dead_letters (
    cdr_id String, code String, reason String, record String, at_ms Int64
  ) ENGINE = ReplacingMergeTree() ORDER BY (cdr_id, code)`,
  invoices: `CREATE TABLE IF NOT EXISTS invoices (
    invoice_id String, account_id String, month UInt32, issued_at_ms Int64, currency String,
    vat_country String, vat_bp UInt32, total_excl_micros Int64, vat_micros Int64, total_incl_micros Int64,
    catalog_version String
  ) ENGINE = ReplacingMergeTree() ORDER BY (account_id, month)`,
  invoice_lines: `CREATE TABLE IF NOT EXISTS invoice_lines (
    invoice_id String, account_id String, month UInt32, issued_at_ms Int64, line_no UInt32, section String,
    period UInt32, description String, user_id String, quantity Int64, included_qty Int64, billed_qty Int64, unit String,
    amount_micros Int64
  ) ENGINE = MergeTree() PARTITION BY month ORDER BY (account_id, month, issued_at_ms, line_no)`,
} as const;

export type TableName = keyof typeof TABLES;

import type { Store } from './store.js';
import { createViews } from './views.js';

/** Creates every table and finance view that does not exist yet. */
export async function createSchema(store: Store): Promise<void> {
  for (const ddl of Object.values(TABLES)) await store.exec(ddl);
  await createViews(store);
}

/** Retention (SPEC §7): drops monthly partitions of rated events older than `keepFromMonth`. */
export async function dropMonthsBefore(store: Store, keepFromMonth: number): Promise<number[]> {
  const rows = await store.query<{ partition: string }>(
    `SELECT DISTINCT partition FROM system.parts WHERE database = currentDatabase() AND table = 'rated_events' AND active`,
  );
  const dropped: number[] = [];
  for (const { partition } of rows) {
    const m = Number(partition.replace(/'/g, ''));
    if (m < keepFromMonth) {
      await store.exec(`ALTER TABLE rated_events DROP PARTITION ${m}`);
      dropped.push(m);
    }
  }
  return dropped;
}
