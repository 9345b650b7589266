/**
 * A set of numeric callee keys (see keyNumber in normalise.ts) in one open-addressing
 * Float64Array: no string hashing, no boxed numbers, no entry objects. Fair-use sets are small
 * (they stop growing at the plan's cap), so most stay at their first 16 slots.
 */
const EMPTY = 0;

export class KeySet {
  private slots: Float64Array = new Float64Array(16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(key: number): boolean {
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
    const s = new Float64Array(old.length * 2);
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

/** Mixes the low and high 32-bit halves of a key below 2^53 (Math.imul spreads the bits). */
function hash(key: number): number {
  const lo = key | 0;
  const hi = (key / 4294967296) | 0;
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 15;
}
