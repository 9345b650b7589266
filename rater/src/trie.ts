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
 *   per row:  rate, connect, minCharge (micros), fromMs, toMs  Float64Array(R)
 *             firstIncr, nextIncr, dest, country, pfx          Int32Array(R)
 *             cls, band                                        Uint8Array(R)
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

const F64_FIELDS = ['rate', 'connect', 'minCharge', 'fromMs', 'toMs'] as const;
const I32_FIELDS = ['firstIncr', 'nextIncr', 'dest', 'country', 'pfx'] as const;

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
  readonly rate: Float64Array;
  readonly connect: Float64Array;
  readonly minCharge: Float64Array;
  readonly fromMs: Float64Array;
  readonly toMs: Float64Array;
  readonly firstIncr: Int32Array;
  readonly nextIncr: Int32Array;
  readonly dest: Int32Array;
  readonly country: Int32Array;
  readonly pfx: Int32Array;
  readonly cls: Uint8Array;
  readonly band: Uint8Array;

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
    const f64 = () => {
      const a = new Float64Array(buffer, off, r);
      off += 8 * r;
      return a;
    };
    const u8 = () => {
      const a = new Uint8Array(buffer, off, r);
      off += r;
      return a;
    };
    this.rate = f64();
    this.connect = f64();
    this.minCharge = f64();
    this.fromMs = f64();
    this.toMs = f64();
    this.firstIncr = i32(r);
    this.nextIncr = i32(r);
    this.dest = i32(r);
    this.country = i32(r);
    this.pfx = i32(r);
    this.cls = u8();
    this.band = u8();
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
    const { nodes, nodeTimes, fromMs, toMs } = this;
    const bands = this.band;
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
          if ((fromMs[r] as number) <= atMs && atMs < (toMs[r] as number)) {
            const b = bands[r] as number;
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
    return this.data.strings[this.dest[row] as number] as string;
  }
  countryOf(row: number): string {
    return this.data.strings[this.country[row] as number] as string;
  }
  classOf(row: number): DestClass {
    return DEST_CLASSES[this.cls[row] as number] as DestClass;
  }
  /** The prefix digits of a row (short codes keep their leading 0 marker). */
  prefixOf(row: number): string {
    return this.data.strings[this.pfx[row] as number] as string;
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
  const bytes = 4 * n * NODE_STRIDE + 8 * F64_FIELDS.length * r + 4 * I32_FIELDS.length * r + 2 * r;
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
      trie.rate[k] = row.rateMicrosPerMin;
      trie.connect[k] = row.connectMicros;
      trie.minCharge[k] = row.minChargeMicros;
      trie.fromMs[k] = row.fromMs;
      trie.toMs[k] = row.toMs;
      trie.firstIncr[k] = row.firstIncrement;
      trie.nextIncr[k] = row.nextIncrement;
      trie.dest[k] = intern(row.destination);
      trie.country[k] = intern(row.country);
      trie.pfx[k] = intern(row.prefix);
      trie.cls[k] = CLASS_IDS[row.cls];
      trie.band[k] = BAND_IDS[row.band];
      k++;
    }
    trie.nodes[at + ROW_END] = k;
    const first = trie.nodes[at + ROW_START] as number;
    if (first < k) {
      trie.nodeTimes[(at >> 1) + FIRST_FROM] = trie.fromMs[first] as number;
      trie.nodeTimes[(at >> 1) + FIRST_TO] = trie.toMs[first] as number;
    }
  }
  return trie;
}
