/**
 * The subscriber directory: which account and user a number or SIP user name belongs to, from the
 * accounts file's `users[].numbers` and `users[].sip_users`. `ratel import` asks it to place CDRs
 * that name calling and called numbers but no ratel account (SBC and switch exports).
 *
 * Numbers are kept as their E.164 digits read as one exact number (keyNumber), so a lookup is one
 * probe of an open-addressing table of typed arrays (PairTable), then, when no single number
 * matches, a binary search of the ranges of that length: no string keys, no allocation. Numbers
 * listed in blocks (DID blocks, a PBX's numbers: at least DENSE of the BLOCK consecutive keys
 * with the same Math.floor(key / BLOCK), their owners less than 255 subscribers apart) are kept
 * instead as their runs of one owner (a user's numbers mostly follow each other) in a few bytes,
 * or else as one byte a number, found through a small table of blocks that also holds each
 * block's first owner (a flat array when the blocks are close together, else a hash table). A
 * directory of a million such numbers is then about a hundred kilobytes, not 32 megabytes, and
 * stays in the caches while the lines of a file stream through them.
 *
 * - A single number beats a range holding it (a direct line inside a PBX block); of two ranges
 *   holding a number, the narrower wins. A number listed for two users, or two ranges of the same
 *   width over it, is ambiguous: its CDRs become SUBSCRIBER_AMBIGUOUS dead letters.
 * - A national number in a file ("0140000001") is read with the dialling rules of each country the
 *   directory's accounts are in: it matches the subscriber whose account's country reads it as
 *   that subscriber's number; matching subscribers in two countries is ambiguous.
 */
import { errors } from '@ratel/schemas';
import type { Account, AccountBook } from './accounts.js';
import { hash } from './key-set.js';
import { type Dialling, keyNumber, normalise } from './normalise.js';

/** Lookup result: no subscriber. */
export const NO_SUBSCRIBER = -1;
/** Lookup result: more than one subscriber. */
export const AMBIGUOUS = -2;

export interface Subscriber {
  account: Account;
  userId: string;
}

/** Ranges of numbers of one length (digits of their E.164 form), as disjoint sorted segments. */
interface RangeTable {
  starts: Float64Array;
  ends: Float64Array;
  /** Subscriber of each segment, or AMBIGUOUS. */
  owners: Int32Array;
}

interface RangeInput {
  from: number;
  to: number;
  owner: number;
}

/**
 * Numeric keys (never 0) to subscriber indexes in one open-addressing Float64Array of
 * [key, value] pairs: a probe reads one cache line for both (a directory of 1,000,000 numbers
 * does not fit the caches, so each line read is a trip to memory).
 */
class PairTable {
  private slots = new Float64Array(32);
  private count = 0;

  get(key: number): number {
    const s = this.slots;
    const mask = (s.length >> 1) - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = s[i << 1] as number;
      if (k === key) return s[(i << 1) + 1] as number;
      if (k === 0) return -1;
    }
  }

  /** Calls fn with every key and its value. */
  forEach(fn: (key: number, value: number) => void): void {
    const s = this.slots;
    for (let j = 0; j < s.length; j += 2) if (s[j] !== 0) fn(s[j] as number, s[j + 1] as number);
  }

  /** Records `value` for `key` unless it has one; returns false then. */
  add(key: number, value: number): boolean {
    if ((this.count + 1) * 4 > this.slots.length) this.grow();
    const s = this.slots;
    const mask = (s.length >> 1) - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = s[i << 1] as number;
      if (k === key) return false;
      if (k === 0) {
        s[i << 1] = key;
        s[(i << 1) + 1] = value;
        this.count++;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.count = 0;
    for (let j = 0; j < old.length; j += 2) if (old[j] !== 0) this.add(old[j] as number, old[j + 1] as number);
  }
}

/** Numbers of a block: keys k with the same Math.floor(k / BLOCK). */
const BLOCK = 256;
/** Numbers that make a block dense (its bytes then cost at most 32 a number, as the PairTable does). */
const DENSE = 8;
/** Owners of a block differ by at most this: a number's owner byte is 1 + its owner - the block's first owner (0: none). */
const SPREAD = 254;
/**
 * A block whose numbers change owner at most RUNS - 1 times (a user's numbers are mostly
 * consecutive) is kept as its runs in 1 + 2 * runs bytes: their count, then for each its first
 * offset in the block and its owner byte. Other blocks are kept as an owner byte a number.
 */
const RUNS = 31;
/** The blocks table holds for each block (offset * 2 + 1 for runs) * FIRST + its first owner (exact in a double). */
const FIRST = 2 ** 24;

