/**
 * Finding (issue #13): a data session roaming in the EU on a plan without data got the reason
 * ROAMING_OUTSIDE_EU, so the roaming-abuse check (EU against home usage) counted it on neither
 * side. It carries ROAMING_EU (and NOT_IN_PACK); outside the EU, ROAMING_OUTSIDE_EU.
 */
import { latestVersions, loadCatalog, Reason, rateAll } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { accountInput, contextOf, dataSession, fixedNow } from '../rater/helpers.js';

describe('regression: EU data roaming without data gets the wrong reason', () => {
  it('EU roaming data on the Belgian fixed option: ROAMING_EU and NOT_IN_PACK', () => {
    const catalog = loadCatalog();
    const ctx = contextOf(catalog, accountInput('acc-1', 'be-unlimited-fixed', ['u1']));
    const cdrs = [
      dataSession('eu', 'u1', '2025-03-03T08:00:00Z', 1_000_000, { roaming: 'FR' }),
      dataSession('us', 'u1', '2025-03-03T09:00:00Z', 1_000_000, { roaming: 'US' }),
    ];
    const latest = latestVersions(rateAll(ctx, cdrs, fixedNow).events);
    expect(latest.get('eu')?.reasons).toEqual([Reason.NOT_IN_PACK, Reason.ROAMING_EU]);
    expect(latest.get('us')?.reasons).toEqual([Reason.NOT_IN_PACK, Reason.ROAMING_OUTSIDE_EU]);
  });
});
