/** Runs the README's library example (examples/library/rate-a-month.ts) and checks what it prints. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rateAMonth } from '../../examples/library/rate-a-month.js';

describe('the library example', () => {
  it('rates its CDRs into chDB, reads them back and invoices the month', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratel-lib-'));
    try {
      const r = await rateAMonth(join(dir, 'chdb'), join(dir, 'out'));
      expect(r.dead.map((d) => [d.cdr_id, d.code])).toEqual([['bad', 'CDR_UNRATEABLE']]);
      expect(r.ratings.map((e) => e.cdr_id)).toEqual(['c1', 'c2', 's1']);
      // Forfait Start includes French mobiles and SMS (SPEC §4); the Spanish mobile is billed.
      const byId = Object.fromEntries(r.ratings.map((e) => [e.cdr_id, e]));
      expect([byId.c1?.included_qty, byId.c1?.cost_micros]).toEqual([125, 0]);
      expect(byId.c2?.billed_qty).toBe(61);
      expect(byId.c2?.cost_micros).toBeGreaterThan(0);
      expect(r.invoice?.account_id).toBe('acme');
      expect(r.invoice?.issued_at_ms).toBe(Date.parse('2026-11-01T02:00:00Z')); // the close's clock
      expect(readdirSync(r.folder).some((f) => f.endsWith('.pdf'))).toBe(true);
      expect(r.text).toContain('acme');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
