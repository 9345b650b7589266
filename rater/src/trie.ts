/**
 * Compiled prefix trie: a rate deck flattened into typed arrays laid out in one
 * SharedArrayBuffer, so every worker thread of the pool reads the same copy.
 *
 * Layout (nodeCount = N, rowCount = R):
 *   nodes     Int32Array(N*16)  one 64-byte cache line per node, at the start of the buffer:
 *                               [0..9]  child node per digit, 0 = none (node 0 is the root)
 *                               [10]    first row of the node, [11] one past its last row
 *                                       (rows sorted by effective_from)
 *                               bytes 48..63: effective from / to of the first row, as two
 *                                       float64 (the Float64Array view `nodeTimes`)
 *                               so a lookup step in a deck without time bands touches one
 *                               cache line when the node has one row (the usual case)
 *   rows      one 64-byte line per row, after the nodes (so also line-aligned):
 *               float64 [0] rate, [1] connect, [2] minCharge (micros), [3] fromMs, [4] toMs
 *               int32  [10] firstIncr, [11] nextIncr, [12] dest, [13] country, [14] pfx
 *               uint8  [60] cls, [61] band
 *             so pricing a call reads one cache line of its row, not one per field
 * Strings (destination names, countries) live in a plain array beside the buffer.
 * Lookup is the longest prefix that has a row in force at the call's start time.
 */
import { BANDS, type Band, DEST_CLASSES, type DestClass } from './catalog-schema.js';

export interface DeckRow {
  prefix: string;
  destination: string;
  cls: DestClass;
  country: string;
  rateMicrosPerMin: number;
  connectMicros: number;
  minChargeMicros: number;
  firstIncrement: number;
  nextIncrement: number;
  band: Band;
  fromMs: number;
  /** Exclusive; Infinity when open-ended. */
  toMs: number;
}

export interface TrieData {
  buffer: SharedArrayBuffer;
  nodeCount: number;
  rowCount: number;
  strings: string[];
  hasBands: boolean;
}

/** Bytes per row record, and the slot of each field in its float64 / int32 / uint8 view. */
const ROW_BYTES = 64;
const F_RATE = 0;
const F_CONNECT = 1;
const F_MIN_CHARGE = 2;
const F_FROM = 3;
const F_TO = 4;
const I_FIRST_INCR = 10;
const I_NEXT_INCR = 11;
const I_DEST = 12;
const I_COUNTRY = 13;
const I_PFX = 14;
const B_CLS = 60;
const B_BAND = 61;

export const CLASS_IDS: Record<DestClass, number> = Object.fromEntries(DEST_CLASSES.map((c, i) => [c, i])) as Record<DestClass, number>;
export const BAND_IDS: Record<Band, number> = Object.fromEntries(BANDS.map((b, i) => [b, i])) as Record<Band, number>;

/** Int32 slots per node: 10 children, row start, row end, first row's from/to (one cache line). */
export const NODE_STRIDE = 16;
const ROW_START = 10;
const ROW_END = 11;
/** Float64 slots of the node line holding the first row's effective from / to. */
const F64_STRIDE = NODE_STRIDE / 2;
const FIRST_FROM = 6;
const FIRST_TO = 7;

export class Trie {
  readonly nodes: Int32Array;
  readonly nodeTimes: Float64Array;
  /** The row records, viewed three ways (see the layout above). */
  private readonly rowF: Float64Array;
  private readonly rowI: Int32Array;
  private readonly rowB: Uint8Array;

  constructor(readonly data: TrieData) {
    const { buffer, nodeCount: n, rowCount: r } = data;
    // Node lines first: a SharedArrayBuffer starts page-aligned, so each node is one cache line.
    let off = 0;
    const i32 = (len: number) => {
      const a = new Int32Array(buffer, off, len);
      off += 4 * len;
      return a;
    };
    this.nodeTimes = new Float64Array(buffer, 0, n * F64_STRIDE);
    this.nodes = i32(n * NODE_STRIDE);
    this.rowF = new Float64Array(buffer, off, r * (ROW_BYTES / 8));
    this.rowI = new Int32Array(buffer, off, r * (ROW_BYTES / 4));
    this.rowB = new Uint8Array(buffer, off, r * ROW_BYTES);
  }

