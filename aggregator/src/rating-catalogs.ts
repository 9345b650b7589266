/**
 * Which catalog each month is rated with. A catalog change must reach every account of a month
 * alike, never only the accounts that happen to have new traffic (whose history a restore would
 * re-price). So the first rater to rate a month records its catalog version (the content hash of
 * the catalog files), and a rater running another catalog refuses that month's CDRs
 * (CATALOG_CHANGED dead letters) until `ratel rerate --month M` has re-rated the whole month with
 * the new catalog and recorded it.
 */
import { int, type Store, str } from './store/store.js';

/** The catalog version each month was last rated with. */
export async function ratingCatalogs(store: Store): Promise<Map<number, string>> {
  const rows = await store.query<{ month: number; catalog: string }>(
    `SELECT month, argMax(catalog, at_ms) AS catalog FROM rating_catalogs GROUP BY month`,
  );
  return new Map(rows.map((r) => [Number(r.month), r.catalog]));
}

/** Records that `month` is rated with catalog `version` from now on. */
export async function recordRatingCatalog(store: Store, month: number, version: string, atMs = Date.now()): Promise<void> {
  await store.exec(`INSERT INTO rating_catalogs (month, catalog, at_ms) VALUES (${int(month)}, ${str(version)}, ${int(atMs)})`);
}