export class Directory {
  /** Single numbers outside dense blocks. */
  private exact = new PairTable();
  /** Dense blocks: block (key / BLOCK) to where its runs or owner bytes are in blockData, and its first owner. */
  private readonly blocks = new PairTable();
  private blockData = new Uint8Array(0);
  /** Keys listed for more than one subscriber (their candidates, for the reason). */
  private readonly ambiguousKeys = new Map<number, number[]>();
  private readonly sip = new Map<string, number>();
  private readonly ambiguousSip = new Map<string, number[]>();
  private readonly ranges = new Map<number, RangeTable>();
  private readonly subs: Subscriber[] = [];
  /**
   * What a CDR takes from its subscriber, interleaved by subscriber index (account id, user id,
   * dialling rules at 3i, 3i + 1, 3i + 2): placing a CDR reads one cache line of one array, not
   * a chain of objects nor three arrays.
   */
  private readonly placing: (string | Dialling)[] = [];
  /**
   * The blocks table laid out flat when the dense blocks are close together (a carrier's number
   * blocks mostly are): its value for block base + j at direct[j] (-1: not a dense block), found
   * without hashing in a few kilobytes that stay in the caches. Empty when they are spread out.
   */
  private direct = new Float64Array(0);
  private directBase = 0;
  /** The calling code of the dialling rules lookupIn last read a national number with, as a number. */
  private ccOf: Dialling | undefined = undefined;
  private ccValue = 0;
  /** Distinct dialling rules of the accounts (to read national numbers). */
  readonly diallings: readonly Dialling[];
  /** Numbers listed (single numbers and the width of every range). */
  readonly numberCount: number;

  private constructor(book: AccountBook, where: string) {
    const diallings = new Map<string, Dialling>();
    const rangeInputs = new Map<number, RangeInput[]>();
    let count = 0;
    for (const account of book.values()) {
      for (const [userId, line] of account.lines) {
        const owner = this.subs.length;
        this.subs.push({ account, userId });
        this.placing.push(account.id, userId, account.dialling);
        const d = account.dialling;
        diallings.set(`${d.cc}|${d.trunk}|${d.intl}`, d);
        const subject = `account ${account.id} user ${userId}`;
        for (const entry of line.numbers) {
          const dash = entry.indexOf('-');
          const first = keyOfEntry(dash < 0 ? entry : entry.slice(0, dash), d, where, subject, entry);
          if (dash < 0) {
            this.addExact(first, owner);
            count++;
            continue;
          }
          const last = keyOfEntry(entry.slice(dash + 1), d, where, subject, entry);
          const len = digitCount(first);
          if (digitCount(last) !== len)
            throw errors.catalogInvalid(where, subject, `range "${entry}": both ends must have the same number of digits`);
          if (last < first) throw errors.catalogInvalid(where, subject, `range "${entry}": the last number is before the first`);
          let list = rangeInputs.get(len);
          if (!list) {
            list = [];
            rangeInputs.set(len, list);
          }
          list.push({ from: first, to: last, owner });
          count += last - first + 1;
        }
        for (const name of line.sipUsers) {
          const had = this.sip.get(name);
          if (had === undefined) this.sip.set(name, owner);
          else if (had !== owner) addCandidate(this.ambiguousSip, name, had, owner);
        }
      }
    }
    for (const [len, list] of rangeInputs) this.ranges.set(len, segments(list));
    this.packBlocks();
    this.diallings = [...diallings.values()];
    this.numberCount = count;
  }

  /** Compiles the directory of a book; a directory entry that is not a number is CATALOG_INVALID. */
  static compile(book: AccountBook, where = 'accounts'): Directory {
    return new Directory(book, where);
  }

  private addExact(key: number, owner: number): void {
    if (this.exact.add(key, owner)) return;
    const had = this.exact.get(key);
    if (had !== owner) addCandidate(this.ambiguousKeys, key, had, owner);
  }

