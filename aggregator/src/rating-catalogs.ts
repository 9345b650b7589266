/**
 * Which catalog each month is rated with. A catalog change must reach every account of a month
 * alike, never only the accounts that happen to have new traffic (whose history a restore would
 * re-price). So the first rater to rate a month records its catalog version (the content hash of
 * the catalog files), and a rater running another catalog refuses that month's CDRs
 * (CATALOG_CHANGED dead letters) until `ratel rerate --month M` has re-rated the whole month with
 * the new catalog and recorded it.
 *
 * Rows are only added. The record that stands for a month is the one of the highest generation
 * (each rerate adds one) and, within it, the earliest: when two raters with different catalogs
 * meet a new month at once, both record theirs, read back, and the first one stands for both.
 */
import { int, type Store, str } from './store/store.js';

interface Row {
  month: number;
  catalog: string;
  at_ms: number;
  generation: number;
}

async function rows(store: Store): Promise<Map<number, Row>> {
  const all = await store.query<Row>(`SELECT month, catalog, at_ms, generation FROM rating_catalogs`);
  const best = new Map<number, Row>();
  for (const r of all) {
    const month = Number(r.month);
    const row = { month, catalog: r.catalog, at_ms: Number(r.at_ms), generation: Number(r.generation) };
    const b = best.get(month);
    if (!b || row.generation > b.generation || (row.generation === b.generation && row.at_ms < b.at_ms)) best.set(month, row);
  }
  return best;
}

/** The catalog version each month is rated with (the record that stands). */
export async function ratingCatalogs(store: Store): Promise<Map<number, string>> {
  return new Map([...(await rows(store))].map(([m, r]) => [m, r.catalog]));
}

/**
 * Records that `month` is rated with catalog `version`. A rater records generation 0 (first
 * writer wins); `ratel rerate` passes `supersede` and records the next generation, which stands
 * over every earlier record.
 */
export async function recordRatingCatalog(
  store: Store,
  month: number,
  version: string,
  opts: { supersede?: boolean; atMs?: number } = {},
): Promise<void> {
  const generation = opts.supersede ? ((await rows(store)).get(month)?.generation ?? -1) + 1 : 0;
  await store.exec(
    `INSERT INTO rating_catalogs (month, catalog, at_ms, generation) VALUES (${int(month)}, ${str(version)}, ${int(opts.atMs ?? Date.now())}, ${int(generation)})`,
  );
}
