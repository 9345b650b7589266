/**
 * A set of numeric callee keys (see keyNumber in normalise.ts) in one open-addressing
 * Float64Array: no string hashing, no boxed numbers, no entry objects. Fair-use sets are small
 * (they stop growing at the plan's cap): most stay at their first 16 slots, allocated on the
 * first key.
 */
const EMPTY = 0;
/** Shared by every set that never had a key: most fair-use sets of a month stay empty. */
const NO_SLOTS = new Float64Array(0);

export class KeySet {
  private slots: Float64Array = NO_SLOTS;
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(key: number): boolean {
    if (this.count === 0) return false;
    const s = this.slots;
    const mask = s.length - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const v = s[i] as number;
      if (v === key) return true;
      if (v === EMPTY) return false;
    }
  }

  /** Adds `key` (never 0); returns false when it was already there. */
  add(key: number): boolean {
    let s = this.slots;
    if ((this.count + 1) * 2 > s.length) s = this.grow();
    const mask = s.length - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const v = s[i] as number;
      if (v === key) return false;
      if (v === EMPTY) {
        s[i] = key;
        this.count++;
        return true;
      }
    }
  }

  private grow(): Float64Array {
    const old = this.slots;
    const s = new Float64Array(Math.max(16, old.length * 2));
    const mask = s.length - 1;
    for (let j = 0; j < old.length; j++) {
      const key = old[j] as number;
      if (key === EMPTY) continue;
      let i = hash(key) & mask;
      while (s[i] !== EMPTY) i = (i + 1) & mask;
      s[i] = key;
    }
    this.slots = s;
    return s;
  }
}

/** Mixes the two 32-bit halves of a key below 2^53 into 32 well-spread bits (murmur3's finaliser). */
export function hash(key: number): number {
  let h = (key | 0) ^ Math.imul((key / 4294967296) | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