  /** Rate per minute of a row, in micros. */
  rate(row: number): number {
    return this.rowF[row * 8 + F_RATE] as number;
  }
  /** Connect fee of a row, in micros. */
  connect(row: number): number {
    return this.rowF[row * 8 + F_CONNECT] as number;
  }
  /** Minimum charge of a row, in micros. */
  minCharge(row: number): number {
    return this.rowF[row * 8 + F_MIN_CHARGE] as number;
  }
  /** Start of a row's effective period (ms, inclusive). */
  fromMs(row: number): number {
    return this.rowF[row * 8 + F_FROM] as number;
  }
  /** End of a row's effective period (ms, exclusive; Infinity when open-ended). */
  toMs(row: number): number {
    return this.rowF[row * 8 + F_TO] as number;
  }
  /** First and next charging increments of a row, in seconds. */
  firstIncr(row: number): number {
    return this.rowI[row * 16 + I_FIRST_INCR] as number;
  }
  nextIncr(row: number): number {
    return this.rowI[row * 16 + I_NEXT_INCR] as number;
  }
  /** String id (data.strings) of a row's country. */
  countryId(row: number): number {
    return this.rowI[row * 16 + I_COUNTRY] as number;
  }
  /** Class id (CLASS_IDS) of a row. */
  cls(row: number): number {
    return this.rowB[row * ROW_BYTES + B_CLS] as number;
  }

  get nodeCount(): number {
    return this.data.nodeCount;
  }
  get rowCount(): number {
    return this.data.rowCount;
  }
  get byteLength(): number {
    return this.data.buffer.byteLength;
  }

  /**
   * Row index of the longest prefix of `key` (digits) with a row in force at `atMs`, or -1.
   * `band` is the time band of the call (peak/offpeak/weekend); a row of that band beats an
   * `any` row of the same prefix.
   */
  lookup(key: string, atMs: number, band = 0): number {
    const { nodes, nodeTimes, rowF, rowB } = this;
    const banded = this.data.hasBands;
    let at = 0; // node * NODE_STRIDE
    let best = -1;
    const len = key.length;
    for (let i = 0; i <= len; i++) {
      const s = nodes[at + ROW_START] as number;
      const e = nodes[at + ROW_END] as number;
      let pick = -1;
      if (e - s === 1 && !banded) {
        // One row, no bands: its dates are on the node's own cache line.
        const t = at >> 1;
        if ((nodeTimes[t + FIRST_FROM] as number) <= atMs && atMs < (nodeTimes[t + FIRST_TO] as number)) pick = s;
      } else
        for (let r = s; r < e; r++) {
          if ((rowF[r * 8 + F_FROM] as number) <= atMs && atMs < (rowF[r * 8 + F_TO] as number)) {
            const b = rowB[r * ROW_BYTES + B_BAND] as number;
            if (b === band) {
              pick = r;
              break;
            }
            if (b === 0 && pick === -1) pick = r;
          }
        }
      if (pick !== -1) best = pick;
      if (i === len) break;
      const d = key.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      const next = nodes[at + d] as number;
      if (next === 0) break;
      at = next * NODE_STRIDE;
    }
    return best;
  }

  destination(row: number): string {
    return this.data.strings[this.rowI[row * 16 + I_DEST] as number] as string;
  }
  countryOf(row: number): string {
    return this.data.strings[this.countryId(row)] as string;
  }
  classOf(row: number): DestClass {
    return DEST_CLASSES[this.cls(row)] as DestClass;
  }
  /** The prefix digits of a row (short codes keep their leading 0 marker). */
  prefixOf(row: number): string {
    return this.data.strings[this.rowI[row * 16 + I_PFX] as number] as string;
  }

