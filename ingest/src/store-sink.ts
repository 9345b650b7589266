/**
 * A rating pool's sink on a store for the batch jobs (the month job, `ratel import`): the rows
 * the rating workers encode are grouped (StoreWriter) into inserts of at least `minRows` rows, or
 * sent `maxDelayMs` after the oldest, one write at a time, each table's parts in one insert.
 * On chDB every insert makes a part per table and month, files on disk, that background merges
 * then rewrite: with one insert per worker and batch (about 5,000 rows), the embedded engine
 * spent about a third of its time in the kernel creating part files and merging them. 400,000-row
 * inserts (about 200,000 CDRs: their archive rows and rated events) make a fifth of the parts of
 * 100,000-row ones, and chDB spends about a third less CPU per CDR storing them (bench/RESULTS.md,
 * 2026-12-02).
 */
import type { Store } from '@ratel/aggregator';
import type { EncodedRowsSink } from '@ratel/rater';
import { GatheredRows } from './gathered-rows.js';
import { StoreWriter } from './store-writer.js';

/** Rows per insert of the batch jobs. */
export const BATCH_JOB_INSERT_ROWS = 400_000;
/**
 * The longest a batch job's rows wait to fill an insert: no one waits on them before the job's
 * end (which writes what is left), and under load a second is less than an insert takes to fill.
 */
export const BATCH_JOB_MAX_DELAY_MS = 10_000;

/**
 * The batch jobs' writer settings from the pipeline's (writer.*): inserts of BATCH_JOB_INSERT_ROWS
 * rows sent at most BATCH_JOB_MAX_DELAY_MS after the oldest (or writer.maxDelayMs if longer), and
 * rating waits once more than two inserts' worth (or writer.maxPendingRows if more) are not yet
 * stored, so that the next insert fills while one is written.
 */
export function batchJobWriter(writer: { maxDelayMs: number; maxPendingRows: number }): {
  minRows: number;
  maxDelayMs: number;
  maxPendingRows: number;
} {
  return {
    minRows: BATCH_JOB_INSERT_ROWS,
    maxDelayMs: Math.max(writer.maxDelayMs, BATCH_JOB_MAX_DELAY_MS),
    maxPendingRows: Math.max(writer.maxPendingRows, 2 * BATCH_JOB_INSERT_ROWS),
  };
}

/**
 * The spool watcher's (`ratel import --watch`, a service): its ratings are seen in the store as
 * soon as the pipeline's would be (writer.maxDelayMs after the oldest row, writer.maxPendingRows),
 * in inserts of at most SPOOL_INSERT_ROWS rows, and a watcher killed in the middle of a file keeps
 * what it stored (the restart imports the file again; what was stored comes back as replays).
 */
export function spoolWriter(writer: { maxDelayMs: number; maxPendingRows: number }): {
  minRows: number;
  maxDelayMs: number;
  maxPendingRows: number;
} {
  return { minRows: SPOOL_INSERT_ROWS, maxDelayMs: writer.maxDelayMs, maxPendingRows: writer.maxPendingRows };
}

/** Rows per insert of the spool watcher (fewer parts than one insert a batch, seen within writer.maxDelayMs). */
export const SPOOL_INSERT_ROWS = 100_000;

export function groupedStoreSink(
  store: Store,
  opts: { minRows: number; maxDelayMs: number },
): { sink: EncodedRowsSink; writer: StoreWriter<number> } {
  // Each write's rows are copied into the next insert's buffers at once (gathered-rows.ts); the
  // writer counts them. It calls this write synchronously as it flushes, with exactly the writes
  // added since the last one: what is gathered at that moment is what they hold.
  const gathered = new GatheredRows();
  const writer = new StoreWriter<number>(
    async () => {
      const sealed = gathered.seal();
      try {
        await Promise.all(sealed.map((s) => store.insertEncoded(s.part.table, [s.part])));
      } finally {
        for (const s of sealed) s.release();
      }
    },
    (rows) => rows,
    opts,
  );
  const sink: EncodedRowsSink = {
    copies: true,
    write: (parts) => writer.add(gathered.add(parts)),
    drain: () => writer.drain(),
  };
  return { sink, writer };
}
