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
  it('gathers the parts of several writes into one insert per table, once minRows are queued', async () => {
    const inserts: { table: string; rows: number[]; text: string }[] = [];
    const store = {
      async insertEncoded(table: string, parts: readonly EncodedRows[]) {
        inserts.push({ table, rows: parts.map((p) => p.rows), text: parts.map((p) => p.data.toString()).join('') });
      },
    } as unknown as Store;
    const part = (table: string, rows: number, c = 'x'): EncodedRows => ({
      table,
      rows,
      format: 'TabSeparated',
      data: Buffer.from(`${c}\n`.repeat(rows)),
    });
    const { sink, writer } = groupedStoreSink(store, { minRows: 10, maxDelayMs: 60_000 });
    expect(sink.copies).toBe(true);
    const a = sink.write([part('cdrs', 3, 'a'), part('rated_events', 3), part('alerts', 0)]);
    expect(writer.pending).toBe(6);
    const b = sink.write([part('cdrs', 2, 'b'), part('rated_events', 2), part('alerts', 1)]);
    await Promise.all([a, b]);
    expect(inserts.sort((x, y) => x.table.localeCompare(y.table))).toEqual([
      { table: 'alerts', rows: [1], text: 'x\n' },
      { table: 'cdrs', rows: [5], text: 'a\na\na\nb\nb\n' },
      { table: 'rated_events', rows: [5], text: 'x\n'.repeat(5) },
    ]);
    expect(writer.pending).toBe(0);
  });

  it('puts the rows written while an insert runs in the next insert, and a failed insert fails its writes only', async () => {
    const inserts: string[] = [];
    let release: () => void = () => {};
    const store = {
      async insertEncoded(_table: string, parts: readonly EncodedRows[]) {
        const text = parts.map((p) => p.data.toString()).join('');
        if (inserts.length === 0) await new Promise<void>((r) => (release = r));
        inserts.push(text);
        if (inserts.length === 2) throw new Error('store down');
      },
    } as unknown as Store;
    const part = (c: string, rows: number): EncodedRows => ({
      table: 'cdrs',
      rows,
      format: 'TabSeparated',
      data: Buffer.from(`${c}\n`.repeat(rows)),
    });
    const { sink } = groupedStoreSink(store, { minRows: 2, maxDelayMs: 60_000 });
    const first = sink.write([part('a', 2)]);
    const second = sink.write([part('b', 1)]);
    const third = sink.write([part('c', 1)]);
    release();
    await first;
    await expect(Promise.all([second, third])).rejects.toThrow('store down');
    expect(inserts).toEqual(['a\na\n', 'b\nc\n']);
    await sink.write([part('d', 2)]);
    expect(inserts[2]).toBe('d\nd\n');
  });
});
