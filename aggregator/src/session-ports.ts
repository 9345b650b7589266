/**
 * The store behind a rating session's ports (RatingSession in the rater package): the history
 * it restores account-months from, and a sink that writes a batch's rows at once (the month job,
 * `ratel import`). The streaming pipeline has a sink of its own that groups the rows of many
 * batches into fewer writes (ingest's StoreWriter).
 */
import type { EncodedRowsSink, HistoryPort, RatedRows, RatedRowsSink } from '@ratel/rater';
import { archivedAccountMonths, loadHistory } from './cdr-archive.js';
import { ratingCatalogs, recordRatingCatalog } from './rating-catalogs.js';
import { createRowsEncoder } from './rows-encoder.js';
import type { EncodedRows, Store } from './store/store.js';

export function storeHistory(store: Store): HistoryPort {
  return {
    archived: (fromMonth) => archivedAccountMonths(store, fromMonth),
    load: (keys) => loadHistory(store, keys),
    ratingCatalogs: () => ratingCatalogs(store),
    recordRatingCatalog: (month, version) => recordRatingCatalog(store, month, version),
  };
}

/** A batch's rows encoded for the store now (an encoder refusal throws here, before anything is written). */
export function encodeRows(store: Store, rows: RatedRows): EncodedRows[] {
  return createRowsEncoder({ engine: store.engine })(rows);
}

/** Writes each batch's rows as it comes (archive, rated events, alerts), one write after the other. */
export function storeSink(store: Store): RatedRowsSink {
  const encoded = encodedStoreSink(store);
  return {
    write: (rows) => encoded.write(encodeRows(store, rows)),
    drain: () => encoded.drain(),
  };
}

/**
 * Writes rows already encoded (a RatingPool's workers encode them) as they come, one write after
 * the other: each table's part of a write in one insert.
 */
export function encodedStoreSink(store: Store): EncodedRowsSink {
  let last: Promise<void> = Promise.resolve();
  return {
    write(parts) {
      const some = parts.filter((p) => p.rows > 0);
      const done = last.then(() => Promise.all(some.map((p) => store.insertEncoded(p.table, [p])))).then(() => {});
      last = done.catch(() => {});
      return done;
    },
    drain: () => last,
  };
}
