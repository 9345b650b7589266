/**
 * A rating pool's sink on a store for the batch jobs (the month job, `ratel import`): the rows
 * the rating workers encode are grouped (StoreWriter) into inserts of at least `minRows` rows, or
 * sent `maxDelayMs` after the oldest, one write at a time, each table's parts in one insert.
 * On chDB every insert makes a part per table and month, files on disk: with one insert per
 * worker and batch (about 5,000 rows), the embedded engine spent about a third of its time in
 * the kernel creating part files and merging them; 100,000-row inserts make a twentieth of them.
 */
import type { EncodedRows, Store } from '@ratel/aggregator';
import type { EncodedRowsSink } from '@ratel/rater';
import { StoreWriter } from './store-writer.js';

/** Rows per insert of the batch jobs. */
export const BATCH_JOB_INSERT_ROWS = 100_000;

export function groupedStoreSink(
  store: Store,
  opts: { minRows: number; maxDelayMs: number },
): { sink: EncodedRowsSink; writer: StoreWriter<readonly EncodedRows[]> } {
  const writer = new StoreWriter<readonly EncodedRows[]>(
    async (batches) => {
      const tables = new Map<string, EncodedRows[]>();
      for (const b of batches)
        for (const p of b) {
          if (p.rows === 0) continue;
          const list = tables.get(p.table);
          if (list) list.push(p);
          else tables.set(p.table, [p]);
        }
      await Promise.all([...tables].map(([table, parts]) => store.insertEncoded(table, parts)));
    },
    (b) => b.reduce((n, p) => n + p.rows, 0),
    opts,
  );
  return { sink: { write: (parts) => writer.add(parts), drain: () => writer.drain() }, writer };
}
