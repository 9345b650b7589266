// rules/credit.ts on its own: the account's and the user's credit limits.
import { type AccountInput, type AccountMonth, type Catalog, chargeCredit, loadCatalog } from '@ratel/rater';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountInput, voice } from '../helpers.js';
import { type RuleCase, ruleCase } from './draft.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

/** Charges `cost` micros for a CDR of `account`, on `state` when given. */
function charge(account: AccountInput, id: string, cost: number, state?: AccountMonth): RuleCase {
  const cdr = voice(id, 'u1', '+33612345678', '2025-03-03T10:00:00Z', 60);
  const c = ruleCase(catalog, account, cdr, state);
  c.d.rating.cost_micros = cost;
  chargeCredit(cdr, c.r, c.state, c.d);
  return c;
}

describe('rules/credit', () => {
  it('alerts once, at the CDR that takes the account beyond its limit', () => {
    const account = accountInput('acc-1', 'fr-start', ['u1'], { credit_limit: '1.00' });
    const a = charge(account, 'a', 600_000);
    const b = charge(account, 'b', 600_000, a.state);
    const c = charge(account, 'c', 600_000, a.state);
    expect([a.d.alerts.length, b.d.alerts.length, c.d.alerts.length]).toEqual([0, 1, 0]);
    expect(b.d.alerts[0]).toEqual(expect.objectContaining({ kind: 'CREDIT_LIMIT', cdr_id: 'b', month: 202503 }));
    expect(a.state.costMicros).toBe(1_800_000);
  });

  it("alerts at the CDR that takes a user beyond the user's own limit", () => {
    const account = accountInput('acc-1', 'fr-start', ['u1'], { users: [{ id: 'u1', credit_limit: '0.50' }] });
    const a = charge(account, 'a', 400_000);
    const b = charge(account, 'b', 200_000, a.state);
    expect(a.d.alerts).toEqual([]);
    expect(b.d.alerts).toEqual([expect.objectContaining({ kind: 'USER_CREDIT_LIMIT', user_id: 'u1', cdr_id: 'b' })]);
    expect(a.state.user0?.costMicros).toBe(600_000);
  });

  it('leaves the user months alone when no user has a limit of its own', () => {
    const a = charge(accountInput('acc-1', 'fr-start', ['u1']), 'a', 600_000);
    expect(a.state.user0).toBeNull();
  });
});
