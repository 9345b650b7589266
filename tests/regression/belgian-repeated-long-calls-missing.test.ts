/**
 * Finding (issue #13 item 5): the Belgian option's rule « Un utilisateur effectue régulièrement
 * des appels de plus d'une heure vers le même numéro » (003 §4.5) raised an alert but billed
 * nothing, although the option « se réserve le droit de facturer les consommations ». The second
 * and later calls of over 3600 s to one number in the month are billed whole (plan setting
 * repeated_long_calls_billing "call").
 */
import { latestVersions, loadCatalog, rateAll } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { accountInput, contextOf, fixedNow, voice } from '../rater/helpers.js';

describe('regression: Belgian repeated long calls missing', () => {
  it('the second call of 3700 s to one Brussels number is billed 3.70 EUR, the first stays free', () => {
    const catalog = loadCatalog();
    const ctx = contextOf(catalog, accountInput('acc-1', 'be-unlimited-fixed', ['u1']));
    const cdrs = [
      voice('l1', 'u1', '+3225551111', '2025-03-03T08:00:00Z', 3700),
      voice('l2', 'u1', '+3225551111', '2025-03-04T08:00:00Z', 3700),
    ];
    const out = rateAll(ctx, cdrs, fixedNow);
    const latest = latestVersions(out.events);
    expect(latest.get('l1')?.cost_micros).toBe(0);
    // 3700 s * 0.06 EUR / 60 = 3.70 EUR
    expect([latest.get('l2')?.billed_qty, latest.get('l2')?.cost_micros]).toEqual([3700, 3_700_000]);
    expect(out.alerts.map((a) => [a.kind, a.cdr_id, a.detail.split(':')[0]])).toEqual([['FAIR_USE', 'l2', 'repeated_long_calls']]);
  });
});