  /** Moves the single numbers of dense blocks from the PairTable to the lines of blockBytes. */
  private packBlocks(): void {
    // Per block: its owner bytes (filled once the block is known dense), count, least and greatest owner.
    const perBlock = new Map<number, { n: number; lo: number; hi: number; bytes: Uint8Array | null }>();
    this.exact.forEach((key, owner) => {
      const b = Math.floor(key / BLOCK);
      const had = perBlock.get(b);
      if (had === undefined) perBlock.set(b, { n: 1, lo: owner, hi: owner, bytes: null });
      else {
        had.n++;
        had.lo = Math.min(had.lo, owner);
        had.hi = Math.max(had.hi, owner);
      }
    });
    for (const [b, m] of perBlock)
      if (m.n >= DENSE && m.hi - m.lo <= SPREAD && m.lo < FIRST) m.bytes = new Uint8Array(BLOCK);
      else perBlock.delete(b);
    if (perBlock.size === 0) return;
    const rest = new PairTable();
    this.exact.forEach((key, owner) => {
      const b = Math.floor(key / BLOCK);
      const m = perBlock.get(b);
      if (m === undefined) rest.add(key, owner);
      else (m.bytes as Uint8Array)[key - b * BLOCK] = owner - m.lo + 1;
    });
    // Lay the blocks out in the order of their numbers: runs (1 + 2 * runs bytes) when few enough, else the 256 bytes.
    const parts: Uint8Array[] = [];
    let size = 0;
    const order = [...perBlock.keys()].sort((x, y) => x - y);
    for (const b of order) {
      const m = perBlock.get(b) as { bytes: Uint8Array | null; lo: number };
      const bytes = m.bytes as Uint8Array;
      let runs = 1;
      for (let r = 1; r < BLOCK; r++) if (bytes[r] !== bytes[r - 1]) runs++;
      let part: Uint8Array;
      if (runs <= RUNS) {
        part = new Uint8Array(1 + 2 * runs);
        part[0] = runs;
        let k = 0;
        for (let r = 0; r < BLOCK; r++)
          if (r === 0 || bytes[r] !== bytes[r - 1]) {
            part[1 + 2 * k] = r;
            part[2 + 2 * k] = bytes[r] as number;
            k++;
          }
      } else part = bytes;
      this.blocks.add(b, (size * 2 + (part === bytes ? 0 : 1)) * FIRST + m.lo);
      parts.push(part);
      size += part.length;
    }
    const data = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
      data.set(part, at);
      at += part.length;
    }
    this.blockData = data;
    this.exact = rest;
    this.layOutDirect(order);
  }

  /**
   * Fills `direct` when the blocks (sorted) span at most 4 slots a block, and 64 more: 8 bytes
   * a slot, no more than the hash table takes for them.
   */
  private layOutDirect(sorted: number[]): void {
    const n = sorted.length;
    if (n === 0) return;
    const lo = sorted[0] as number;
    const span = (sorted[n - 1] as number) - lo + 1;
    if (span > 4 * n + 64) return;
    const direct = new Float64Array(span).fill(-1);
    this.blocks.forEach((b, v) => {
      direct[b - lo] = v;
    });
    this.direct = direct;
    this.directBase = lo;
  }

  /** The owner of single number `key` (the first listed, when two are), or NO_SUBSCRIBER. */
  private exactOwner(key: number): number {
    if (this.blockData.length > 0) {
      const b = Math.floor(key / BLOCK);
      const j = b - this.directBase;
      const direct = this.direct;
      const v = direct.length === 0 ? this.blocks.get(b) : j >= 0 && j < direct.length ? (direct[j] as number) : -1;
      if (v >= 0) {
        const where = Math.floor(v / FIRST);
        const first = v - where * FIRST;
        const at = where >>> 1;
        const r = key - b * BLOCK;
        const data = this.blockData;
        let o: number;
        if ((where & 1) === 1) {
          // Runs: the owner byte of the last run starting at or before r.
          const n = data[at] as number;
          o = data[at + 2] as number;
          for (let k = 1; k < n; k++) {
            if ((data[at + 1 + 2 * k] as number) > r) break;
            o = data[at + 2 + 2 * k] as number;
          }
        } else o = data[at + r] as number;
        return o === 0 ? NO_SUBSCRIBER : first + o - 1;
      }
    }
    return this.exact.get(key);
  }

  /** How the dense blocks are found: none, a flat array (close together), or the hash table (spread out). */
  get blockTable(): 'none' | 'flat' | 'hash' {
    return this.blockData.length === 0 ? 'none' : this.direct.length > 0 ? 'flat' : 'hash';
  }

  /** Number of subscribers (users with directory entries). */
  get size(): number {
    return this.subs.length;
  }

  subscriber(i: number): Subscriber {
    return this.subs[i] as Subscriber;
  }

  /** subscriber(i).account.id, read from the interleaved array. */
  accountIdOf(i: number): string {
    return this.placing[3 * i] as string;
  }

  /** subscriber(i).userId, read from the interleaved array. */
  userIdOf(i: number): string {
    return this.placing[3 * i + 1] as string;
  }

  /** subscriber(i).account.dialling, read from the interleaved array. */
  diallingOfSubscriber(i: number): Dialling {
    return this.placing[3 * i + 2] as Dialling;
  }

  /** The subscriber of E.164 digits key `key` (keyNumber), NO_SUBSCRIBER or AMBIGUOUS. */
  lookupKey(key: number): number {
    const hit = this.exactOwner(key);
    if (hit >= 0) return this.ambiguousKeys.size > 0 && this.ambiguousKeys.has(key) ? AMBIGUOUS : hit;
    if (this.ranges.size === 0) return NO_SUBSCRIBER;
    const table = this.ranges.get(digitCount(key));
    if (table === undefined) return NO_SUBSCRIBER;
    const starts = table.starts;
    let lo = 0;
    let hi = starts.length - 1;
    // Last segment starting at or before key.
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((starts[mid] as number) <= key) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0 || (table.ends[hi] as number) < key) return NO_SUBSCRIBER;
    return table.owners[hi] as number;
  }

  /**
   * The subscriber of a number as a file gives it ("+33…", "0033…", national "01…", digits only;
   * clean it first), NO_SUBSCRIBER or AMBIGUOUS. National and 00-prefixed numbers are read with
   * `dialling` when given, else with the rules of each country of the directory.
   */
  lookupNumber(raw: string, dialling?: Dialling): number {
    return this.lookupIn(raw, 0, raw.length, dialling);
  }

  /** lookupNumber of the characters s[a, b), read in place (no substring). */
  lookupIn(s: string, a: number, b: number, dialling?: Dialling): number {
    if (b <= a) return NO_SUBSCRIBER;
    if (s.charCodeAt(a) === 43 || dialling !== undefined || this.diallings.length === 1) {
      // keyTo, written out here: this is the lookup of every CDR's number, and keyTo is a call
      // the compiler does not inline at this depth (its budget is spent on lookupKey).
      const d = dialling ?? (this.diallings[0] as Dialling | undefined);
      let i = a;
      let v = 0;
      let digits = 0;
      if (s.charCodeAt(a) === 43) i = a + 1;
      else if (d !== undefined && d.intl.length > 0 && startsAt(s, a, b, d.intl)) i = a + d.intl.length;
      else if (b - a <= 6) return NO_SUBSCRIBER;
      else if (d !== undefined && d.trunk.length > 0 && startsAt(s, a, b, d.trunk)) {
        i = a + d.trunk.length;
        if (d !== this.ccOf) {
          this.ccOf = d;
          let cc = 0;
          for (let k = 0; k < d.cc.length; k++) cc = cc * 10 + (d.cc.charCodeAt(k) - 48);
          this.ccValue = cc;
        }
        v = this.ccValue;
        digits = d.cc.length;
      }
      for (; i < b; i++) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9 || (digits === 0 && c === 0)) return NO_SUBSCRIBER;
        v = v * 10 + c;
        digits++;
      }
      return digits < 7 || digits > 15 ? NO_SUBSCRIBER : this.lookupKey(v);
    }
    let found = NO_SUBSCRIBER;
    let foundKey = -1;
    for (let i = 0; i < this.diallings.length; i++) {
      if (!keyTo(s, this.diallings[i], a, b)) continue;
      const key = KEY[0] as number;
      if (key === foundKey) continue;
      const sub = this.lookupKey(key);
      if (sub === NO_SUBSCRIBER) continue;
      if (sub === AMBIGUOUS) return AMBIGUOUS;
      if (found >= 0 && found !== sub) return AMBIGUOUS;
      found = sub;
      foundKey = key;
    }
    return found;
  }

  /** The subscriber of a SIP user name, NO_SUBSCRIBER or AMBIGUOUS. */
  lookupSipUser(name: string): number {
    const s = this.sip.get(name);
    if (s === undefined) return NO_SUBSCRIBER;
    return this.ambiguousSip.size > 0 && this.ambiguousSip.has(name) ? AMBIGUOUS : s;
  }

  /** Who an ambiguous number or SIP user could be, for a dead letter's reason: "acct/user, acct/user". */
  candidates(raw: string, dialling?: Dialling): string {
    const names = new Set<string>();
    const sip = this.ambiguousSip.get(raw);
    for (const s of sip ?? []) names.add(this.nameOf(s));
    for (const d of dialling ? [dialling] : this.diallings) {
      const key = numberKey(raw, d);
      if (key < 0) continue;
      for (const s of this.ambiguousKeys.get(key) ?? []) names.add(this.nameOf(s));
      const one = this.lookupKey(key);
      if (one >= 0) names.add(this.nameOf(one));
      else if (one === AMBIGUOUS && !this.ambiguousKeys.has(key)) names.add('two ranges of the same width');
    }
    return [...names].join(', ');
  }

  private nameOf(i: number): string {
    const s = this.subscriber(i);
    return `${s.account.id}/${s.userId}`;
  }
}

