// The batch jobs' store sink (ingest/src/store-sink.ts): their writer settings, and inserts grouped
// by table across the workers' parts.
import type { EncodedRows, Store } from '@ratel/aggregator';
import { BATCH_JOB_INSERT_ROWS, BATCH_JOB_MAX_DELAY_MS, batchJobWriter, groupedStoreSink } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';

describe('batchJobWriter', () => {
  it('inserts BATCH_JOB_INSERT_ROWS rows at a time and lets two inserts wait with the defaults', () => {
    expect(batchJobWriter({ maxDelayMs: 1000, maxPendingRows: 200_000 })).toEqual({
      minRows: BATCH_JOB_INSERT_ROWS,
      maxDelayMs: BATCH_JOB_MAX_DELAY_MS,
      maxPendingRows: 2 * BATCH_JOB_INSERT_ROWS,
    });
  });

  it('keeps a longer delay or a larger pending bound from the config', () => {
    expect(batchJobWriter({ maxDelayMs: 60_000, maxPendingRows: 5_000_000 })).toEqual({
      minRows: BATCH_JOB_INSERT_ROWS,
      maxDelayMs: 60_000,
      maxPendingRows: 5_000_000,
    });
  });
});

describe('groupedStoreSink', () => {
  it('groups the parts of several writes into one insert per table, once minRows are queued', async () => {
    const inserts: { table: string; rows: number[] }[] = [];
    const store = {
      async insertEncoded(table: string, parts: readonly EncodedRows[]) {
        inserts.push({ table, rows: parts.map((p) => p.rows) });
      },
    } as unknown as Store;
    const part = (table: string, rows: number): EncodedRows => ({ table, rows, format: 'TabSeparated', data: 'x\n'.repeat(rows) });
    const { sink, writer } = groupedStoreSink(store, { minRows: 10, maxDelayMs: 60_000 });
    const a = sink.write([part('cdrs', 3), part('rated_events', 3), part('alerts', 0)]);
    expect(writer.pending).toBe(6);
    const b = sink.write([part('cdrs', 2), part('rated_events', 2), part('alerts', 1)]);
    await Promise.all([a, b]);
    expect(inserts.sort((x, y) => x.table.localeCompare(y.table))).toEqual([
      { table: 'alerts', rows: [1] },
      { table: 'cdrs', rows: [3, 2] },
      { table: 'rated_events', rows: [3, 2] },
    ]);
    expect(writer.pending).toBe(0);
  });
});
