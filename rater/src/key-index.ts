/**
 * Numeric keys (never 0) to the first non-negative integer recorded for each: one open-addressing
 * Float64Array of (key, value) pairs, so a probe reads the key and its value on one cache line. The engine maps CDR id keys to the held
 * row of that id, so a replay is confirmed on one row instead of a walk of its account-month.
 */
import { hash } from './key-set.js';

const EMPTY = 0;

export class KeyIndex {
  /** slot i: key at 2i (EMPTY when free), value at 2i + 1 */
  private slots = new Float64Array(32);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value recorded for `key`, or -1. */
  get(key: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = slots[2 * i] as number;
      if (k === key) return slots[2 * i + 1] as number;
      if (k === EMPTY) return -1;
    }
  }

  /** Records `value` for `key` unless the key has one already; returns false in that case. */
  add(key: number, value: number): boolean {
    if ((this.count + 1) * 4 > this.slots.length) this.grow();
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = slots[2 * i] as number;
      if (k === key) return false;
      if (k === EMPTY) {
        slots[2 * i] = key;
        slots[2 * i + 1] = value;
        this.count++;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Float64Array(old.length * 2);
    const mask = (slots.length >> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      const key = old[j] as number;
      if (key === EMPTY) continue;
      let i = hash(key) & mask;
      while (slots[2 * i] !== EMPTY) i = (i + 1) & mask;
      slots[2 * i] = key;
      slots[2 * i + 1] = old[j + 1] as number;
    }
    this.slots = slots;
  }
}
