/**
 * Numeric keys (never 0) to the first non-negative integer recorded for each: one open-addressing
 * Float64Array of keys beside an Int32Array of values. The engine maps CDR id keys to the held
 * row of that id, so a replay is confirmed on one row instead of a walk of its account-month.
 */
import { hash } from './key-set.js';
import { f64, i32 } from './long-lived-arrays.js';

const EMPTY = 0;

export class KeyIndex {
  private keys = f64(16);
  private values = i32(16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value recorded for `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = keys[i] as number;
      if (k === key) return this.values[i] as number;
      if (k === EMPTY) return -1;
    }
  }

  /** Records `value` for `key` unless the key has one already; returns false in that case. */
  add(key: number, value: number): boolean {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = keys[i] as number;
      if (k === key) return false;
      if (k === EMPTY) {
        keys[i] = key;
        this.values[i] = value;
        this.count++;
        return true;
      }
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const keys = f64(oldKeys.length * 2);
    const values = i32(oldKeys.length * 2);
    const mask = keys.length - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j] as number;
      if (key === EMPTY) continue;
      let i = hash(key) & mask;
      while (keys[i] !== EMPTY) i = (i + 1) & mask;
      keys[i] = key;
      values[i] = oldValues[j] as number;
    }
    this.keys = keys;
    this.values = values;
  }
}
