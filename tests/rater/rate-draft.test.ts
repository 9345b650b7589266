// rate.ts: the reasons of a CDR travel in its draft, so one draft rates CDR after CDR.
import { type Alert, type Catalog, loadCatalog, newAccountMonth, newDraft, Reason, rateCdr } from '@ratel/rater';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountInput, contextOf, voice } from './helpers.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

describe('rateCdr and its draft', () => {
  it('starts each CDR from no reasons: a reused draft carries nothing over', () => {
    const ctx = contextOf(catalog, accountInput('acc-1', 'fr-pro', ['u1']));
    const state = newAccountMonth();
    const d = newDraft();
    const prem = rateCdr(voice('p', 'u1', '0899123456', '2025-03-03T10:00:00Z', 60), ctx, 202503, state, [], undefined, d);
    const call = rateCdr(voice('c', 'u1', '+33612345678', '2025-03-03T11:00:00Z', 60), ctx, 202503, state, [], undefined, d);
    expect(prem.reasons).toEqual([Reason.PREMIUM_BLOCKED]);
    expect(call.reasons).toEqual([Reason.IN_PACK]);
    expect(d.rating).toBe(call);
  });

  it('rates the same with a draft of its own as with the engine-style shared one', () => {
    const ctx = contextOf(catalog, accountInput('acc-1', 'fr-start', ['u1']));
    const cdrs = [
      voice('a', 'u1', '+33612345678', '2025-03-03T10:00:00Z', 4000),
      voice('b', 'u1', '+447700900123', '2025-03-03T11:00:00Z', 90),
      voice('c', 'u1', '112', '2025-03-03T12:00:00Z', 30),
    ];
    const shared = newDraft();
    const s1 = newAccountMonth();
    const s2 = newAccountMonth();
    const alerts1: Alert[] = [];
    const alerts2: Alert[] = [];
    for (const c of cdrs) {
      const own = rateCdr(c, ctx, 202503, s1, alerts1);
      const reused = rateCdr(c, ctx, 202503, s2, alerts2, undefined, shared);
      expect(reused).toEqual(own);
    }
    expect(alerts2).toEqual(alerts1);
  });

  it('pushes alerts onto the array given to that call', () => {
    const ctx = contextOf(catalog, accountInput('acc-1', 'fr-start', ['u1']));
    const d = newDraft();
    const first: Alert[] = [];
    const second: Alert[] = [];
    rateCdr(voice('p1', 'u1', '0899123456', '2025-03-03T10:00:00Z', 60), ctx, 202503, newAccountMonth(), first, undefined, d);
    rateCdr(voice('p2', 'u1', '0899123456', '2025-03-03T10:00:00Z', 60), ctx, 202503, newAccountMonth(), second, undefined, d);
    expect([first.length, second.length]).toEqual([1, 1]);
  });
});
