/**
 * Group-commit store writer: batches from all partitions queue their rows here, and one write
 * stores everything queued once there are `minRows` rows or `maxDelayMs` has passed since the
 * oldest, whichever comes first; each batch's promise resolves when its rows are stored (the
 * pipeline then commits its offsets). One write at a time: rows that arrive during a write wait
 * for it and go out together in the next one, so a slow store gets fewer, larger inserts.
 * A failed write rejects all its batches. `pending` counts rows queued or being written; the
 * pipeline waits on `below()` to bound it (backpressure).
 * Batches are opaque to the writer (the pipeline queues rows already encoded for the store);
 * `count` tells how many rows one holds. `write` is called synchronously by the flush that takes
 * the batches, before anything else is added (groupedStoreSink relies on it).
 */

export interface WriterOptions {
  minRows: number;
  maxDelayMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class StoreWriter<B> {
  private batches: B[] = [];
  private rows = 0;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** When the oldest queued row arrived (for maxDelayMs). */
  private oldestMs = 0;
  private writing: Promise<void> | null = null;
  /** A flush was asked for while a write was running. */
  private wanted = false;
  private readonly idle: (() => void)[] = [];
  /** Number of writes done, for metrics and tests. */
  flushes = 0;
  /** Rows queued or being written. */
  pending = 0;

  constructor(
    private readonly write: (batches: B[]) => Promise<void>,
    private readonly count: (batch: B) => number,
    private readonly opts: WriterOptions,
  ) {}

  /** Rows waiting for the next write. */
  get queued(): number {
    return this.rows;
  }

  /** Queues a batch; resolves once it is stored. A batch of no rows is stored already. */
  add(batch: B): Promise<void> {
    const n = this.count(batch);
    if (n === 0) return Promise.resolve();
    if (this.waiters.length === 0) this.oldestMs = Date.now();
    this.batches.push(batch);
    this.rows += n;
    this.pending += n;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  /** Writes whatever is queued now (after the running write, if any). */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.waiters.length === 0) return;
    if (this.writing !== null) {
      this.wanted = true;
      return;
    }
    const batches = this.batches;
    const waiters = this.waiters;
    const n = this.rows;
    this.batches = [];
    this.rows = 0;
    this.waiters = [];
    this.wanted = false;
    this.writing = (async () => {
      try {
        await this.write(batches);
        this.flushes++;
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      } finally {
        this.pending -= n;
        this.writing = null;
        for (const f of this.idle.splice(0)) f();
        if (this.wanted) this.flush();
        else this.schedule();
      }
    })();
  }

  /** Flushes now if minRows are queued, else makes sure a timer will. */
  private schedule(): void {
    if (this.waiters.length === 0 || this.writing !== null) return;
    if (this.queued >= this.opts.minRows) {
      this.flush();
      return;
    }
    if (this.timer === null) {
      const wait = Math.max(0, this.oldestMs + this.opts.maxDelayMs - Date.now());
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
    }
  }

  /** Resolves once fewer than `rows` rows are pending. */
  async below(rows: number): Promise<void> {
    while (this.pending >= rows) {
      if (this.writing === null) this.flush();
      await new Promise<void>((r) => this.idle.push(r));
    }
  }

  /** Writes what is queued and resolves once no write is left. */
  async drain(): Promise<void> {
    while (this.waiters.length > 0 || this.writing !== null) {
      this.flush();
      await new Promise<void>((r) => this.idle.push(r));
    }
  }
}
