/**
 * ratel's tables. One DDL for both engines (see store.ts for what the 18.16 server lacks).
 *
 * rated_events   one row per (cdr_id, version); ReplacingMergeTree(version) keeps the highest
 *                version after merges, and every reader uses FINAL so results are right before
 *                merges happen. Partitioned by billing month: retention (SPEC §7) drops whole
 *                monthly partitions, since TTL does not exist on the 18.16 server. The month
 *                is part of the key: two rows of one id in two months are two rows on every
 *                engine (18.16's FINAL would otherwise collapse them across partitions).
 * cdrs           every accepted CDR (Avro body, base64), per account-month: the rater rebuilds an
 *                account-month's allowance state from it after a restart or a rebalance.
 * alerts         credit-limit, fair-use and premium alerts as the rater raised them, and the
 *                roaming-abuse alerts of month close (roaming-abuse.ts).
 * dead_letters   CDRs that could not be rated, with reason code, the decoded record (JSON), the
 *                frame as received (base64, whole even when the dead-letter topic got only a
 *                reference to it) and, for an id conflict, the version already rated. Keyed by
 *                id, code and the SHA-256 of the frame (or record): the same dead letter sent
 *                again is one row, two different ones under one id are two.
 * rating_catalogs the catalog version (content hash) each month is rated with: a rater whose
 *                catalog differs refuses that month's CDRs until `ratel rerate` re-rates the
 *                whole month, every account alike (rating-catalogs.ts).
 * invoices       one header per account and month, written last: its presence means issued. It
 *                holds the invoice's legal number (number_seq of the series seller_key and
 *                number_year): a number exists only with its header, so the numbers of a series
 *                are 1..n without a gap, whatever run died where (invoice.ts runInvoices).
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
  ) ENGINE = ReplacingMergeTree(version) PARTITION BY month ORDER BY (account_id, month, cdr_id)`,
  cdrs: `CREATE TABLE IF NOT EXISTS cdrs (
    account_id String, month UInt32, cdr_id String, start_ms Int64, record String
  ) ENGINE = ReplacingMergeTree() PARTITION BY month ORDER BY (account_id, month, cdr_id)`,
  alerts: `CREATE TABLE IF NOT EXISTS alerts (
    kind String, account_id String, user_id String, cdr_id String, month UInt32, at_ms Int64, detail String
  ) ENGINE = ReplacingMergeTree() PARTITION BY month ORDER BY (account_id, kind, user_id, cdr_id, detail)`,
  dead_letters: `CREATE TABLE IF NOT EXISTS dead_letters (
    cdr_id String, code String, reason String, record String, at_ms Int64, body String, held String, digest String
  ) ENGINE = ReplacingMergeTree() ORDER BY (cdr_id, code, digest)`,
  rating_catalogs: `CREATE TABLE IF NOT EXISTS rating_catalogs (
    month UInt32, catalog String, at_ms Int64, generation UInt32
  ) ENGINE = MergeTree() ORDER BY (month, generation, at_ms)`,
  invoices: `CREATE TABLE IF NOT EXISTS invoices (
    invoice_id String, account_id String, month UInt32, issued_at_ms Int64, currency String,
    vat_country String, vat_bp UInt32, total_excl_micros Int64, vat_micros Int64, total_incl_micros Int64,
    catalog_version String, number String, seller_key String, number_year UInt32, number_seq UInt32,
    issue_date String, due_date String, payment_terms_days UInt32, seller String, buyer String, vat_breakdown String,
    legal_text String
  ) ENGINE = ReplacingMergeTree() ORDER BY (account_id, month)`,
  invoice_lines: `CREATE TABLE IF NOT EXISTS invoice_lines (
    invoice_id String, account_id String, month UInt32, issued_at_ms Int64, line_no UInt32, section String,
    period UInt32, description String, user_id String, quantity Int64, included_qty Int64, billed_qty Int64, unit String,
    amount_micros Int64
  ) ENGINE = MergeTree() PARTITION BY month ORDER BY (account_id, month, issued_at_ms, line_no)`,
} as const;

export type TableName = keyof typeof TABLES;

import { columnsOf } from './row-binary.js';
import type { Store } from './store.js';
import { createViews } from './views.js';

/** Creates every table and finance view that does not exist yet, and adds columns a table made by an older ratel lacks. */
export async function createSchema(store: Store): Promise<void> {
  for (const ddl of Object.values(TABLES)) await store.exec(ddl);
  await addMissingColumns(store);
  await createViews(store);
}

/**
 * 18.16 has no `ADD COLUMN IF NOT EXISTS`: the columns each table has are read from
 * system.columns, and those of its DDL it lacks are added (String columns default to '').
 */
async function addMissingColumns(store: Store): Promise<void> {
  const rows = await store.query<{ table: string; name: string }>(
    `SELECT table, name FROM system.columns WHERE database = currentDatabase()`,
  );
  const have = new Set(rows.map((r) => `${r.table}.${r.name}`));
  for (const [table, ddl] of Object.entries(TABLES)) {
    for (const c of columnsOf(ddl)) {
      if (!have.has(`${table}.${c.name}`)) await store.exec(`ALTER TABLE ${table} ADD COLUMN ${c.name} ${c.type}`);
    }
  }
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