function addCandidate<K>(m: Map<K, number[]>, key: K, had: number, owner: number): void {
  const list = m.get(key) ?? [had];
  if (!list.includes(owner)) list.push(owner);
  m.set(key, list);
}

/** keyNumber of a directory entry read with its account's dialling rules, or CATALOG_INVALID. */
function keyOfEntry(text: string, d: Dialling, where: string, subject: string, entry: string): number {
  const digits = normalise(text, d);
  if (digits === null || digits.charCodeAt(0) === 48)
    throw errors.catalogInvalid(where, subject, `number "${entry}" is not a phone number (short codes are not subscribers)`);
  return keyNumber(digits);
}

const digitCount = (key: number): number => (key < 1 ? 1 : Math.floor(Math.log10(key)) + 1);

/**
 * The E.164 key of a clean number ("+" and digits) read with dialling `d`, or -1 when it is not
 * a subscriber number (not digits, a short code, too short or long). Reads raw[a, b) (the whole
 * string by default) in place; allocates nothing.
 */
export function numberKey(raw: string, d: Dialling | undefined, a = 0, b = raw.length): number {
  return keyTo(raw, d, a, b) ? (KEY[0] as number) : -1;
}

/** The key keyTo found (a typed array: a key is no small integer, and is not boxed on its way back). */
const KEY = new Float64Array(1);

