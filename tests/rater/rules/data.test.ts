// rules/data.ts on its own: what one data session writes into its draft.
import { type Catalog, loadCatalog, Reason, rateData } from '@ratel/rater';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountInput, dataSession } from '../helpers.js';
import { ruleCase } from './draft.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

const BE_MOBILE = accountInput('acc-1', 'be-mobile-unlimited', ['u1']);
const START = accountInput('acc-1', 'fr-start', ['u1']);
const GB = 1_000_000_000;

describe('rules/data', () => {
  it('includes national data and counts it against the national quota only', () => {
    const cdr = dataSession('d', 'u1', '2025-03-03T10:00:00Z', 2 * GB, { bytesUp: 1000 });
    const c = ruleCase(catalog, BE_MOBILE, cdr);
    rateData(cdr, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.IN_PACK]);
    expect(c.d.rating.quantity).toBe(2 * GB + 1000);
    expect([c.state.user0?.bytesNational, c.state.user0?.bytesEu]).toEqual([2 * GB + 1000, 0]);
  });

  it('counts EU roaming against both quotas, with ROAMING_EU', () => {
    const cdr = dataSession('e', 'u1', '2025-03-03T10:00:00Z', GB, { roaming: 'ES' });
    const c = ruleCase(catalog, BE_MOBILE, cdr);
    rateData(cdr, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.IN_PACK, Reason.ROAMING_EU]);
    expect([c.state.user0?.bytesNational, c.state.user0?.bytesEu]).toEqual([GB, GB]);
  });

  it('bills all of it outside the EU', () => {
    const cdr = dataSession('us', 'u1', '2025-03-03T10:00:00Z', 1_000_001, { roaming: 'US' });
    const c = ruleCase(catalog, BE_MOBILE, cdr);
    rateData(cdr, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.NOT_IN_PACK, Reason.ROAMING_OUTSIDE_EU]);
    expect(c.d.rating.cost_micros).toBe(20_000);
  });

  it('says the EU roaming zone on a plan without data (NOT_IN_PACK too)', () => {
    const cdr = dataSession('x', 'u1', '2025-03-03T10:00:00Z', 10, { roaming: 'DE' });
    const c = ruleCase(catalog, START, cdr);
    rateData(cdr, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.NOT_IN_PACK, Reason.ROAMING_EU]);
  });
});
