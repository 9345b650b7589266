/**
 * Finding (issue #13 item 5): the Belgian option's rule « Un utilisateur effectue un renvoi
 * immédiat permanent vers un numéro non interfone » (003 §4.5) was not applied: a forward to a
 * non-Interfone number raised no fair-use alert. The option « se réserve le droit de facturer les
 * consommations »: such a forwarded call is billed whole and raises a FAIR_USE alert naming the
 * rule (plan settings off_net_forward_calls, off_net_forward_billing, operator_prefixes).
 */
import { latestVersions, loadCatalog, Reason, rateAll } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { accountInput, contextOf, fixedNow, voice } from '../rater/helpers.js';

describe('regression: Belgian forward rule missing', () => {
  it('a forwarded call to a non-operator Belgian mobile is billed whole with a FAIR_USE alert', () => {
    const catalog = loadCatalog();
    const ctx = contextOf(catalog, accountInput('acc-1', 'be-unlimited-fixed', ['u1']));
    const out = rateAll(ctx, [voice('fwd', 'u1', '+32475123456', '2025-03-03T08:00:00Z', 120, { direction: 'FORWARDED' })], fixedNow);
    const e = latestVersions(out.events).get('fwd');
    // 120 s * 0.12 EUR / 60 = 0.24 EUR
    expect([e?.billed_qty, e?.cost_micros]).toEqual([120, 240_000]);
    expect(e?.reasons).toContain(Reason.OFF_NET_FORWARD);
    expect(out.alerts.map((a) => [a.kind, a.cdr_id, a.detail.split(':')[0]])).toEqual([['FAIR_USE', 'fwd', 'off_net_forward']]);
  });
});
