/**
 * Data retention (SPEC §7, seed 001 §2.10.2): after a service is deactivated its data is kept
 * ("archived") for 90 days, then deleted. ratel deletes the usage data of such accounts (rated
 * events, archived CDRs, alerts, dead letters they caused); issued invoices are accounting
 * documents and are kept. Deletions are ALTER ... DELETE mutations, which both engines run (the
 * 18.16 server has no TTL, and a TTL on event age is not what §7 asks anyway); they complete in
 * the background, so `purgeDeactivated` waits until the rows are gone.
 * `dropMonthsBefore` (ddl.ts) is the coarse tool: whole monthly partitions.
 */
import type { AccountBook } from '@ratel/rater';
import { errors } from '@ratel/schemas';
import { type Store, strList } from './store/store.js';

export const ARCHIVE_DAYS = 90;

const PURGED_TABLES = ['rated_events', 'cdrs', 'alerts'] as const;

/** Accounts whose deactivation is more than `archiveDays` before `today` (YYYY-MM-DD). */
export function expiredAccounts(accounts: AccountBook, today: string, archiveDays = ARCHIVE_DAYS): string[] {
  const limit = Date.parse(`${today}T00:00:00Z`) - archiveDays * 86_400_000;
  return [...accounts.values()].filter((a) => a.deactivated !== null && Date.parse(`${a.deactivated}T00:00:00Z`) < limit).map((a) => a.id);
}

/** Deletes the usage data of accounts deactivated more than 90 days before `today`; returns them. */
export async function purgeDeactivated(
  store: Store,
  accounts: AccountBook,
  today: string,
  opts: { archiveDays?: number; waitMs?: number } = {},
): Promise<string[]> {
  const ids = expiredAccounts(accounts, today, opts.archiveDays);
  if (ids.length === 0) return ids;
  const list = strList(ids);
  for (const t of PURGED_TABLES) await store.exec(`ALTER TABLE ${t} DELETE WHERE account_id IN ${list}`);
  const end = Date.now() + (opts.waitMs ?? 60_000);
  for (;;) {
    let left = 0;
    for (const t of PURGED_TABLES) {
      const [r] = await store.query<{ n: number }>(`SELECT count() AS n FROM ${t} WHERE account_id IN ${list}`);
      left += r?.n ?? 0;
    }
    if (left === 0) return ids;
    if (Date.now() > end)
      throw errors.storeQueryFailed(store.engine, `retention: ${left} rows of deactivated accounts still present after waiting`, null);
    await new Promise((r) => setTimeout(r, 200));
  }
}
