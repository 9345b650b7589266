/**
 * `ratel rerate --month M`: re-rates a whole month with the catalog this process runs, every
 * account of the month alike, and records that catalog as the month's (rating_catalogs). It is
 * the one way a catalog change reaches history: a restore never re-prices as a side effect.
 * Each account-month is restored from the store (archived CDRs and their latest ratings) and
 * rated again in start order; ratings that change get a new version, and an invoiced month's
 * changes become adjustment lines on the next invoice (a closed invoice is never touched).
 * Run it with the raters of the old catalog stopped, before those of the new one start.
 */
import { int, loadHistory, recordRatingCatalog, type Store, writeAlerts, writeRated } from '@ratel/aggregator';
import { type AccountBook, type Catalog, newOutput, RatingEngine } from '@ratel/rater';
import type { Logger } from './logger.js';

/** Account-months restored and re-rated together. */
const CHUNK = 200;

export interface RerateResult {
  month: number;
  catalog: string;
  /** Accounts with CDRs archived in the month. */
  accounts: number;
  /** Of those, accounts the accounts file does not list (their ratings are left as they are). */
  unknownAccounts: number;
  cdrs: number;
  /** Ratings that changed and got a new version. */
  changed: number;
  /** Cost of the changed ratings after, minus before (micros). */
  deltaMicros: number;
}

export async function rerateMonth(
  store: Store,
  catalog: Catalog,
  accounts: AccountBook,
  month: number,
  log: Logger,
  now: () => number = Date.now,
): Promise<RerateResult> {
  const ids = (
    await store.query<{ account_id: string }>(`SELECT DISTINCT account_id FROM cdrs WHERE month = ${int(month)} ORDER BY account_id`)
  ).map((r) => r.account_id);
  const result: RerateResult = {
    month,
    catalog: catalog.version,
    accounts: ids.length,
    unknownAccounts: 0,
    cdrs: 0,
    changed: 0,
    deltaMicros: 0,
  };
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const history = await loadHistory(
      store,
      chunk.map((account_id) => ({ account_id, month })),
    );
    const engine = new RatingEngine({ catalog, accounts }, now);
    const out = newOutput();
    for (const h of history) {
      if (!accounts.has(h.key.account_id)) {
        result.unknownAccounts++;
        continue;
      }
      result.cdrs += h.cdrs.length;
      const before = out.events.length;
      engine.restore(h.key.account_id, month, h.cdrs, h.ratings, out, h.bodies);
      for (const e of out.events.slice(before)) result.deltaMicros += e.cost_micros - (h.ratings.get(e.cdr_id)?.cost_micros ?? 0);
    }
    result.changed += out.events.length;
    await writeRated(store, out.events);
    await writeAlerts(store, out.alerts);
    log.info({ month, done: Math.min(ids.length, i + CHUNK), of: ids.length, changed: result.changed }, 'rerate progress');
  }
  await recordRatingCatalog(store, month, catalog.version, { supersede: true });
  return result;
}
