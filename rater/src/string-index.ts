/**
 * Strings to dense numbers 0, 1, 2, ... in the order they were first added, kept in typed arrays:
 * a probe reads one slot line and the string's characters from one packed pool, instead of a
 * Map's bucket, entry and key string scattered over the heap. The engine finds an account's
 * state with it once per CDR, where a Map of 100,000 account ids cost several cache misses.
 * Exact: a hash match is always confirmed on the characters.
 */
const EMPTY = 0;
const FIRST_SLOTS = 64;
const FIRST_CHARS = 1024;

export class StringIndex {
  /** Pairs (hash, number + 1) per slot; number + 1 = 0 marks an empty slot. */
  private slots = new Int32Array(FIRST_SLOTS * 2);
  /** Characters (UTF-16 code units) of every string added, end to end. */
  private chars = new Uint16Array(FIRST_CHARS);
  /** Where each string's characters start in `chars`; starts[n] is the fill. */
  private starts = new Int32Array(FIRST_SLOTS + 1);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The number of `s`, or -1 when it was never added. */
  get(s: string): number {
    const h = hashOf(s);
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = slots[2 * i + 1] as number;
      if (v === EMPTY) return -1;
      if (slots[2 * i] === h && this.equals(v - 1, s)) return v - 1;
    }
  }

  /** The number of `s`, added (as the next number) when new. */
  add(s: string): number {
    const found = this.get(s);
    if (found !== -1) return found;
    const n = this.count;
    if ((n + 1) * 2 > this.slots.length >> 1) this.rehash();
    if (n + 2 > this.starts.length) this.starts = widen(this.starts, new Int32Array(this.starts.length * 2));
    const at = this.starts[n] as number;
    if (at + s.length > this.chars.length) this.chars = widen(this.chars, new Uint16Array(Math.max(this.chars.length * 2, at + s.length)));
    for (let k = 0; k < s.length; k++) this.chars[at + k] = s.charCodeAt(k);
    this.starts[n + 1] = at + s.length;
    this.place(hashOf(s), n);
    this.count = n + 1;
    return n;
  }

  /** The string numbered `n`. */
  at(n: number): string {
    return String.fromCharCode(...this.chars.subarray(this.starts[n] as number, this.starts[n + 1] as number));
  }

  private equals(n: number, s: string): boolean {
    const from = this.starts[n] as number;
    if ((this.starts[n + 1] as number) - from !== s.length) return false;
    const chars = this.chars;
    for (let k = 0; k < s.length; k++) if (chars[from + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  private place(h: number, n: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let i = h & mask;
    while (slots[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
    slots[2 * i] = h;
    slots[2 * i + 1] = n + 1;
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const v = old[i + 1] as number;
      if (v !== EMPTY) this.place(old[i] as number, v - 1);
    }
  }
}

/** FNV-1a over the UTF-16 code units, then a final mix so that close strings spread apart. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return h ^ (h >>> 13);
}

function widen<T extends Int32Array | Uint16Array>(old: T, to: T): T {
  to.set(old);
  return to;
}
