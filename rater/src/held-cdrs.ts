/**
 * The CDRs a rating engine holds for re-rating, stored compactly: each CDR as its Avro body in
 * large shared slabs, and beside it a row of typed-array columns (start, id key, the rating last
 * emitted, the link to the previous CDR of its account-month). A held CDR costs about 140 bytes
 * instead of a ~1.5 kB object graph, and the garbage collector has nothing to trace per CDR.
 * A CDR is decoded again only when its account-month is re-rated.
 */
import { type Cdr, cdrType } from '@ratel/schemas';
import avro from 'avsc';
import { f64, i32, sharedBuffer } from './long-lived-arrays.js';

/** Slab size: bodies are packed into slabs of this many bytes (a larger body gets its own). */
const SLAB_BYTES = 4 << 20;
const FIRST_ROWS = 1024;
const stringType = avro.Type.forSchema('string');

export class HeldCdrs {
  /** Rows in use (row numbers are 0 .. rows-1). */
  rows = 0;
  /** start_ms of each row's CDR. */
  start = f64(FIRST_ROWS);
  /** Numeric id key (the engine's idKey) of each row's CDR. */
  key = f64(FIRST_ROWS);
  /**
   * Previous row of the same account-month in (start_ms, id) order, -1 at the start. Links point
   * back so that appending a row writes only to the new row, never to an older one.
   */
  prev = i32(FIRST_ROWS);
  /** The engine's number of the row's account-month (-1: no longer in it). */
  bucket = i32(FIRST_ROWS);
  /** Version, included, billed and cost last emitted for the row (version 0: never emitted). */
  version = i32(FIRST_ROWS);
  included = f64(FIRST_ROWS);
  billed = f64(FIRST_ROWS);
  cost = f64(FIRST_ROWS);
  /** Prefix and reason codes last emitted (shared strings and arrays). */
  prefix: string[] = [];
  reasons: (readonly string[])[] = [];
  private slabOf = i32(FIRST_ROWS);
  private offOf = i32(FIRST_ROWS);
  private readonly slabs: Buffer[] = [];
  private slab: Buffer = Buffer.allocUnsafeSlow(0);
  private used = 0;

  /** Bytes held: columns and body slabs. */
  get byteLength(): number {
    let n = this.start.length * 48;
    for (const s of this.slabs) n += s.length;
    return n;
  }

  /**
   * Adds a row for `cdr`, never emitted yet. `body` is its Avro body as received (cdr.v1, no
   * wire header); without it the CDR is encoded here.
   */
  append(cdr: Cdr, key: number, body?: Uint8Array): number {
    const row = this.rows;
    if (row === this.start.length) this.grow();
    this.rows = row + 1;
    this.start[row] = cdr.start_ms;
    this.key[row] = key;
    this.prev[row] = -1;
    this.bucket[row] = -1;
    this.version[row] = 0;
    this.included[row] = 0;
    this.billed[row] = 0;
    this.cost[row] = 0;
    this.prefix[row] = '';
    this.reasons[row] = NONE;
    if (body) this.putBytes(row, body);
    else this.putCdr(row, cdr);
    return row;
  }

  /** Copies row `from` of `src` (body and last emitted rating) into a new row here. */
  copyRow(src: HeldCdrs, from: number): number {
    const row = this.rows;
    if (row === this.start.length) this.grow();
    this.rows = row + 1;
    this.start[row] = src.start[from] as number;
    this.key[row] = src.key[from] as number;
    this.prev[row] = -1;
    this.bucket[row] = src.bucket[from] as number;
    this.version[row] = src.version[from] as number;
    this.included[row] = src.included[from] as number;
    this.billed[row] = src.billed[from] as number;
    this.cost[row] = src.cost[from] as number;
    this.prefix[row] = src.prefix[from] as string;
    this.reasons[row] = src.reasons[from] as readonly string[];
    const slab = src.slabs[src.slabOf[from] as number] as Buffer;
    const off = src.offOf[from] as number;
    this.putBytes(row, slab.subarray(off, src.endOf(from)));
    return row;
  }

  /**
   * The rows linked back from `last`, in forward order (first to last): a walk over `prev`.
   */
  chain(last: number): number[] {
    const rows: number[] = [];
    for (let r = last; r !== -1; r = this.prev[r] as number) rows.push(r);
    return rows.reverse();
  }

  /** The CDR of a row, decoded from its body. */
  cdr(row: number): Cdr {
    return cdrType.decode(this.slabs[this.slabOf[row] as number] as Buffer, this.offOf[row] as number).value as Cdr;
  }

  /** The id of a row's CDR (its body's first field), without decoding the rest. */
  id(row: number): string {
    return stringType.decode(this.slabs[this.slabOf[row] as number] as Buffer, this.offOf[row] as number).value as string;
  }

  /** Whether a row's body is exactly these bytes (a replay sent again as it was). */
  sameBody(row: number, body: Uint8Array): boolean {
    const slab = this.slabs[this.slabOf[row] as number] as Buffer;
    const off = this.offOf[row] as number;
    const end = this.endOf(row);
    return end - off === body.length && slab.compare(body, 0, body.length, off, end) === 0;
  }

  /** Where a row's body ends: the next row's start in the same slab, or the slab's fill. */
  private endOf(row: number): number {
    const s = this.slabOf[row] as number;
    if (row + 1 < this.rows && this.slabOf[row + 1] === s) return this.offOf[row + 1] as number;
    return s === this.slabs.length - 1 ? this.used : (this.slabs[s] as Buffer).length;
  }

  private putBytes(row: number, body: Uint8Array): void {
    if (this.used + body.length > this.slab.length) this.newSlab(body.length);
    this.slab.set(body, this.used);
    this.place(row, body.length);
  }

  private putCdr(row: number, cdr: Cdr): void {
    let end = cdrType.encode(cdr, this.slab, this.used);
    if (end < 0) {
      const body = cdrType.toBuffer(cdr);
      this.newSlab(body.length);
      this.slab.set(body, 0);
      end = body.length;
    }
    this.place(row, end - this.used);
  }

  private place(row: number, length: number): void {
    this.slabOf[row] = this.slabs.length - 1;
    this.offOf[row] = this.used;
    this.used += length;
  }

  /**
   * Starts a slab able to hold at least `bytes`. A slab is sealed at its fill, so a row's body
   * ends where the next row's begins or at the slab's end.
   */
  private newSlab(bytes: number): void {
    if (this.slabs.length > 0) this.slabs[this.slabs.length - 1] = this.slab.subarray(0, this.used);
    this.slab = sharedBuffer(Math.max(SLAB_BYTES, bytes));
    this.slabs.push(this.slab);
    this.used = 0;
  }

  private grow(): void {
    const n = this.start.length * 2;
    this.start = widen(this.start, f64(n));
    this.key = widen(this.key, f64(n));
    this.prev = widen(this.prev, i32(n));
    this.bucket = widen(this.bucket, i32(n));
    this.version = widen(this.version, i32(n));
    this.included = widen(this.included, f64(n));
    this.billed = widen(this.billed, f64(n));
    this.cost = widen(this.cost, f64(n));
    this.slabOf = widen(this.slabOf, i32(n));
    this.offOf = widen(this.offOf, i32(n));
  }
}

const NONE: readonly string[] = [];

function widen<T extends Float64Array | Int32Array>(old: T, to: T): T {
  to.set(old);
  return to;
}
