/**
 * Finding: a usage line gave a total without the calls behind it (the seeds' operators give an
 * itemised bill). Now the itemised detail lists each call of the month with its local time,
 * masked number, destination, included and billed seconds and cost, tagged with its line, and
 * the calls of each line sum to it to the cent, overage lines included.
 */
import { itemisedCalls } from '@ratel/aggregator';
import { accountBook } from '@ratel/rater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voice } from '../rater/helpers.js';
import { frAccount, invoicesOf } from './invoice-run-fixture.js';
import { type Fixture, OCT, openFixture } from './store-fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture('itemised');
});
afterAll(() => fx?.close());

describe('regression: usage line without itemised calls', () => {
  it('calls of each line sum to it, to the cent: half-cent prices rounded up per call', async () => {
    const accounts = accountBook([frAccount('it', 'fr-start')], fx.catalog);
    const cdrs = [
      // Spain mobile 30 s * 0.89/60 = 0.445 -> 0.45 each: the line is 3 * 0.45 = 1.35, not 1.335 -> 1.34.
      voice('i1', 'it-u1', '+34612345678', '2026-10-05T08:00:00', 30, { account: 'it' }),
      voice('i2', 'it-u1', '+34612345679', '2026-10-06T08:00:00', 30, { account: 'it' }),
      voice('i3', 'it-u1', '+34612345670', '2026-10-07T08:00:00', 30, { account: 'it' }),
      // Over the 1 h per-call cap: 3600 s included on the usage line, 400 s on the overage line (1.00).
      voice('i4', 'it-u1', '+33612345678', '2026-10-08T08:00:00', 4000, { account: 'it' }),
    ];
    const inv = (await invoicesOf(fx, accounts, OCT, cdrs)).get('it');
    if (!inv) throw new Error('no invoice');
    const calls = (await itemisedCalls(fx.store, fx.catalog, accounts, [inv])).get(inv.invoice_id) ?? [];
    const spain = inv.lines.find((l) => l.description === 'Calls mobile, Spain (Forfait Start)');
    const overage = inv.lines.find((l) => l.section === 'overage');
    expect(spain?.amount_micros).toBe(1_350_000);
    expect(overage?.amount_micros).toBe(1_000_000);
    const sum = (no: number | undefined) => calls.filter((c) => c.line_no === no).reduce((s, c) => s + c.cost_micros, 0);
    expect(sum(spain?.line_no)).toBe(1_350_000);
    expect(sum(overage?.line_no)).toBe(1_000_000);
    const first = calls.find((c) => c.cdr_id === 'i1');
    // 08:00 UTC is 10:00 in Paris (summer time); the last four digits masked.
    expect(first).toMatchObject({ local_time: '2026-10-05 10:00:00', number: '+3461234XXXX', destination: 'Spain mobile', quantity: 30 });
    expect(calls.find((c) => c.cdr_id === 'i4')).toMatchObject({ included_qty: 3600, billed_qty: 400, cost_micros: 1_000_000 });
  });
});
