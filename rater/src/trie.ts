/**
 * Compiled prefix trie: a rate deck flattened into typed arrays laid out in one
 * SharedArrayBuffer, so every worker thread of the pool reads the same copy.
 *
 * Layout (nodeCount = N, rowCount = R):
 *   children  Int32Array(N*10)  child node per digit, 0 = none (node 0 is the root)
 *   rowStart  Int32Array(N+1)   rows of node n are rowStart[n] .. rowStart[n+1]-1,
 *                               sorted by effective_from
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

export class Trie {
  readonly children: Int32Array;
  readonly rowStart: Int32Array;
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
    let off = 0;
    const f64 = () => {
      const a = new Float64Array(buffer, off, r);
      off += 8 * r;
      return a;
    };
    const i32 = (len: number) => {
      const a = new Int32Array(buffer, off, len);
      off += 4 * len;
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
    this.children = i32(n * 10);
    this.rowStart = i32(n + 1);
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
    const { children, rowStart, fromMs, toMs } = this;
    const bands = this.band;
    let node = 0;
    let best = -1;
    const len = key.length;
    for (let i = 0; i <= len; i++) {
      const s = rowStart[node] as number;
      const e = rowStart[node + 1] as number;
      let pick = -1;
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
      const next = children[node * 10 + d] as number;
      if (next === 0) break;
      node = next;
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
  const bytes = 8 * F64_FIELDS.length * r + 4 * (n * 10 + n + 1 + I32_FIELDS.length * r) + 2 * r;
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
  trie.children.set(children.subarray(0, n * 10));
  let k = 0;
  for (let node = 0; node < n; node++) {
    trie.rowStart[node] = k;
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
  }
  trie.rowStart[n] = k;
  return trie;
}