  /** Writes row `k` (compileTrie only). */
  setRow(k: number, row: DeckRow, intern: (s: string) => number): void {
    const f = k * 8;
    const i = k * 16;
    const b = k * ROW_BYTES;
    this.rowF[f + F_RATE] = row.rateMicrosPerMin;
    this.rowF[f + F_CONNECT] = row.connectMicros;
    this.rowF[f + F_MIN_CHARGE] = row.minChargeMicros;
    this.rowF[f + F_FROM] = row.fromMs;
    this.rowF[f + F_TO] = row.toMs;
    this.rowI[i + I_FIRST_INCR] = row.firstIncrement;
    this.rowI[i + I_NEXT_INCR] = row.nextIncrement;
    this.rowI[i + I_DEST] = intern(row.destination);
    this.rowI[i + I_COUNTRY] = intern(row.country);
    this.rowI[i + I_PFX] = intern(row.prefix);
    this.rowB[b + B_CLS] = CLASS_IDS[row.cls];
    this.rowB[b + B_BAND] = BAND_IDS[row.band];
  }
}

/** Builds the trie from deck rows. Throws on a non-digit prefix. */
export function compileTrie(rows: readonly DeckRow[]): Trie {
  // Pass 1: build nodes in growable arrays.
  let cap = 1024;
  let children = new Int32Array(cap * 10);
  let nodeCount = 1;
  const nodeOfRow = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const p = (rows[r] as DeckRow).prefix;
    let node = 0;
    for (let i = 0; i < p.length; i++) {
      const d = p.charCodeAt(i) - 48;
      if (d < 0 || d > 9) throw new RangeError(`prefix "${p}" is not all digits`);
      let next = children[node * 10 + d] as number;
      if (next === 0) {
        if (nodeCount === cap) {
          cap *= 2;
          const grown = new Int32Array(cap * 10);
          grown.set(children);
          children = grown;
        }
        next = nodeCount++;
        children[node * 10 + d] = next;
      }
      node = next;
    }
    nodeOfRow[r] = node;
  }
  // Pass 2: order rows by node, then effective_from.
  const order = Array.from({ length: rows.length }, (_, i) => i);
  order.sort((a, b) => (nodeOfRow[a] as number) - (nodeOfRow[b] as number) || (rows[a] as DeckRow).fromMs - (rows[b] as DeckRow).fromMs);

  const r = rows.length;
  const n = nodeCount;
  const bytes = 4 * n * NODE_STRIDE + ROW_BYTES * r;
  const buffer = new SharedArrayBuffer(bytes);
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const intern = (s: string) => {
    let id = stringIds.get(s);
    if (id === undefined) {
      id = strings.length;
      strings.push(s);
      stringIds.set(s, id);
    }
    return id;
  };
  const trie = new Trie({ buffer, nodeCount: n, rowCount: r, strings, hasBands: rows.some((x) => x.band !== 'any') });
  let k = 0;
  for (let node = 0; node < n; node++) {
    const at = node * NODE_STRIDE;
    for (let d = 0; d < 10; d++) trie.nodes[at + d] = children[node * 10 + d] as number;
    trie.nodes[at + ROW_START] = k;
    while (k < r && nodeOfRow[order[k] as number] === node) {
      const row = rows[order[k] as number] as DeckRow;
      trie.setRow(k, row, intern);
      k++;
    }
    trie.nodes[at + ROW_END] = k;
    const first = trie.nodes[at + ROW_START] as number;
    if (first < k) {
      trie.nodeTimes[(at >> 1) + FIRST_FROM] = trie.fromMs(first);
      trie.nodeTimes[(at >> 1) + FIRST_TO] = trie.toMs(first);
    }
  }
  return trie;
}
