// rules/message.ts on its own: what one SMS writes into its draft.
import { type Catalog, loadCatalog, newAccountMonth, Reason, rateMessage } from '@ratel/rater';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountInput, sms } from '../helpers.js';
import { ruleCase } from './draft.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

const BE_MOBILE = accountInput('acc-1', 'be-mobile-unlimited', ['u1']);

describe('rules/message', () => {
  it('includes a national SMS and counts its parts', () => {
    const cdr = sms('s1', 'u1', '+32470123456', '2025-03-03T10:00:00Z', { parts: 2 });
    const c = ruleCase(catalog, BE_MOBILE, cdr);
    rateMessage(cdr, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.IN_PACK]);
    expect([c.d.rating.quantity, c.d.rating.included_qty, c.d.rating.cost_micros]).toEqual([2, 2, 0]);
    expect(c.state.user0?.sms).toBe(2);
  });

  it('bills an SMS to a foreign number, not in the pack', () => {
    const cdr = sms('s2', 'u1', '+33612345678', '2025-03-03T10:00:00Z');
    const c = ruleCase(catalog, BE_MOBILE, cdr);
    rateMessage(cdr, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.NOT_IN_PACK]);
    expect(c.d.rating.billed_qty).toBe(1);
    expect(c.d.rating.cost_micros).toBe(100_000);
  });

  it('blocks a premium SMS with its alert on the draft', () => {
    const cdr = sms('p', 'u1', '+3290312345', '2025-03-03T10:00:00Z');
    const c = ruleCase(catalog, BE_MOBILE, cdr);
    rateMessage(cdr, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.PREMIUM_BLOCKED]);
    expect(c.d.alerts.map((a) => a.kind)).toEqual(['PREMIUM_ATTEMPT']);
  });

  it('raises the SMS cap alert once per month, on the shared state', () => {
    const state = newAccountMonth();
    const firstCdr = sms('a', 'u1', '+32470123456', '2025-03-03T10:00:00Z');
    const first = ruleCase(catalog, BE_MOBILE, firstCdr, state);
    rateMessage(firstCdr, first.r, state, first.d);
    if (!state.user0) throw new Error('no user month');
    state.user0.sms = 1000; // the month's 1000 SMS used
    const over = [1, 2].map((k) => {
      const cdr = sms(`o${k}`, 'u1', '+32470123456', '2025-03-03T11:00:00Z');
      const c = ruleCase(catalog, BE_MOBILE, cdr, state);
      rateMessage(cdr, c.r, state, c.d);
      return c;
    });
    expect(over.map((c) => c.reasons())).toEqual([[Reason.SMS_CAP], [Reason.SMS_CAP]]);
    expect(over.map((c) => c.d.alerts.length)).toEqual([1, 0]);
  });
});