/** Whether raw[a, b) starts with p. */
function startsAt(raw: string, a: number, b: number, p: string): boolean {
  const n = p.length;
  if (b - a < n) return false;
  for (let k = 0; k < n; k++) if (raw.charCodeAt(a + k) !== p.charCodeAt(k)) return false;
  return true;
}

/** numberKey into KEY[0]; false when raw[a, b) is no subscriber number. */
function keyTo(raw: string, d: Dialling | undefined, a: number, b: number): boolean {
  const len = b - a;
  let i = a;
  let v = 0;
  let digits = 0;
  if (len > 0 && raw.charCodeAt(a) === 43) i = a + 1;
  else if (d !== undefined && d.intl.length > 0 && startsAt(raw, a, b, d.intl)) i = a + d.intl.length;
  else if (len <= 6) return false;
  else if (d !== undefined && d.trunk.length > 0 && startsAt(raw, a, b, d.trunk)) {
    i = a + d.trunk.length;
    for (let k = 0; k < d.cc.length; k++) v = v * 10 + (d.cc.charCodeAt(k) - 48);
    digits = d.cc.length;
  }
  for (; i < b; i++) {
    const c = raw.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    if (digits === 0 && c === 0) return false;
    v = v * 10 + c;
    digits++;
  }
  if (digits < 7 || digits > 15) return false;
  KEY[0] = v;
  return true;
}

/** Disjoint segments of ranges of one length: each segment's owner is the narrowest range over it. */
function segments(list: RangeInput[]): RangeTable {
  const bounds = new Set<number>();
  for (const r of list) {
    bounds.add(r.from);
    bounds.add(r.to + 1);
  }
  const points = [...bounds].sort((a, b) => a - b);
  const byStart = [...list].sort((a, b) => a.from - b.from);
  const starts: number[] = [];
  const ends: number[] = [];
  const owners: number[] = [];
  let active: RangeInput[] = [];
  let next = 0;
  for (let p = 0; p + 1 < points.length; p++) {
    const from = points[p] as number;
    const to = (points[p + 1] as number) - 1;
    active = active.filter((r) => r.to >= from);
    while (next < byStart.length && (byStart[next] as RangeInput).from <= from) active.push(byStart[next++] as RangeInput);
    if (active.length === 0) continue;
    let best = active[0] as RangeInput;
    let tie = false;
    for (let k = 1; k < active.length; k++) {
      const r = active[k] as RangeInput;
      const w = r.to - r.from;
      const bw = best.to - best.from;
      if (w < bw) {
        best = r;
        tie = false;
      } else if (w === bw && r.owner !== best.owner) tie = true;
    }
    const owner = tie ? AMBIGUOUS : best.owner;
    // Merge with the segment before when it continues it with the same owner.
    const last = starts.length - 1;
    if (last >= 0 && owners[last] === owner && (ends[last] as number) + 1 === from) ends[last] = to;
    else {
      starts.push(from);
      ends.push(to);
      owners.push(owner);
    }
  }
  return { starts: Float64Array.from(starts), ends: Float64Array.from(ends), owners: Int32Array.from(owners) };
}
