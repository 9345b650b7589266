// The stable alert id (rater/src/alert-id.ts): what the engine de-duplicates alerts by, with the
// account and the month. The expected hex values were worked out apart from ratel:
//   printf '%s' '["alert.v1","acc-1",202503,"CREDIT_LIMIT"]' | sha256sum | cut -c1-32
import { type Alert, alertId, alertKey, loadCatalog, newOutput, RatingEngine, rateAll } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { accountInput, contextOf, fixedNow, voice } from './helpers.js';

const credit: Alert = {
  kind: 'CREDIT_LIMIT',
  account_id: 'acc-1',
  user_id: 'u1',
  cdr_id: 'c9',
  month: 202503,
  at_ms: Date.parse('2025-03-10T10:00:00Z'),
  detail: 'usage 100010000 micros exceeds credit limit 100000000',
};

describe('alertId', () => {
  it('is 32 hex digits of SHA-256 over ["alert.v1", account, month, the engine key]', () => {
    expect(alertId(credit)).toBe('c3847f48871bba187f0efdf5b627ada9');
    expect(alertId({ ...credit, kind: 'USER_CREDIT_LIMIT', user_id: 'u2' })).toBe('997ea96a9540931474ab20fd2221889b');
  });

  it('an account credit alert keeps its id whichever call crossed, when and with what usage', () => {
    const other = {
      ...credit,
      user_id: 'u3',
      cdr_id: 'c12',
      at_ms: credit.at_ms + 3600_000,
      detail: 'usage 100500000 micros exceeds credit limit 100000000',
    };
    expect(alertId(other)).toBe(alertId(credit));
  });

  it('differs by account, month, kind, user (own limit), premium CDR and fair-use cap', () => {
    const ids = [
      credit,
      { ...credit, account_id: 'acc-2' },
      { ...credit, month: 202504 },
      { ...credit, kind: 'USER_CREDIT_LIMIT' as const },
      { ...credit, kind: 'USER_CREDIT_LIMIT' as const, user_id: 'u2' },
      { ...credit, kind: 'PREMIUM_ATTEMPT' as const, cdr_id: 'p1' },
      { ...credit, kind: 'PREMIUM_ATTEMPT' as const, cdr_id: 'p2' },
      { ...credit, kind: 'FAIR_USE' as const, detail: 'more than 100 distinct callees' },
      { ...credit, kind: 'FAIR_USE' as const, detail: 'more than 54000 s of calls' },
      { ...credit, kind: 'ROAMING_ABUSE' as const, cdr_id: '', detail: 'more EU roaming than home DATA usage in 202501, 202502, 202503' },
    ].map(alertId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('no field runs into the next: "a|b" + "c" is not "a" + "b|c"', () => {
    const a = { ...credit, kind: 'USER_CREDIT_LIMIT' as const, account_id: 'x|USER_CREDIT_LIMIT', user_id: 'u' };
    const b = { ...credit, kind: 'USER_CREDIT_LIMIT' as const, account_id: 'x', user_id: 'USER_CREDIT_LIMIT|u' };
    expect(alertKey(a)).not.toBe(alertKey(b));
    expect(alertId(a)).not.toBe(alertId(b));
  });

  it('a late CDR that moves the crossing to an earlier call raises no new id', () => {
    const catalog = loadCatalog();
    const ctx = contextOf(catalog, accountInput('acc-1', 'fr-start', ['u1'], { credit_limit: '2.00' }));
    // 0.89 EUR/min international: 1.78 EUR a call of 120 s, the limit of 2.00 crossed by the second call.
    const i1 = voice('i1', 'u1', '+819012345678', '2025-03-03T08:00:00Z', 120);
    const later = [
      voice('i2', 'u1', '+819012345679', '2025-03-04T08:00:00Z', 120),
      voice('i3', 'u1', '+819012345670', '2025-03-05T08:00:00Z', 120),
      voice('p1', 'u1', '+33899123456', '2025-03-06T08:00:00Z', 60),
    ];
    const inOrder = rateAll(ctx, [i1, ...later], fixedNow).alerts;
    expect(inOrder.map((a) => [a.kind, a.cdr_id])).toEqual([
      ['CREDIT_LIMIT', 'i2'],
      ['PREMIUM_ATTEMPT', 'p1'],
    ]);
    // i1 arrives last: the month crossed at i3 first, then is re-rated in start order.
    const engine = new RatingEngine(ctx, fixedNow);
    const first = newOutput();
    engine.addAll(later, first);
    const second = newOutput();
    engine.addAll([i1], second);
    expect(first.alerts.find((a) => a.kind === 'CREDIT_LIMIT')?.cdr_id).toBe('i3');
    expect(second.alerts).toEqual([]);
    expect(new Set(first.alerts.map(alertId))).toEqual(new Set(inOrder.map(alertId)));
  });
});
