/**
 * Group-commit store writer: batches from all partitions queue their rows here; one flush writes
 * everything queued once there are `minRows` rows or `maxDelayMs` has passed since the first,
 * whichever comes first, and resolves every batch it contained (each then commits its offsets).
 * Flushes run one after another; a failed flush rejects all its batches (they are redelivered).
 */
import type { Alert } from '@ratel/rater';
import type { Cdr, RatedEvent } from '@ratel/schemas';

export interface WriterRows {
  cdrs: { cdr: Cdr; month: number }[];
  events: RatedEvent[];
  alerts: Alert[];
}

export interface WriterOptions {
  minRows: number;
  maxDelayMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class StoreWriter {
  private rows: WriterRows = { cdrs: [], events: [], alerts: [] };
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Number of flushes done, and rows written, for metrics and tests. */
  flushes = 0;

  constructor(
    private readonly write: (rows: WriterRows) => Promise<void>,
    private readonly opts: WriterOptions,
  ) {}

  /** Rows waiting for the next flush. */
  get queued(): number {
    return this.rows.cdrs.length + this.rows.events.length;
  }

  /** Queues a batch's rows; resolves once they are stored. */
  add(rows: WriterRows): Promise<void> {
    if (rows.cdrs.length + rows.events.length + rows.alerts.length === 0) return Promise.resolve();
    for (const c of rows.cdrs) this.rows.cdrs.push(c);
    for (const e of rows.events) this.rows.events.push(e);
    for (const a of rows.alerts) this.rows.alerts.push(a);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.queued >= this.opts.minRows) this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.opts.maxDelayMs);
    return done;
  }

  /** Writes whatever is queued now. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.waiters.length === 0) return;
    const rows = this.rows;
    const waiters = this.waiters;
    this.rows = { cdrs: [], events: [], alerts: [] };
    this.waiters = [];
    this.chain = this.chain.then(async () => {
      try {
        await this.write(rows);
        this.flushes++;
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    });
  }
}
