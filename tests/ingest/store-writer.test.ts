// The group-commit writer (ingest/src/store-writer.ts). Batches are opaque to it: here a batch is
// a list of row ids, and a write records how many rows it stored.
import { StoreWriter, type WriterOptions } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';

type Batch = string[];
const rows = (n: number): Batch => Array.from({ length: n }, (_, i) => String(i));
const total = (bs: Batch[]) => bs.reduce((t, b) => t + b.length, 0);
const writer = (write: (bs: Batch[]) => Promise<void>, opts: WriterOptions) => new StoreWriter<Batch>(write, (b) => b.length, opts);

describe('StoreWriter (group commit)', () => {
  it('flushes as soon as minRows are queued, in one write for several batches', async () => {
    const writes: number[] = [];
    const w = writer(async (r) => void writes.push(total(r)), { minRows: 10, maxDelayMs: 60_000 });
    const a = w.add(rows(4));
    const b = w.add(rows(4));
    expect(writes).toEqual([]);
    await Promise.all([a, b, w.add(rows(3))]);
    expect(writes).toEqual([11]);
  });

  it('flushes a small batch after maxDelayMs', async () => {
    const writes: number[] = [];
    const w = writer(async (r) => void writes.push(total(r)), { minRows: 10_000, maxDelayMs: 50 });
    const t0 = Date.now();
    await w.add(rows(2));
    expect(writes).toEqual([2]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  });

  it('a failed write rejects every batch of that flush, and the next flush still runs', async () => {
    let fail = true;
    const w = writer(
      async () => {
        if (fail) throw new Error('store down');
      },
      { minRows: 2, maxDelayMs: 60_000 },
    );
    const a = w.add(rows(1));
    const b = w.add(rows(1));
    await expect(a).rejects.toThrow('store down');
    await expect(b).rejects.toThrow('store down');
    fail = false;
    await expect(w.add(rows(2))).resolves.toBeUndefined();
    expect(w.flushes).toBe(1);
  });

  it('rows that arrive during a write go out together in the next one', async () => {
    const writes: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const w = writer(
      async (r) => {
        writes.push(total(r));
        if (writes.length === 1) await gate;
      },
      { minRows: 2, maxDelayMs: 60_000 },
    );
    const first = w.add(rows(2)); // starts the first write, held open
    const later = [w.add(rows(2)), w.add(rows(3)), w.add(rows(2))];
    expect(writes).toEqual([2]);
    expect(w.pending).toBe(9);
    release();
    await Promise.all([first, ...later]);
    expect(writes).toEqual([2, 7]);
    expect(w.pending).toBe(0);
  });

  it('below() waits until the pending rows drop under the bound; drain() until all are stored', async () => {
    let release: () => void = () => {};
    const w = writer(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
      { minRows: 5, maxDelayMs: 60_000 },
    );
    void w.add(rows(5));
    void w.add(rows(1));
    let below = false;
    const waiting = w.below(3).then(() => {
      below = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(below).toBe(false);
    release(); // first write done: 1 row left, still queued
    await waiting;
    expect(w.pending).toBe(1);
    const drained = w.drain();
    await new Promise((r) => setTimeout(r, 10));
    release();
    await drained;
    expect(w.pending).toBe(0);
    expect(w.flushes).toBe(2);
  });

  it('an empty batch resolves at once without a write', async () => {
    let writes = 0;
    const w = writer(async () => void writes++, { minRows: 1, maxDelayMs: 1 });
    await w.add([]);
    expect(writes).toBe(0);
  });
});
