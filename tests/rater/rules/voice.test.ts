// rules/voice.ts on its own: what one voice CDR writes into its draft.
import { type Catalog, includedMask, loadCatalog, onNet, Reason, rateVoice } from '@ratel/rater';
import type { Voice } from '@ratel/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountInput, voice } from '../helpers.js';
import { ruleCase } from './draft.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

const PRO = accountInput('acc-1', 'fr-pro', ['u1']);
const START = accountInput('acc-1', 'fr-start', ['u1']);

describe('rules/voice', () => {
  it('includes an answered national call in the Pro pack and counts its seconds', () => {
    const cdr = voice('c1', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 300);
    const c = ruleCase(catalog, PRO, cdr);
    rateVoice(cdr, cdr.voice as Voice, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.IN_PACK]);
    expect([c.d.rating.included_qty, c.d.rating.billed_qty, c.d.rating.cost_micros]).toEqual([300, 0, 0]);
    expect(c.d.rating.counterpart).toBe('33612345678');
    expect(c.state.user0?.seconds).toBe(300);
    expect(c.d.alerts).toEqual([]);
  });

  it('marks an inbound unanswered call with both reasons and rates nothing', () => {
    const cdr = voice('in', 'u1', '+33140000000', '2025-03-03T10:00:00Z', 0, { direction: 'INBOUND', caller: '+33612345678' });
    const c = ruleCase(catalog, PRO, cdr);
    rateVoice(cdr, cdr.voice as Voice, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.INBOUND, Reason.UNANSWERED]);
    expect(c.d.rating.counterpart).toBe('33612345678');
    expect(c.d.rating.cost_micros).toBe(0);
    expect(c.state.user0).toBeNull();
  });

  it('blocks a premium number: the reason on the draft, the alert on the draft alerts, for the rating month', () => {
    const cdr = voice('prem', 'u1', '0899123456', '2025-03-03T10:00:00Z', 60);
    const c = ruleCase(catalog, START, cdr);
    rateVoice(cdr, cdr.voice as Voice, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.PREMIUM_BLOCKED]);
    expect(c.d.alerts).toEqual([expect.objectContaining({ kind: 'PREMIUM_ATTEMPT', cdr_id: 'prem', month: 202503 })]);
    expect(c.d.rating.cost_micros).toBe(0);
  });

  it('outside the EU: ROAMING_OUTSIDE_EU, and nothing in the pack', () => {
    const cdr = voice('r', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 60, { roaming: 'US' });
    const c = ruleCase(catalog, PRO, cdr);
    rateVoice(cdr, cdr.voice as Voice, c.r, c.state, c.d);
    expect(c.reasons()).toEqual([Reason.NOT_IN_PACK, Reason.ROAMING_OUTSIDE_EU]);
    expect(c.d.rating.cost_micros).toBeGreaterThan(0);
  });

  it('onNet: under one of the operator prefixes only', () => {
    expect(onNet('3214000000', ['3214', '3215'])).toBe(true);
    expect(onNet('3216000000', ['3214', '3215'])).toBe(false);
    expect(onNet('3214000000', [])).toBe(false);
  });

  it('includedMask: built once per plan and trie', () => {
    const plan = catalog.plans.get('fr-pro');
    const tariff = plan && catalog.tariffs.get(plan.tariff);
    if (!plan || !tariff) throw new Error('fr-pro not in the catalog');
    const m = includedMask(plan, tariff.trie);
    expect(includedMask(plan, tariff.trie)).toBe(m);
    expect(m.some((x) => x !== 0)).toBe(true);
  });
});
