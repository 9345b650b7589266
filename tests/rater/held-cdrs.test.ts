// The compact store of held CDRs (rater/src/held-cdrs.ts): Avro bodies in slabs, typed columns.
import { HeldCdrs } from '@ratel/rater';
import { type Cdr, cdrType } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { voice } from './helpers.js';

const callAt = (i: number): Cdr =>
  voice(`cdr-${i}-${'x'.repeat(i % 37)}`, `u${i % 7}`, `+3361234${String(i).padStart(4, '0')}`, '2026-10-02T10:00:00', i % 900);

describe('HeldCdrs', () => {
  it('gives back every CDR, from a body as received or encoded itself, across slabs', () => {
    const held = new HeldCdrs();
    const cdrs = Array.from({ length: 50_000 }, (_, i) => callAt(i)); // about 8 MB of bodies: two slabs and more
    cdrs.forEach((c, i) => {
      const row = held.append(c, i + 1, i % 2 ? cdrType.toBuffer(c) : undefined);
      expect(row).toBe(i);
    });
    expect(held.rows).toBe(cdrs.length);
    for (const i of [0, 1, 2, 20_000, 31_111, 49_998, 49_999]) {
      expect(held.cdr(i)).toEqual(cdrs[i]);
      expect(held.id(i)).toBe(cdrs[i]?.id);
      expect(held.start[i]).toBe(cdrs[i]?.start_ms);
      expect(held.key[i]).toBe(i + 1);
      expect(held.prev[i]).toBe(-1);
      expect(held.version[i]).toBe(0);
    }
    for (let i = 0; i < cdrs.length; i++) expect(held.id(i)).toBe(cdrs[i]?.id);
    expect(held.byteLength).toBeGreaterThan(8 << 20);
    // Grown columns and new slabs stay on SharedArrayBuffers (long-lived-arrays.ts): outside V8's external-memory count.
    for (const column of [held.start, held.key, held.prev, held.bucket, held.version, held.included, held.billed, held.cost])
      expect(column.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('keeps a body larger than a slab in a slab of its own, and the rows around it intact', () => {
    const held = new HeldCdrs();
    const big = { ...callAt(1), voice: { ...(callAt(1).voice as NonNullable<Cdr['voice']>), trunk_id: 't'.repeat(5 << 20) } };
    const cdrs = [callAt(0), big, callAt(2), big, callAt(4)];
    cdrs.forEach((c, i) => {
      held.append(c, i + 1, i === 3 ? cdrType.toBuffer(c) : undefined);
    });
    for (let i = 0; i < cdrs.length; i++) expect(held.cdr(i)).toEqual(cdrs[i]);
  });

  it('copies rows with their body and last emitted rating', () => {
    const from = new HeldCdrs();
    const cdrs = Array.from({ length: 40_000 }, (_, i) => callAt(i));
    cdrs.forEach((c, i) => {
      const row = from.append(c, i + 1);
      from.version[row] = 1 + (i % 3);
      from.cost[row] = i * 10_000;
      from.prefix[row] = `33${i % 10}`;
    });
    const to = new HeldCdrs();
    for (let r = from.rows - 1; r >= 0; r -= 2) to.copyRow(from, r); // every other row, backwards
    expect(to.rows).toBe(20_000);
    for (let k = 0; k < to.rows; k++) {
      const r = from.rows - 1 - 2 * k;
      expect(to.cdr(k)).toEqual(cdrs[r]);
      expect([to.key[k], to.version[k], to.cost[k], to.prefix[k]]).toEqual([r + 1, 1 + (r % 3), r * 10_000, `33${r % 10}`]);
    }
  });
});
