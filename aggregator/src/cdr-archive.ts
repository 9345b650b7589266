/**
 * The CDR archive and the rating history of account-months: what a rater needs to rebuild an
 * account-month's state after a restart or a partition move (see RatingEngine.restore).
 */
import type { Accepted } from '@ratel/rater';
import { type Cdr, cdrType, errors } from '@ratel/schemas';
import { int, type Store, str } from './store/store.js';

export interface AccountMonthKey {
  account_id: string;
  month: number;
}

export interface StoredRating {
  cdr_id: string;
  account_id: string;
  month: number;
  version: number;
  included_qty: number;
  billed_qty: number;
  cost_micros: number;
  prefix: string;
  reasons: string[];
}

export interface AccountMonthHistory {
  key: AccountMonthKey;
  cdrs: Cdr[];
  /** Each CDR's Avro body as archived (bodies[i] is cdrs[i]'s): the bytes as first received. */
  bodies: Buffer[];
  /** Latest stored rating per cdr id. */
  ratings: Map<string, StoredRating>;
}

/** Archives accepted CDRs (see archiveRows). */
export async function writeCdrs(store: Store, cdrs: readonly Accepted[]): Promise<void> {
  await store.insert('cdrs', archiveRows(cdrs));
}

/**
 * The `cdrs` table's rows for accepted CDRs. A CDR's `body`, when given, is its Avro body (schema
 * cdr.v1) as it was received, which saves encoding it again; otherwise it is encoded here.
 */
export function archiveRows(cdrs: readonly Accepted[]): object[] {
  return cdrs.map(({ cdr, month, body }) => ({
    account_id: cdr.account_id,
    month,
    cdr_id: cdr.id,
    start_ms: cdr.start_ms,
    // The CDR's Avro body (schema cdr.v1), base64: about a third of its JSON size.
    record: (body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : cdrType.toBuffer(cdr)).toString('base64'),
  }));
}

/** The key of an account-month in the sets and maps below. */
export const accountMonthKey = (account: string, month: number): string => `${account}|${month}`;
const keyOf = accountMonthKey;
const CHUNK = 500;

/**
 * The account-months with archived CDRs from `fromMonth` on (accountMonthKey keys): one scan of
 * those monthly partitions, two short columns. A rater takes it once per assignment, so that an
 * account-month absent from it is known to have no history without a query of its own.
 */
export async function archivedAccountMonths(store: Store, fromMonth: number): Promise<Set<string>> {
  const rows = await store.query<{ account_id: string; month: number }>(
    `SELECT account_id, month FROM cdrs WHERE month >= ${int(fromMonth)} GROUP BY account_id, month`,
  );
  return new Set(rows.map((r) => keyOf(r.account_id, r.month)));
}

/** Loads the archived CDRs and latest ratings of the given account-months (FINAL: no duplicates). */
export async function loadHistory(store: Store, keys: readonly AccountMonthKey[]): Promise<AccountMonthHistory[]> {
  const out = new Map<string, AccountMonthHistory>();
  for (const k of keys) out.set(keyOf(k.account_id, k.month), { key: k, cdrs: [], bodies: [], ratings: new Map() });
  for (let i = 0; i < keys.length; i += CHUNK) {
    const tuples = keys
      .slice(i, i + CHUNK)
      .map((k) => `(${str(k.account_id)}, ${int(k.month)})`)
      .join(', ');
    const cdrRows = await store.query<{ account_id: string; month: number; record: string }>(
      `SELECT account_id, month, record FROM cdrs FINAL WHERE (account_id, month) IN (${tuples})`,
    );
    for (const r of cdrRows) {
      let cdr: Cdr;
      const body = Buffer.from(r.record, 'base64');
      try {
        cdr = cdrType.fromBuffer(body);
      } catch (e) {
        throw errors.storeQueryFailed(
          store.engine,
          `archived CDR of ${r.account_id} ${r.month} is not a cdr.v1 Avro record: ${(e as Error).message}`,
          e,
        );
      }
      const h = out.get(keyOf(r.account_id, r.month));
      h?.cdrs.push(cdr);
      h?.bodies.push(body);
    }
    const rated = await store.query<StoredRating>(
      `SELECT cdr_id, account_id, month, version, included_qty, billed_qty, cost_micros, prefix, reasons
       FROM rated_events FINAL WHERE (account_id, month) IN (${tuples})`,
    );
    for (const r of rated) out.get(keyOf(r.account_id, r.month))?.ratings.set(r.cdr_id, r);
  }
  return [...out.values()];
}
