/**
 * The rows a grouping sink gathers for its next insert, copied as they arrive into one buffer per
 * table that is kept and used again insert after insert.
 *
 * Why copy at once: the rating workers' rows come in buffers that go back to the workers once the
 * sink no longer needs them (rating-pool.ts). Held until their insert was stored (400,000 rows,
 * dozens of buffers), they ran the pool out of buffers to send round, so workers allocated new
 * ones; and each insert joined its parts into a new buffer of tens of MB (Buffer.concat). Memory
 * allocated outside the JavaScript heap at that rate made V8 run a full collection of the main
 * thread's heap every few hundred milliseconds ("external memory pressure": 28 in a 15 s month
 * job, bench/RESULTS.md 2026-12-03). Copied on arrival, the workers' buffers go back at once, and
 * the bytes of an insert sit in a buffer that already exists: two per table (one filling while
 * the other is being inserted) once they have grown to an insert's size.
 */
import type { EncodedRows } from '@ratel/aggregator';

/** Smallest buffer a table starts with. */
const MIN_BYTES = 1 << 20;

/** The rows of one table sealed for an insert; `release` once the insert is over (stored or failed). */
export interface SealedRows {
  readonly part: EncodedRows;
  release(): void;
}

class TableRows {
  private buf: Buffer;
  private at = 0;
  private rows = 0;
  /** Buffers back from finished inserts, to fill next (at most one is kept). */
  private spare: Buffer | null = null;

  constructor(
    readonly table: string,
    readonly format: EncodedRows['format'],
  ) {
    this.buf = Buffer.allocUnsafeSlow(MIN_BYTES);
  }

  add(p: EncodedRows): void {
    const bytes = typeof p.data === 'string' ? Buffer.byteLength(p.data, 'utf8') : p.data.length;
    this.room(bytes);
    if (typeof p.data === 'string') this.buf.write(p.data, this.at, bytes, 'utf8');
    else this.buf.set(p.data, this.at);
    this.at += bytes;
    this.rows += p.rows;
  }

  get empty(): boolean {
    return this.rows === 0;
  }

  seal(): SealedRows {
    const full = this.buf;
    const part: EncodedRows = { table: this.table, rows: this.rows, format: this.format, data: full.subarray(0, this.at) };
    // The next rows go to the spare buffer, or to a new one of the size this insert reached.
    this.buf = this.spare !== null && this.spare.length >= this.at ? this.spare : Buffer.allocUnsafeSlow(Math.max(MIN_BYTES, full.length));
    this.spare = null;
    this.at = 0;
    this.rows = 0;
    let released = false;
    return {
      part,
      release: () => {
        if (released) return;
        released = true;
        if (this.spare === null || this.spare.length < full.length) this.spare = full;
      },
    };
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, this.at + bytes));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}

/** Rows of every table gathered for the next insert. */
export class GatheredRows {
  private readonly tables = new Map<string, TableRows>();

  /** Copies the parts' rows (their buffers are free again once this returns); how many rows they hold. */
  add(parts: readonly EncodedRows[]): number {
    let rows = 0;
    for (const p of parts) {
      if (p.rows === 0) continue;
      let t = this.tables.get(p.table);
      if (t === undefined) {
        t = new TableRows(p.table, p.format);
        this.tables.set(p.table, t);
      } else if (t.format !== p.format) {
        throw new Error(`INSERT INTO ${p.table}: parts of ${t.format} and ${p.format}`);
      }
      t.add(p);
      rows += p.rows;
    }
    return rows;
  }

  /** The rows gathered so far, one part per table that has some; the next ones gather anew. */
  seal(): SealedRows[] {
    const out: SealedRows[] = [];
    for (const t of this.tables.values()) if (!t.empty) out.push(t.seal());
    return out;
  }
}
